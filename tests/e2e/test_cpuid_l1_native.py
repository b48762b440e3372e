"""The L1-native path without L0 (virt=off, level l1): init loads no KVM and runs the cpuid loop
in L1 user space; nothing of L0's in the result. turtle.peek reads physical memory outside RAM
through /dev/mem: the firmware's ROM just below 4 GiB, which the kernel's STRICT_DEVMEM allows."""
import re
import sys

from e2e import check, main, turtle_run

ITERATIONS = 1000
PEEK = "0xfffffff0"  # the reset vector, in the firmware ROM on every x86 machine


def test():
    status, _, r, wall = turtle_run("virt=off", "cpuid", ITERATIONS, level="l1",
                                    l1_append="turtle.peek=" + PEEK)
    check(status == 0, "turtle run exits 0 (got %d)" % status)
    check(r is not None, "the result JSON was written")
    check(r["ok"] is True, "the workload reports ok")
    check(r["level"] == "l1", "level is l1")
    check(r["verified"] == ITERATIONS, "the loop did %d iterations" % ITERATIONS)
    check(r["cycles_per_iteration"] > 0, "cycles per iteration > 0 (%s)"
          % r["cycles_per_iteration"])
    check(r["l2_exits"] is None and r["l2_cycles"] is None, "no L2 counts at level l1")
    check(r["kvm"] is None, "init loaded no KVM at level l1")
    check(r["l0_present"] is False, "turtle-l0 found no L0")
    check(r["l0_exits"] is None and r["l0_boot_exits"] is None, "no L0 counters without L0")
    peek = r["peek"] or {}
    check(peek.get("ok") is True and peek.get("addr") == PEEK,
          "turtle.peek read %s (%s)" % (PEEK, peek))
    check(re.match(r"^0x[0-9a-f]{8}$", peek.get("value", "")), "the value is 32 bits of hex")
    print("wall time %.0f s, stage times %s" % (wall, r["run"]["stage_times"]))


sys.exit(main(test))
