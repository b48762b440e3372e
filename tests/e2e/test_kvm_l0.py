"""End to end, the KVM-as-L0 peer (l0=kvm, harness/kvm_l0.py): Bochs boots Linux KVM (nested=1,
shadow VMCS on) from OVMF's shell in place of our L0, which runs the L1 image under QEMU; L1's KVM
runs the cpuid workload in L2. The record must be ok with every iteration verified, KVM's
histograms must have given L0's exits by level and reason, and the exit multiplication must be
in a sane range around design.md section 6's 3.05 for a CPUID (the L2 exit, L1's VMRESUME and its
DEBUGCTL read)."""
import sys

from e2e import check, main, turtle_run

ITERATIONS = 200
LOW, HIGH = 2, 5


def test():
    status, _, r, wall = turtle_run("l0=kvm enable_shadow_vmcs=1", "cpuid", ITERATIONS)
    check(status == 0, "turtle run exits 0 (got %d)" % status)
    check(isinstance(r, dict) and r["ok"] is True, "cpuid reports ok (%s)"
          % (r or {}).get("error"))
    check(r["verified"] == ITERATIONS, "verified %d iterations (got %s)"
          % (ITERATIONS, r["verified"]))
    check((r["l0_options_effective"] or "").startswith("l0=kvm nested=Y enable_shadow_vmcs=Y"),
          "KVM is L0 with nested and its shadow VMCS (%s)" % r["l0_options_effective"])
    exits = r["l0_exits"] or {}
    check(exits.get("l2", {}).get("CPUID", 0) >= ITERATIONS,
          "KVM saw every L2 CPUID exit (%s)" % exits.get("l2"))
    check(exits.get("l1", {}).get("VMRESUME", 0) >= ITERATIONS,
          "KVM saw L1's VMRESUME after each (%s)" % exits.get("l1", {}).get("VMRESUME"))
    factor = r["l0_exits_per_l2_exit"]
    check(factor is not None and LOW <= factor <= HIGH,
          "L0 exits per L2 exit between %d and %d (%s)" % (LOW, HIGH, factor))
    split = r["l0_exits_per_l2_exit_by_reason"] or {}
    check(split.get("l2", {}).get("CPUID", 0) >= 0.95 and split.get("l1", {}).get("VMRESUME"),
          "the multiplication is split by reason (%s)" % split)
    print("wall time %.0f s; %.1f cycles per CPUID, %.3f L0 exits per L2 exit"
          % (wall, r["cycles_per_iteration"], factor))


sys.exit(main(test))
