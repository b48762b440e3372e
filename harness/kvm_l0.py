"""The KVM-as-L0 peer (design.md section 6): one Bochs boot with Linux KVM (nested=1, from L1's own
Debian kernel) in place of our L0, started from OVMF's shell by \\startup.nsh, running the same L1
image and workloads under QEMU. L0's exits come from KVM's tracefs histograms (guests/kvm-l0-init
prints them as kvm-exits records); this module turns them into result objects shaped like
harness/run.py's, with the same reason names as our L0's trace (vmx-emul/exit_reasons.def)."""
import hashlib
import io
import os
import re
import subprocess
import sys

from . import bochs, build, deps, run
from .exit_reasons import reason_names

L0_KVM_WORD = "l0=kvm"
SYNC_WORD = "turtle.sync=1"
GUESTS = os.path.join(build.ROOT, "guests")
IMAGE_SCRIPT = os.path.join(GUESTS, "build-kvm-l0-image.sh")
IMAGE_LIB = os.path.join(GUESTS, "initramfs-lib.sh")  # sourced by IMAGE_SCRIPT
IMAGE_INIT = os.path.join(GUESTS, "kvm-l0-init")
# On the FAT volume: L0's kernel is L1's vmlinuz; its second initramfs (RUN_CPIO) is made per
# boot and holds L1 (/l1/...), unpacked by the kernel over the first.
VOLUME = {"vmlinuz": "/vmlinuz", "image": "/initrd-l0.img", "run": "/l1.cpio",
          "startup": "/startup.nsh"}
# Bits 15:0 of the exit-reason field are the basic reason (SDM Vol. 3C 25.9.1); KVM's
# tracepoint reports the full field.
BASIC_REASON_MASK = 0xFFFF
HIST_LINE = re.compile(r"^\{\s*(\w+):\s*(\d+)\s*\}\s*hitcount:\s*(\d+)\s*$")
HIST_TOTAL = re.compile(r"^(Hits|Entries|Dropped):\s*(\d+)$")
EVENT_ALL, EVENT_NESTED = "kvm_exit", "kvm_nested_vmexit"


class KvmL0Error(bochs.BochsError):
    """A KVM-as-L0 boot that cannot be made or read (reported like a failed boot)."""


def is_kvm_l0(l0_options):
    return L0_KVM_WORD in l0_options.split()


def kvm_intel_params(l0_options):
    """The kvm_intel parameters of an l0=kvm option list: every word but l0=kvm, each
    NAME=VALUE (kvm_intel itself refuses a name it does not know)."""
    params = [w for w in l0_options.split() if w != L0_KVM_WORD]
    bad = [w for w in params if not re.match(r"^[a-z_]+=[A-Za-z0-9]+$", w)]
    if bad:
        raise KvmL0Error("l0=kvm takes kvm_intel parameters NAME=VALUE; not: %s" % " ".join(bad))
    return params


def startup_nsh(l0_options):
    """OVMF's shell script: boot L0's kernel (EFI stub) from the FAT volume with both
    initramfs files and kvm_intel's parameters for guests/kvm-l0-init."""
    params = ",".join(kvm_intel_params(l0_options))
    words = ["\\vmlinuz", "initrd=\\initrd-l0.img", "initrd=\\l1.cpio", "console=ttyS0", "quiet"]
    words += ["turtle.kvm_intel=" + params] if params else []
    return "fs0:\r\n%s\r\n" % " ".join(words)


def expand(workloads):
    """L1's workload list for a KVM-as-L0 boot, and the indexes (1-based) to trace. Each
    (name, n) runs three times: n untraced (its cycles: tracing slows L2 by 14-36%), then n
    and 2n traced, whose difference is what n operations cost with the workload's fixed costs
    (VM creation, the pipe's latency around the window) cancelled (design.md section 6)."""
    l1, traced = [], []
    for name, n in workloads:
        l1 += [(name, n), (name, n), (name, 2 * n)]
        traced += [len(l1) - 1, len(l1)]
    return l1, traced


def newc_archive(files):
    """An uncompressed newc cpio archive (what the kernel unpacks as an initramfs) of files, a
    list of (path, bytes, mode): directories from the paths, fixed owners, times and inodes."""
    out, ino = io.BytesIO(), [0]

    def entry(name, data, mode):
        ino[0] += 1
        name_b = name.encode() + b"\0"
        fields = (ino[0], mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name_b), 0)
        out.write(b"070701" + b"".join(b"%08X" % f for f in fields) + name_b)
        out.write(b"\0" * (-(110 + len(name_b)) % 4) + data + b"\0" * (-len(data) % 4))

    dirs = sorted({"/".join(p.split("/")[:i]) for p, _, _ in files
                   for i in range(1, len(p.split("/")))})
    for d in dirs:
        entry(d, b"", 0o40755)
    for path, data, mode in files:
        entry(path, data, 0o100000 | mode)
    entry("TRAILER!!!", b"", 0)
    return out.getvalue()


def parse_hist(lines):
    """{exit reason number: hits} from a tracefs histogram keyed by an exit-reason field (the
    lines of its hist file; comments and blanks are skipped). Raises KvmL0Error when a line
    is not understood, when entries were dropped, or when the entries do not add up to Hits."""
    counts, totals = {}, {}
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#") or line == "Totals:":
            continue
        m, t = HIST_LINE.match(line), HIST_TOTAL.match(line)
        if m:
            reason = int(m.group(2)) & BASIC_REASON_MASK
            counts[reason] = counts.get(reason, 0) + int(m.group(3))
        elif t:
            totals[t.group(1)] = int(t.group(2))
        else:
            raise KvmL0Error("histogram line not understood: %r" % line)
    if totals.get("Dropped"):
        raise KvmL0Error("the histogram dropped %d events" % totals["Dropped"])
    if "Hits" in totals and totals["Hits"] != sum(counts.values()):
        raise KvmL0Error("histogram entries add up to %d, Hits says %d"
                         % (sum(counts.values()), totals["Hits"]))
    return counts


def named(counts, names):
    """{reason number: n} -> {NAME: n}, without zero counts; a number the SDM's list lacks
    keeps its number in its name (REASON_78)."""
    return {names.get(r, "REASON_%d" % r): n for r, n in sorted(counts.items()) if n}


def window_counts(records, index):
    """(all exits, exits taken while L2 ran) by reason number, from the kvm-exits records of L1
    workload index; None for an event without a record."""
    hists = {r.get("event"): r.get("hist", []) for r in records
             if r.get("turtle") == "kvm-exits" and r.get("index") == index}
    return tuple(parse_hist(hists[ev]) if ev in hists else None
                 for ev in (EVENT_ALL, EVENT_NESTED))


def by_level(all_exits, nested):
    """{"l2": exits taken while L2 ran, "l1": the rest}, by reason number."""
    l1 = {r: n - nested.get(r, 0) for r, n in all_exits.items()}
    return {"l2": dict(nested), "l1": {r: n for r, n in l1.items() if n}}


def multiplication(small, large, names):
    """L0 exits per L2 exit, and its split by level and reason, from two traced windows (each
    {"l1": counts, "l2": counts} by reason number) of n and 2n operations: the difference is n
    operations without the fixed costs. KVM has no episodes: every exit in the difference
    counts. Reasons whose difference is not positive (noise around the window) are left out of
    the split. (None, None) when the difference has no L2 exit."""
    diff = {lvl: {r: large[lvl].get(r, 0) - small[lvl].get(r, 0)
                  for r in set(large[lvl]) | set(small[lvl])} for lvl in ("l1", "l2")}
    l2_total = sum(diff["l2"].values())
    if l2_total <= 0:
        return None, None
    factor = (l2_total + sum(diff["l1"].values())) / l2_total
    split = {lvl: {names.get(r, "REASON_%d" % r): round(n / l2_total, 3)
                   for r, n in sorted(d.items()) if n > 0} for lvl, d in diff.items()}
    return round(factor, 3), {lvl: {k: v for k, v in d.items() if v} for lvl, d in split.items()}


def effective_options(log):
    rec = next((r for r in log.of_kind("kvm-l0")), None)
    if not rec:
        return None
    return " ".join([L0_KVM_WORD] + ["%s=%s" % (k, rec[k]) for k in
                                     ("nested", "enable_shadow_vmcs", "ept", "vpid") if k in rec])


def collect(log, outcome, l0_options, workloads, level="l2"):
    """One result dict per (name, iterations) workload, shaped like run.collect()'s, from a
    KVM-as-L0 boot whose L1 ran expand(workloads)."""
    l1_list, _ = expand(workloads)
    base = run.collect(log, outcome, l0_options, l1_list, level)
    _, by_index = run.split_by_workload(log.records)
    names = reason_names()
    effective = effective_options(log)
    results = []
    for j, (name, n) in enumerate(workloads):
        untraced, small, large = base[3 * j:3 * j + 3]
        res = dict(untraced, l0_options_effective=effective, l0_cycles=None, l0_episodes=None,
                   l0_phase=None, l0_phase_cycles=None)
        try:
            windows = []
            for k in (3 * j + 2, 3 * j + 3):
                all_exits, nested = window_counts(by_index.get(k, []), k)
                if all_exits is None or nested is None:
                    raise KvmL0Error("no kvm-exits records for L1 workload %d" % k)
                windows.append(by_level(all_exits, nested))
        except KvmL0Error as e:
            windows, error = None, str(e)
        else:
            error = None
        if windows:
            lvl = windows[0]
            res["l0_exits"] = {k: named(v, names) for k, v in lvl.items()}
            res["l0_exits_total"] = sum(sum(v.values()) for v in lvl.values())
            res["l0_exits_per_l2_exit"], res["l0_exits_per_l2_exit_by_reason"] = \
                multiplication(windows[0], windows[1], names)
        res["kvm_l0_windows"] = [
            {"iterations": r["iterations"], "ok": r["ok"], "l2_exits": r["l2_exits"],
             "cycles_per_iteration": r["cycles_per_iteration"],
             "l0_exits": {k: named(v, names) for k, v in w.items()} if w else None}
            for r, w in zip((small, large), windows or (None, None))]
        failed = [r for r in (untraced, small, large) if not r["ok"]]
        if failed:
            res["ok"], res["error"] = False, failed[0].get("error")
        elif error or res["l0_exits_per_l2_exit"] is None:
            res["ok"] = False
            res["error"] = error or "KVM took no L2 exit between the n and 2n windows"
        res["workload"], res["iterations"] = name, n
        results.append(res)
    return results


def image_path(art):
    """Where the L0 initramfs is built: beside the L1 image, in the same build tree."""
    return os.path.join(os.path.dirname(os.path.dirname(art["initrd"])), "kvm-l0",
                        "initrd-l0.img")


def build_image(art):
    """Builds the L0 initramfs (guests/build-kvm-l0-image.sh) when it is missing or older than
    what goes in; returns its path."""
    out = image_path(art)
    guests_build = os.path.dirname(os.path.dirname(art["initrd"]))
    poweroff = os.path.join(guests_build, "turtle-poweroff")
    info = os.path.join(os.path.dirname(art["initrd"]), "l1-image.txt")
    inputs = [IMAGE_SCRIPT, IMAGE_LIB, IMAGE_INIT, poweroff, info]
    missing = [p for p in inputs if not os.path.exists(p)]
    if missing:
        raise KvmL0Error("not built: %s (build the L1 image first)" % ", ".join(missing))
    if os.path.exists(out) and all(os.path.getmtime(p) <= os.path.getmtime(out) for p in inputs):
        return out
    deps.ensure("image", "kvm-l0")
    print("turtle: building the KVM-as-L0 image", file=sys.stderr, flush=True)
    r = subprocess.run([IMAGE_SCRIPT, "--out", os.path.dirname(out), "--init", IMAGE_INIT,
                        "--l1-image-info", info, "--program", poweroff],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stdout[-4000:])
        raise KvmL0Error("building the KVM-as-L0 image failed")
    return out


def image_digest(art):
    """The hash of the L0 initramfs (built first if needed), for the experiment's cache key."""
    h = hashlib.sha256()
    with open(build_image(art), "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def boot_workloads(art, l0_options, workloads, timeout_s, l1_append="", quiet=False,
                   label=None, level="l2"):
    """run.boot_workloads() with KVM as L0: same arguments, same results."""
    if level != "l2":
        raise KvmL0Error("l0=kvm runs workloads in L2 only (the exit multiplication); "
                         "got level %s" % level)
    image = build_image(art)
    label = label or "kvm-l0-" + ("-".join(name for name, _ in workloads) or "boot")
    run_dir = run.new_run_dir(label)
    l1_list, traced = expand(workloads)
    # turtle.sync=1: L1's init waits for guests/kvm-l0-init around each workload
    cmdline = run.l1_command_line(l1_list, " ".join(x for x in (SYNC_WORD, l1_append) if x),
                                  level)
    files = []
    for src, dest in ((art["vmlinuz"], "l1/vmlinuz"), (art["initrd"], "l1/initrd.img")):
        with open(src, "rb") as f:
            files.append((dest, f.read(), 0o644))
    files += [("l1/cmdline", cmdline.encode() + b"\n", 0o644),
              ("l1/traced", " ".join(map(str, traced)).encode() + b"\n", 0o644)]
    paths = {"run": os.path.join(run_dir, "l1.cpio"),
             "startup": os.path.join(run_dir, "startup.nsh")}
    with open(paths["run"], "wb") as f:
        f.write(newc_archive(files))
    with open(paths["startup"], "w", newline="") as f:
        f.write(startup_nsh(l0_options))
    bochs.make_image(run_dir, {VOLUME["vmlinuz"]: art["vmlinuz"], VOLUME["image"]: image,
                               VOLUME["run"]: paths["run"],
                               VOLUME["startup"]: paths["startup"]})
    os.unlink(paths["run"])  # rebuilt from the build tree, like the disk image
    progress = bochs.Progress(label, quiet)
    log, outcome = bochs.boot(run_dir, timeout_s, progress)
    bochs.keep_small(run_dir)
    outcome["run_dir"] = run_dir
    outcome["commit"] = run.git_commit()
    outcome.update(run.boot_facts(log))
    return collect(log, outcome, l0_options, workloads, level), outcome
