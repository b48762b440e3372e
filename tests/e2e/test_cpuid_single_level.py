"""End to end, single level (virt=off): Bochs+OVMF boot l0.efi, which starts L1 Linux; L1's
kvm_intel loads and runs the cpuid workload; its record must show the work was done."""
import sys

from e2e import check, main, turtle_run

ITERATIONS = 1000


def test():
    status, _, r, wall = turtle_run("virt=off", "cpuid", ITERATIONS)
    check(status == 0, "turtle run exits 0 (got %d)" % status)
    check(r is not None, "the result JSON was written")
    for key in ("workload", "iterations", "l0_options", "l2_exits", "cycles_per_iteration"):
        check(key in r, "result has key %s" % key)
    check(r["ok"] is True, "the workload reports ok")
    check(r["workload"] == "cpuid", "workload is cpuid")
    check(r["iterations"] == ITERATIONS, "iterations done = %d" % ITERATIONS)
    check(r["l0_options"] == "virt=off", "l0_options recorded")
    check("virt=off" in (r["l0_options_effective"] or ""), "L0 reports virt=off")
    check(r["cycles_per_iteration"] > 0, "cycles per iteration > 0 (%s)"
          % r["cycles_per_iteration"])
    check(r["l2_exits"] >= ITERATIONS, "KVM counted at least one exit per CPUID (%s)"
          % r["l2_exits"])
    check(r["level"] == "l2", "level is l2, the default")
    check(r["verified"] == ITERATIONS, "the guest reported %d iterations done" % ITERATIONS)
    check(r["l0_present"] is False and r["l0_exits"] is None, "no L0 counters without L0")
    check(r["kvm"] and r["kvm"].get("loaded") is True, "kvm_intel loaded in L1")
    check(r["vmx"] and r["vmx"].get("present") is True, "L0 saw VMX")
    print("wall time %.0f s, stage times %s" % (wall, r["run"]["stage_times"]))


sys.exit(main(test))
