"""End to end, single level (virt=off): the issue-6 workloads memtouch and vmlife.

Boot 1, in L2 under L1's KVM: memtouch fills 16384 fresh pages (64 MiB) of L2 memory, every
32-bit word with its page's pattern, then compares them all, and l2run checks every word again
through its own mapping; the first touch of each page must have exited to L1's KVM. vmlife
creates a VM, runs 10 CPUIDs in it and destroys it, VMS times; each VM folds a seed of its own
through its CPUIDs, which l2run checks; its cycles are L1's busy time, within the TSC's count.
Boot 2, at level l1: memtouch runs natively in L1 and checks its pages; vmlife says it is not
available there."""
import json
import sys

from e2e import boot, check, main

PAGES = 16384  # 64 MiB of 4 KiB pages
VMS = 100
CPUIDS_PER_VM = 10  # L2_VMLIFE_CPUIDS


def serial_result(r):
    """The workload's own result record from the boot's serial log: it carries phase_cycles
    and elapsed_cycles, which the harness does not copy."""
    with open(r["run"]["serial_log"], errors="replace") as f:
        for line in f:
            line = line.strip()
            if line.startswith('{"turtle":"result"') and '"workload":"%s"' % r["workload"] in line:
                return json.loads(line)
    return {}


def check_memtouch(r, level):
    check(r["ok"] is True, "memtouch at %s reports ok (%s)" % (level, r.get("error")))
    check(r["level"] == level, "memtouch ran at %s" % level)
    check(r["verified"] == PAGES, "memtouch verified %d pages (got %s)" % (PAGES, r["verified"]))
    check(r["cycles_per_iteration"] > 0, "memtouch: cycles per page > 0 (%s)"
          % r["cycles_per_iteration"])
    phases = serial_result(r).get("phase_cycles") or {}
    check(set(phases) == {"touch", "verify"} and sum(phases.values()) == r["cycles"],
          "memtouch: the touch and verify passes add up to its cycles (%s)" % phases)


def test_l2():
    results, outcome = boot("virt=off", "l2", [("memtouch", PAGES), ("vmlife", VMS)],
                            "memtouch-vmlife-l2")
    check(outcome["reason"] is None, "boot 1 ran to the end (%s)" % outcome["reason"])
    mt, vl = results
    check_memtouch(mt, "l2")
    check(mt["l2_exits"] >= PAGES, "memtouch: each fresh page exited to L1's KVM (%s exits)"
          % mt["l2_exits"])
    check(mt["userspace_exits"] == 1, "memtouch: no return to l2run but the done signal (%s)"
          % mt["userspace_exits"])

    check(vl["ok"] is True, "vmlife reports ok (%s)" % vl.get("error"))
    check(vl["verified"] == VMS, "vmlife: %d VMs ran and were checked (got %s)"
          % (VMS, vl["verified"]))
    check(vl["l2_exits"] >= CPUIDS_PER_VM * VMS, "vmlife: each VM's CPUIDs exited to L1's KVM "
          "(%s exits)" % vl["l2_exits"])
    check(vl["userspace_exits"] == VMS, "vmlife: each VM returned to l2run once, done (%s)"
          % vl["userspace_exits"])
    rec = serial_result(vl)
    elapsed = rec.get("elapsed_cycles")
    phases = rec.get("phase_cycles") or {}
    check(elapsed and set(phases) == {"create", "run", "destroy"} and
          0 < sum(phases.values()) <= elapsed,
          "vmlife: create, run and destroy within the TSC's count (%s of %s)" % (phases, elapsed))
    check(0 < vl["cycles"] <= elapsed, "vmlife: its cycles, L1's busy time, within the TSC's "
          "count (%s of %s)" % (vl["cycles"], elapsed))
    print("in L2: memtouch %.1f cycles and %.3f exits per page; vmlife %.0f busy cycles per VM "
          "(%.0f elapsed)" % (mt["cycles_per_iteration"], mt["l2_exits"] / PAGES,
                              vl["cycles_per_iteration"], elapsed / VMS))


def test_l1():
    results, outcome = boot("virt=off", "l1", [("memtouch", PAGES), ("vmlife", 1)],
                            "memtouch-vmlife-l1")
    check(outcome["reason"] is None, "boot 2 ran to the end (%s)" % outcome["reason"])
    mt, vl = results
    check_memtouch(mt, "l1")
    check(mt["l2_exits"] is None, "memtouch: no L2 counts at level l1")
    check(vl["ok"] is False and "not available at level l1" in (vl.get("error") or ""),
          "vmlife says it is not available at level l1 (%s)" % vl.get("error"))
    print("in L1: memtouch %.1f cycles per page" % mt["cycles_per_iteration"])


def test():
    test_l2()
    test_l1()


sys.exit(main(test))
