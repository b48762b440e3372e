"""One boot of the emulated machine: L0 with its options, the L1 image, a list of workloads;
turns the serial records into one result object per workload."""
import datetime
import os
import subprocess

from . import bochs
from .build import ROOT

RUNS_DIR = os.environ.get("TURTLE_RUNS_DIR", os.path.join(ROOT, "out", "runs"))
# quiet: kernel messages on the emulated UART are what makes L1 boot slow (half its time).
L1_CMDLINE = "console=ttyS0 quiet"
VOLUME = {"l0_efi": "/EFI/BOOT/BOOTX64.EFI", "vmlinuz": "/vmlinuz", "initrd": "/initrd.img",
          "cfg": "/EFI/BOOT/l0.cfg"}


def git_commit():
    r = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short=12", "HEAD"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return None
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return r.stdout.strip() + ("-dirty" if dirty else "")


def l0_config(l0_options, workloads, l1_append=""):
    """The text of l0.cfg: L0's options (the harness's defaults first, so the user's win),
    then the L1 command line."""
    run = ",".join("%s:%d" % (name, n) for name, n in workloads)
    l1 = " ".join(x for x in (L1_CMDLINE, "turtle.run=" + run, l1_append) if x)
    return ("# written by ./turtle; syntax in README.md (L0 command line)\n"
            "kernel=\\vmlinuz initrd=\\initrd.img %s\n-- %s\n" % (l0_options, l1))


def new_run_dir(label):
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    d = os.path.join(RUNS_DIR, "%s-%s" % (stamp, label))
    os.makedirs(d)
    return d


def boot_workloads(art, l0_options, workloads, timeout_s, l1_append="", quiet=False,
                   label=None):
    """Boots once and runs the (name, iterations) workloads in order. Returns
    (results, outcome): one result dict per workload, and the boot's outcome."""
    label = label or "-".join(name for name, _ in workloads)
    run_dir = new_run_dir(label)
    cfg = os.path.join(run_dir, "l0.cfg")
    with open(cfg, "w") as f:
        f.write(l0_config(l0_options, workloads, l1_append))
    files = {VOLUME[k]: art[k] for k in ("l0_efi", "vmlinuz", "initrd")}
    files[VOLUME["cfg"]] = cfg
    bochs.make_image(run_dir, files)
    progress = bochs.Progress(label, quiet)
    log, outcome = bochs.boot(run_dir, timeout_s, progress)
    bochs.keep_small(run_dir)
    outcome["run_dir"] = run_dir
    outcome["commit"] = git_commit()
    return collect(log, outcome, l0_options, workloads), outcome


def collect(log, outcome, l0_options, workloads):
    effective = next((r.get("options") for r in log.of_kind("l0-options")), None)
    vmx = next((r for r in log.of_kind("vmx")), None)
    kvm = next((r for r in log.of_kind("kvm")), None)
    by_name = {}
    for r in log.of_kind("result"):
        by_name.setdefault(r.get("workload"), []).append(r)
    errors = {r.get("workload"): r.get("message") for r in log.of_kind("error")}
    results = []
    for name, iterations in workloads:
        rec = by_name.get(name, []).pop(0) if by_name.get(name) else {}
        ok = bool(rec.get("ok"))
        res = {
            "workload": name,
            "iterations": rec.get("iterations", iterations),
            "ok": ok,
            "l0_options": l0_options,
            "l0_options_effective": effective,
            "l2_exits": rec.get("l2_exits"),
            "userspace_exits": rec.get("userspace_exits"),
            "cycles_per_iteration": rec.get("cycles_per_iteration"),
            "l2_cycles": rec.get("l2_cycles"),
            "l0_exits": None,  # no L0 exit counters yet: L0 does not run L1 as a guest
            "kvm": kvm,
            "vmx": vmx,
            "run": {k: outcome.get(k) for k in ("wall_s", "stage", "stage_times", "serial_log",
                                                "run_dir", "commit", "reason")},
        }
        if not ok:
            res["error"] = rec.get("error") or errors.get(name) or outcome["reason"] or \
                "no result record"
        results.append(res)
    return results
