"""L1 cannot read L0's memory. Boot 1 (virt=on, no workloads) learns where L0's image is from
L0's l0-memory record; boot 2 has L1 read 32 bits at the image base (turtle.peek, /dev/mem).
L0 must refuse the access, say so (an l0-refused record for that address), and hand L1 its
zero-filled decoy page instead of its image, whose first bytes are the PE header "MZ"."""
import sys

from e2e import boot, check, main

PE_MAGIC = 0x5a4d  # "MZ" read as a little-endian 16-bit value
PAGE_SHIFT = 12


def same_page(a, b):
    return int(a, 16) >> PAGE_SHIFT == int(b, 16) >> PAGE_SHIFT


def test():
    _, first = boot("virt=on", "l1", [], "l0-memory-1")
    check(first["reason"] is None, "boot 1 ran to the end (%s)" % first["reason"])
    memory = first["l0_memory"]
    check(memory and memory.get("image"), "L0 printed where its memory is (%s)" % memory)
    base = memory["image"]

    _, second = boot("virt=on", "l1", [], "l0-memory-2", l1_append="turtle.peek=" + base)
    check(second["reason"] is None, "boot 2 ran to the end (%s)" % second["reason"])
    check(second["l0_memory"] == memory, "L0's memory is where boot 1 found it (else the address "
          "moved between boots: %s, then %s)" % (memory, second["l0_memory"]))
    peek = second["peek"] or {}
    check(peek.get("ok") is True, "L1 read %s through /dev/mem (%s)" % (base, peek))
    value = int(peek["value"], 16)
    check(value & 0xffff != PE_MAGIC, "L1 did not read L0's PE header (read %s)" % peek["value"])
    check(value == 0, "L1 read the zero-filled decoy (read %s)" % peek["value"])
    refused = [r for r in second["l0_refused"] if same_page(r["gpa"], base)]
    check(refused, "L0 logged the refused access at %s (all refusals: %s)"
          % (base, second["l0_refused"]))
    check(refused[0].get("access") == "read", "as a read (%s)" % refused[0])


sys.exit(main(test))
