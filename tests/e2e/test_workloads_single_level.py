"""End to end, single level (virt=off): one boot runs every L2 workload of issue 5 (io, hlt,
vmcall, mmio, pf) in L2 under L1's KVM. Each checks its own result (the guest compares what it
reads with what it expects, l2run's device checks what the guest wrote, pf's pages are checked
from L1), so every record must be ok with all iterations verified; and each operation must have
exited to L1's KVM, and to l2run exactly when KVM hands it to user space."""
import sys

from e2e import check, main, turtle_run

ITERATIONS = 1000
# workload: (exits to L1's KVM per iteration at least, returns to l2run per iteration)
EXPECTED = {
    "io": (2, 2),      # OUT and IN, both served by l2run's echo device
    "hlt": (1, 1),     # no in-kernel irqchip: KVM hands each HLT to l2run
    "vmcall": (1, 0),  # answered by KVM in L1's kernel
    "mmio": (2, 2),    # a write and a read at an address in no memory slot
    "pf": (1, 0),      # each fresh page faults once in L1's KVM
}


def test():
    status, _, doc, wall = turtle_run("virt=off", ",".join(EXPECTED), ITERATIONS)
    check(status == 0, "turtle run exits 0 (got %d)" % status)
    check(isinstance(doc, list) and len(doc) == len(EXPECTED),
          "the result JSON has one record per workload")
    for r, (name, (exits, to_user)) in zip(doc, EXPECTED.items()):
        check(r["workload"] == name, "record for %s (got %s)" % (name, r["workload"]))
        check(r["ok"] is True, "%s reports ok (%s)" % (name, r.get("error")))
        check(r["level"] == "l2", "%s ran in L2" % name)
        check(r["verified"] == ITERATIONS, "%s verified %d iterations (got %s)"
              % (name, ITERATIONS, r["verified"]))
        check(r["l2_exits"] >= exits * ITERATIONS, "%s: KVM counted at least %d exits per "
              "iteration (%s)" % (name, exits, r["l2_exits"]))
        # Plus one for the guest's final "done" OUT.
        check(r["userspace_exits"] == to_user * ITERATIONS + 1, "%s: KVM_RUN returned %d "
              "times per iteration, plus the done signal (%s)"
              % (name, to_user, r["userspace_exits"]))
        check(r["cycles_per_iteration"] > 0, "%s: cycles per iteration > 0 (%s)"
              % (name, r["cycles_per_iteration"]))
    print("wall time %.0f s; per iteration: %s" % (wall, ", ".join(
        "%s %.1f cycles %.2f exits" % (r["workload"], r["cycles_per_iteration"],
                                       r["l2_exits"] / ITERATIONS) for r in doc)))


sys.exit(main(test))
