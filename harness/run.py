"""One boot of the emulated machine: L0 with its options, the L1 image, a list of workloads and
the level they run at; turns the serial records into one result object per workload."""
import datetime
import os
import subprocess

from . import bochs, trace_events
from .build import ROOT

RUNS_DIR = os.environ.get("TURTLE_RUNS_DIR", os.path.join(ROOT, "out", "runs"))
# quiet: kernel messages on the emulated UART are what makes L1 boot slow (half its time).
L1_CMDLINE = "console=ttyS0 quiet"
LEVELS = ("l1", "l2")  # where the workloads run: natively in L1, or in L2 under L1's KVM
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


def l1_command_line(workloads, l1_append="", level="l2"):
    """L1's command line: the workloads to run, their level, and l1_append last, so that its
    words win."""
    run = ",".join("%s:%d" % (name, n) for name, n in workloads)
    return " ".join(x for x in (L1_CMDLINE, "turtle.run=" + run, "turtle.level=" + level,
                                l1_append) if x)


def l0_config(l0_options, workloads, l1_append="", level="l2"):
    """The text of l0.cfg: L0's options (the harness's defaults first, so the user's win),
    then the L1 command line."""
    return ("# written by ./turtle; syntax in README.md (L0 command line)\n"
            "kernel=\\vmlinuz initrd=\\initrd.img %s\n-- %s\n"
            % (l0_options, l1_command_line(workloads, l1_append, level)))


def new_run_dir(label):
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    d = os.path.join(RUNS_DIR, "%s-%s" % (stamp, label))
    os.makedirs(d)
    return d


def boot_workloads(art, l0_options, workloads, timeout_s, l1_append="", quiet=False,
                   label=None, level="l2"):
    """Boots once and runs the (name, iterations) workloads in order at level (see LEVELS);
    an empty list just boots. Returns (results, outcome): one result dict per workload, and
    the boot's outcome, which holds what the boot itself reported too (boot_facts()).
    With "l0=kvm" among l0_options, Linux KVM is L0 instead of ours (harness/kvm_l0.py)."""
    from . import kvm_l0  # it builds on this module
    if kvm_l0.is_kvm_l0(l0_options):
        return kvm_l0.boot_workloads(art, l0_options, workloads, timeout_s, l1_append, quiet,
                                     label, level)
    label = label or "-".join(name for name, _ in workloads) or "boot"
    run_dir = new_run_dir(label)
    cfg = os.path.join(run_dir, "l0.cfg")
    with open(cfg, "w") as f:
        f.write(l0_config(l0_options, workloads, l1_append, level))
    files = {VOLUME[k]: art[k] for k in ("l0_efi", "vmlinuz", "initrd")}
    files[VOLUME["cfg"]] = cfg
    bochs.make_image(run_dir, files)
    progress = bochs.Progress(label, quiet)
    log, outcome = bochs.boot(run_dir, timeout_s, progress)
    bochs.keep_small(run_dir)
    outcome["run_dir"] = run_dir
    outcome["commit"] = git_commit()
    outcome.update(boot_facts(log))
    results = collect(log, outcome, l0_options, workloads, level)
    # L0's events (its option events=N), if it recorded any: a Chrome trace-event file here
    path = trace_events.write(run_dir, workloads, split_by_workload(log.records)[1])
    for r in results:
        r["trace_events"] = path
    return results, outcome


def _fields(rec):
    """A record without its "turtle" kind, or None."""
    return {k: v for k, v in rec.items() if k != "turtle"} if rec else None


def l0_counts(rec, what):
    """{"l1": {reason: n}, "l2": {...}} from an l0-exits record's by_level; what is "exits" or
    "cycles". None without a record."""
    if rec is None:
        return None
    return {level: counts.get(what, {}) for level, counts in rec.get("by_level", {}).items()}


def multiplication(rec):
    """Exit multiplication from an l0-exits record (design.md section 5): L0 exits per L2 exit,
    counting each L2 exit and the L1 exits of the episode it opened (up to L2 running again),
    and the same split by reason: {"l2": {reason: per L2 exit}, "l1": {reason: ...}}. None
    when the phase had no L2 exit (or no record)."""
    if rec is None:
        return None, None
    l2 = rec.get("by_level", {}).get("l2", {}).get("exits", {})
    l2_total = sum(l2.values())
    if not l2_total:
        return None, None
    in_episodes = rec.get("episodes", {}).get("l1", {}).get("exits", {})
    factor = (l2_total + sum(in_episodes.values())) / l2_total
    split = {"l2": {k: v / l2_total for k, v in l2.items()},
             "l1": {k: v / l2_total for k, v in in_episodes.items()}}
    return round(factor, 3), {lvl: {k: round(v, 3) for k, v in d.items()}
                              for lvl, d in split.items()}


def split_by_workload(records):
    """Walks the records in serial order. A workload's records are those between its
    "workload" record and the next one: its result, its errors and L0's dump of its phase
    (init dumps after the result). Returns (before, by_index): the records before the first
    workload, and per workload index (1-based, as in turtle.run) the list of its records."""
    before, by_index, current = [], {}, None
    for r in records:
        if r.get("turtle") == "workload":
            current = by_index.setdefault(r.get("index"), [])
        (before if current is None else current).append(r)
    return before, by_index


def boot_facts(log):
    """What the boot reported apart from the workloads: whether L0 runs L1 as a guest, L0's
    reserved memory, L0's exits during the boot (its dump before the first workload), L1's
    accesses to L0 memory that L0 refused, and the turtle.peek read."""
    before, _ = split_by_workload(log.records)
    detect = next((r for r in log.of_kind("l0")), None)
    boot_dump = next((r for r in before if r.get("turtle") == "l0-exits"), None)
    stages = {r.get("stage"): r for r in log.of_kind("stage")}
    start, user = stages.get("l1-start", {}).get("tsc"), stages.get("l1-userspace", {}).get("tsc")
    return {
        # TSC cycles from L0 starting the L1 image to L1's init: the boot's cost, in the same
        # units with and without L0 (Bochs advances the TSC with executed instructions)
        "l1_boot_cycles": user - start if isinstance(start, int) and isinstance(user, int)
        else None,
        "l0_present": detect.get("present") if detect else None,
        "l0_memory": _fields(next((r for r in log.of_kind("l0-memory")), None)),
        "l0_boot_exits": l0_counts(boot_dump, "exits"),
        "l0_refused": [_fields(r) for r in log.of_kind("l0-refused")],
        "peek": _fields(next((r for r in log.of_kind("peek")), None)),
    }


def collect(log, outcome, l0_options, workloads, level="l2"):
    """One result dict per (name, iterations) workload, from the serial records of its boot;
    outcome is the boot's (boot_workloads()). Every result carries boot_facts() too."""
    effective = next((r.get("options") for r in log.of_kind("l0-options")), None)
    vmx = next((r for r in log.of_kind("vmx")), None)
    kvm = next((r for r in log.of_kind("kvm")), None)
    facts = boot_facts(log)
    before, by_index = split_by_workload(log.records)
    # An error before any workload (a bad turtle.level, KVM not loading) explains results that
    # never came.
    boot_error = next((r.get("message") for r in before if r.get("turtle") == "error"), None)
    results = []
    for index, (name, iterations) in enumerate(workloads, 1):
        mine = by_index.get(index, [])
        rec = next((r for r in mine if r.get("turtle") == "result"), {})
        dump = next((r for r in reversed(mine) if r.get("turtle") == "l0-exits"), None)
        # The workload's own error first: a failed turtle-l0 call around it is the lesser news.
        errors = sorted((r for r in mine if r.get("turtle") == "error"),
                        key=lambda r: r.get("stage") != "workload")
        error = errors[0].get("message") if errors else None
        ok = bool(rec.get("ok"))
        factor, factor_split = multiplication(dump)
        res = {
            "workload": name,
            "level": rec.get("level", level),
            "iterations": rec.get("iterations", iterations),
            "verified": rec.get("verified"),
            "ok": ok,
            "l0_options": l0_options,
            "l0_options_effective": effective,
            "l2_exits": rec.get("l2_exits"),
            "userspace_exits": rec.get("userspace_exits"),
            "cycles": rec.get("cycles"),
            "cycles_per_iteration": rec.get("cycles_per_iteration"),
            "l2_cycles": rec.get("l2_cycles"),
            # L0's counters over the workload's phase; None without L0 (or without its dump).
            "l0_exits": l0_counts(dump, "exits"),
            "l0_cycles": l0_counts(dump, "cycles"),
            "l0_exits_total": dump.get("total") if dump else None,
            "l0_phase": dump.get("phase") if dump else None,
            "l0_phase_cycles": dump.get("phase_cycles") if dump else None,
            "l0_exits_per_l2_exit": factor,
            "l0_exits_per_l2_exit_by_reason": factor_split,
            "l0_episodes": dump.get("episodes") if dump else None,
            # bt=on: what L0 translated (the l0-bt record after the dump); None without bt
            "l0_bt": _fields(next((r for r in reversed(mine) if r.get("turtle") == "l0-bt"),
                                  None)),
            "kvm": kvm,
            "vmx": vmx,
        }
        res.update(facts)
        res["run"] = {k: outcome.get(k) for k in ("wall_s", "stage", "stage_times",
                                                  "serial_log", "run_dir", "commit", "reason")}
        if not ok:
            res["error"] = rec.get("error") or error or boot_error or outcome["reason"] or \
                "no result record"
        results.append(res)
    return results
