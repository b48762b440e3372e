"""The issue-5 workloads at level l1 without L0 (virt=off): pf runs natively in L1 user space
(each fresh page an ordinary page fault in L1's kernel) and checks its pages; io, hlt, vmcall and
mmio need a hypervisor below the loop, so each gives an explicit "not available at level l1"
record instead of a figure, and the run fails."""
import sys

from e2e import check, main, turtle_run

ITERATIONS = 1000
NATIVE = ("pf",)
L2_ONLY = ("io", "hlt", "vmcall", "mmio")


def test():
    status, _, doc, wall = turtle_run("virt=off", ",".join(NATIVE + L2_ONLY), ITERATIONS,
                                      level="l1")
    check(status != 0, "turtle run fails: some workloads have no L1 loop (status %d)" % status)
    check(isinstance(doc, list) and len(doc) == len(NATIVE + L2_ONLY),
          "the result JSON has one record per workload")
    records = {r["workload"]: r for r in doc}
    for name in NATIVE:
        r = records[name]
        check(r["ok"] is True, "%s reports ok (%s)" % (name, r.get("error")))
        check(r["level"] == "l1", "%s ran in L1" % name)
        check(r["verified"] == ITERATIONS, "%s verified %d iterations" % (name, ITERATIONS))
        check(r["l2_exits"] is None and r["userspace_exits"] is None, "no L2 counts at level l1")
        check(r["cycles_per_iteration"] > 0, "%s: cycles per iteration > 0 (%s)"
              % (name, r["cycles_per_iteration"]))
    for name in L2_ONLY:
        r = records[name]
        check(r["ok"] is False, "%s is not ok at level l1" % name)
        check("not available at level l1" in (r.get("error") or ""),
              "%s says it is not available at level l1 (%s)" % (name, r.get("error")))
        check(r["cycles_per_iteration"] is None, "%s has no figure" % name)
    print("wall time %.0f s; pf in L1: %.1f cycles per page" % (
        wall, records["pf"]["cycles_per_iteration"]))


sys.exit(main(test))
