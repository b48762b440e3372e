"""End to end, nested (virt=on, level l2): the issue-6 workloads memtouch and vmlife in L2 under
L1's KVM under L0, once with L0's default (no EPT offered to L1, whose KVM then shadows L2's
page tables: ept=N) and once with ept=on (L1's KVM uses EPT, L0 composes EPT02).

memtouch fills and verifies 16384 fresh pages (64 MiB); each page's first touch is an L2 exit
that L0 must see and reflect to L1 (a #PF with ept=N, an EPT violation with ept=Y). vmlife
creates, runs and destroys a VM VMS times: L0 must emulate a VMLAUNCH of a new VMCS for each,
and see each VM's CPUIDs. Each workload checks its own results, so both must be ok with every
iteration verified."""
import sys

from e2e import boot, check, main

PAGES = 16384  # 64 MiB of 4 KiB pages
VMS = 50
CPUIDS_PER_VM = 10  # L2_VMLIFE_CPUIDS
# L0's options, and kvm_intel's ept parameter in L1 under them
CONFIGS = (("virt=on", "N"), ("virt=on ept=on", "Y"))
# With ept=on, issue 6 asks for at most 3 L0 exits per fresh page (KVM as L0: 4.25).
EPT_ON_MAX_L0_EXITS_PER_PAGE = 3


def l2_seen(r):
    return sum((r["l0_exits"] or {}).get("l2", {}).values())


def check_boot(l0, ept):
    results, outcome = boot(l0, "l2", [("memtouch", PAGES), ("vmlife", VMS)],
                            "memtouch-vmlife-" + l0.replace(" ", "-").replace("=", ""))
    check(outcome["reason"] is None, "[%s] the boot ran to the end (%s)" % (l0, outcome["reason"]))
    mt, vl = results
    kvm = mt["kvm"] or {}
    check(kvm.get("loaded") is True and kvm.get("ept") == ept,
          "[%s] L1's kvm_intel loaded with ept=%s (%s)" % (l0, ept, kvm))

    check(mt["ok"] is True, "[%s] memtouch reports ok (%s)" % (l0, mt.get("error")))
    check(mt["verified"] == PAGES, "[%s] memtouch verified %d pages (%s)"
          % (l0, PAGES, mt["verified"]))
    check(mt["l2_exits"] >= PAGES, "[%s] memtouch: each fresh page exited to L1's KVM (%s)"
          % (l0, mt["l2_exits"]))
    check(l2_seen(mt) >= mt["l2_exits"], "[%s] memtouch: L0 saw every L2 exit (%d >= %s)"
          % (l0, l2_seen(mt), mt["l2_exits"]))
    per_page = mt["l0_exits_total"] / PAGES
    if ept == "Y":
        check(per_page <= EPT_ON_MAX_L0_EXITS_PER_PAGE, "[%s] memtouch: at most %d L0 exits per "
              "fresh page (%.2f)" % (l0, EPT_ON_MAX_L0_EXITS_PER_PAGE, per_page))

    check(vl["ok"] is True, "[%s] vmlife reports ok (%s)" % (l0, vl.get("error")))
    check(vl["verified"] == VMS, "[%s] vmlife: %d VMs ran and were checked (%s)"
          % (l0, VMS, vl["verified"]))
    check(vl["l2_exits"] >= CPUIDS_PER_VM * VMS and vl["userspace_exits"] == VMS,
          "[%s] vmlife: each VM's CPUIDs exited to L1's KVM, and its done signal to l2run "
          "(%s, %s)" % (l0, vl["l2_exits"], vl["userspace_exits"]))
    check(l2_seen(vl) >= vl["l2_exits"], "[%s] vmlife: L0 saw every L2 exit (%d >= %s)"
          % (l0, l2_seen(vl), vl["l2_exits"]))
    launches = (vl["l0_exits"] or {}).get("l1", {}).get("VMLAUNCH", 0)
    check(launches >= VMS, "[%s] vmlife: L0 emulated a VMLAUNCH per VM (%d)" % (l0, launches))
    print("[%s] memtouch %.1f cycles and %.2f L0 exits per page; vmlife %.0f busy cycles and "
          "%.1f L0 exits per VM" % (l0, mt["cycles_per_iteration"], per_page,
                                    vl["cycles_per_iteration"], vl["l0_exits_total"] / VMS))


def test():
    for l0, ept in CONFIGS:
        check_boot(l0, ept)


sys.exit(main(test))
