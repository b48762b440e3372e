"""End to end under L0 (virt=on): L0 runs L1 as a VMX guest, and L1, which sees no VMX, runs the
cpuid workload natively (level l1). Every CPUID in L1 exits to L0, so L0's trace of the
workload's phase counts at least one CPUID exit per iteration; L0's dump before the first
workload holds the boot's exits."""
import sys

from e2e import check, main, turtle_run

ITERATIONS = 1000


def test():
    status, _, r, wall = turtle_run("virt=on", "cpuid", ITERATIONS, level="l1")
    check(status == 0, "turtle run exits 0 (got %d)" % status)
    check(r is not None, "the result JSON was written")
    check("virt=on" in (r["l0_options_effective"] or ""), "L0 reports virt=on")
    check(r["ok"] is True, "the workload reports ok (%s)" % r.get("error"))
    check(r["level"] == "l1", "level is l1")
    check(r["verified"] == ITERATIONS, "the loop did %d iterations" % ITERATIONS)
    check(r["l2_exits"] is None, "no L2 at level l1")
    check(r["l0_present"] is True, "turtle-l0 detected L0")
    exits = r["l0_exits"] or {}
    check(exits.get("l1", {}).get("CPUID", 0) >= ITERATIONS,
          "L0 counted at least one L1 CPUID exit per iteration (%s)" % exits)
    check(r["l0_phase"] == "cpuid", "L0's dump is of the workload's phase (%s)" % r["l0_phase"])
    boot = r["l0_boot_exits"] or {}
    check(any(boot.values()), "L0's boot dump has exits (%s)" % boot)
    print("cycles/iteration %s, L0 exits %s, wall time %.0f s, stage times %s" % (
        r["cycles_per_iteration"], r["l0_exits_total"], wall, r["run"]["stage_times"]))


sys.exit(main(test))
