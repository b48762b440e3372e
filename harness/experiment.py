"""./turtle experiment exit-multiplication: every L2 workload under every configuration of
experiments/configs.txt, one Bochs boot per configuration, several boots in parallel, results
cached per input; writes results.json, results.csv, the plots (experiments/plot.py) and a table."""
import concurrent.futures
import csv
import hashlib
import json
import os
import shlex
import subprocess
import sys
import threading
import time

from . import build, deps, kvm_l0, run

CONFIGS_FILE = os.path.join(build.ROOT, "experiments", "configs.txt")
PLOT_SCRIPT = os.path.join(build.ROOT, "experiments", "plot.py")
DEFAULT_OUT = os.path.join(build.ROOT, "out", "experiments", "exit-multiplication")
# Shared by every --out: a result is keyed by all that decides it, wherever its rows are written.
CACHE_DIR = os.path.join(build.ROOT, "out", "experiments", "cache")
WORKLOADS = ("cpuid", "io", "hlt", "vmcall", "mmio", "pf")
ROLES = ("baseline", "peer", "-")
LEVEL = "l2"  # exit multiplication is about L2's exits: every workload runs in L2
DEFAULT_TIMEOUT_S = 900

# results.csv, one row per (configuration, workload, repeat); the JSON-valued columns hold
# JSON text.
COLUMNS = ["workload", "configuration", "role", "l0_options", "l0_options_effective", "l1_append",
           "iterations", "repeat", "ok", "error", "l2_exits", "l2_exits_per_iteration",
           "l0_exits_total", "l0_exits_per_l2_exit", "cycles_per_iteration",
           "ratio_to_single_level", "ratio_to_peer", "l0_exits", "l0_cycles",
           "l0_exits_per_l2_exit_by_reason", "l0_episodes", "commit", "command", "wall_s",
           "serial_log", "cached"]
JSON_COLUMNS = ("ratio_to_peer", "l0_exits", "l0_cycles", "l0_exits_per_l2_exit_by_reason",
                "l0_episodes")


class ExperimentError(Exception):
    pass


def load_configs(path=CONFIGS_FILE):
    """The configurations of the list file (its header says the syntax), in file order, as
    dicts with name, role, l0_options and l1_append."""
    configs = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            head, _, l1_append = line.partition(" -- ")
            words = head.split()
            where = "%s:%d" % (path, n)
            if len(words) < 3:
                raise ExperimentError("%s: want 'name role L0-options... [-- L1 words]'" % where)
            name, role = words[0], words[1]
            if role not in ROLES:
                raise ExperimentError("%s: role %r is not one of %s" % (where, role,
                                                                       ", ".join(ROLES)))
            if any(c["name"] == name for c in configs):
                raise ExperimentError("%s: configuration %r listed twice" % (where, name))
            configs.append({"name": name, "role": role, "l0_options": " ".join(words[2:]),
                            "l1_append": l1_append.strip()})
    if [c["role"] for c in configs].count("baseline") != 1:
        raise ExperimentError("%s: want exactly one configuration with role 'baseline'" % path)
    return configs


def select(configs, names):
    """The configurations named (comma-separated) in list order; all when names is empty."""
    if not names:
        return configs
    wanted = [n for n in names.split(",") if n]
    unknown = [n for n in wanted if n not in {c["name"] for c in configs}]
    if unknown:
        raise ExperimentError("unknown configuration(s) %s; %s lists: %s" % (
            ", ".join(unknown), os.path.relpath(CONFIGS_FILE, build.ROOT),
            ", ".join(c["name"] for c in configs)))
    return [c for c in configs if c["name"] in wanted]


def artifacts_digest(art):
    """One hash of what boots (l0.efi, the L1 kernel and initramfs): a cached result is reused
    only for the same bytes. Keyed on these rather than on the git commit, so that an edit that
    changes nothing that runs (docs, the harness) reuses results, and an uncommitted change to
    L0 does not."""
    h = hashlib.sha256()
    for k in sorted(art):
        with open(art[k], "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def cache_path(cache_dir, digest, config, workload, iterations, repeat):
    inputs = {"artifacts": digest, "l0_options": config["l0_options"],
              "l1_append": config["l1_append"], "level": LEVEL, "workload": workload,
              "iterations": iterations, "repeat": repeat}
    if config.get("peer_image"):
        inputs["peer_image"] = config["peer_image"]  # what the KVM-as-L0 peer boots besides
    key = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:24]
    return os.path.join(cache_dir, "%s-%s-%s.json" % (config["name"], workload, key))


def read_cache(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None  # absent or cut short by an interruption: run it again


def write_cache(path, result):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(result, f, indent=1)
    os.replace(tmp, path)  # never a half-written entry


def plan(configs, workloads, iterations, repeats, cache_dir, digest):
    """Returns (cached, boots): the results already in the cache as {(config, workload, repeat):
    result}, and the boots still to run, one per (configuration, repeat) with the workloads
    that miss a result."""
    cached, boots = {}, []
    for rep in range(1, repeats + 1):
        for c in configs:
            todo = []
            for w in workloads:
                r = read_cache(cache_path(cache_dir, digest, c, w, iterations, rep))
                if r and r.get("ok"):
                    cached[(c["name"], w, rep)] = r
                else:
                    todo.append(w)
            if todo:
                boots.append({"config": c, "repeat": rep, "workloads": todo})
    return cached, boots


class Progress:
    """'run i of n' lines with the elapsed time and an estimate of what is left, from the mean
    wall time of the boots done so far and the number running in parallel."""

    def __init__(self, total, jobs):
        self.total, self.jobs, self.done, self.walls = total, jobs, 0, []
        self.t0 = time.monotonic()
        self.lock = threading.Lock()

    def say(self, msg):
        print("turtle: [%6.0fs] %s" % (time.monotonic() - self.t0, msg), file=sys.stderr,
              flush=True)

    def started(self, i, boot):
        with self.lock:
            self.say("run %d of %d started: %s [%s] repeat %d: %s" % (
                i, self.total, boot["config"]["name"], boot["config"]["l0_options"],
                boot["repeat"], ",".join(boot["workloads"])))

    def finished(self, i, boot, wall, failed):
        with self.lock:
            self.done += 1
            self.walls.append(wall)
            left = self.total - self.done
            est = sum(self.walls) / len(self.walls) * -(-left // self.jobs) if left else 0
            self.say("run %d of %d %s in %.0f s (%d of %d done; about %.0f s left)" % (
                i, self.total, "FAILED" if failed else "done", wall, self.done, self.total, est))


def run_boots(art, boots, iterations, jobs, timeout_s, cache_dir, digest, command):
    """Runs the boots, up to jobs at a time. Returns ({(config, workload, repeat): result},
    [failure messages])."""
    progress = Progress(len(boots), jobs)
    results, failures = {}, []

    def one(i, boot):
        c = boot["config"]
        progress.started(i, boot)
        t0 = time.monotonic()
        rs, outcome = run.boot_workloads(
            art, c["l0_options"], [(w, iterations) for w in boot["workloads"]], timeout_s,
            l1_append=c["l1_append"], quiet=True, level=LEVEL,
            label="%s-r%d" % (c["name"], boot["repeat"]))
        # Cached here, as the boot ends: a boot that finishes after an interruption still counts.
        for r in rs:
            r["command"] = command
            if r["ok"]:
                write_cache(cache_path(cache_dir, digest, c, r["workload"], iterations,
                                       boot["repeat"]), r)
        failed = bool(outcome["reason"]) or not all(r["ok"] for r in rs)
        progress.finished(i, boot, time.monotonic() - t0, failed)
        return boot, rs, outcome

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=jobs)
    try:
        futures = [pool.submit(one, i, b) for i, b in enumerate(boots, 1)]
        for fut in concurrent.futures.as_completed(futures):
            boot, rs, outcome = fut.result()
            c = boot["config"]
            if outcome["reason"]:
                failures.append("%s (repeat %d): stopped at stage '%s': %s; serial log %s" % (
                    c["name"], boot["repeat"], outcome["stage"], outcome["reason"],
                    outcome["serial_log"]))
            for r in rs:
                results[(c["name"], r["workload"], boot["repeat"])] = r
                if not r["ok"] and not outcome["reason"]:
                    failures.append("%s/%s: %s" % (c["name"], r["workload"], r.get("error")))
    except KeyboardInterrupt:
        progress.say("interrupted: no new boots; the ones running finish and are cached")
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return results, failures


def per(n, d):
    return n / d if n is not None and d else None


def make_row(config, workload, repeat, r, cached):
    """One row of results.csv/results.json from a result object of harness/run.py."""
    it = r["iterations"]
    return {
        "workload": workload, "configuration": config["name"], "role": config["role"],
        "l0_options": config["l0_options"], "l0_options_effective": r["l0_options_effective"],
        "l1_append": config["l1_append"], "iterations": it, "repeat": repeat, "ok": r["ok"],
        "error": r.get("error"), "l2_exits": r["l2_exits"],
        "l2_exits_per_iteration": per(r["l2_exits"], it),
        "l0_exits_total": r["l0_exits_total"], "l0_exits_per_l2_exit": r["l0_exits_per_l2_exit"],
        "cycles_per_iteration": r["cycles_per_iteration"],
        "ratio_to_single_level": None, "ratio_to_peer": None,  # filled by add_ratios()
        "l0_exits": r["l0_exits"], "l0_cycles": r["l0_cycles"],
        "l0_exits_per_l2_exit_by_reason": r["l0_exits_per_l2_exit_by_reason"],
        "l0_episodes": r["l0_episodes"],
        "commit": r["run"]["commit"], "command": r.get("command"), "wall_s": r["run"]["wall_s"],
        "serial_log": r["run"]["serial_log"], "cached": cached,
    }


def add_ratios(rows):
    """Cycles per iteration over the baseline's for the same workload and repeat, and both
    the exit multiplication and the cycles over each peer's."""
    def ok_rows(role):
        return {(r["configuration"], r["workload"], r["repeat"]): r for r in rows
                if r["role"] == role and r["ok"]}
    base = {(w, rep): r for (_, w, rep), r in ok_rows("baseline").items()}
    peers = ok_rows("peer")
    for r in rows:
        if not r["ok"]:
            continue
        b = base.get((r["workload"], r["repeat"]))
        r["ratio_to_single_level"] = per(r["cycles_per_iteration"],
                                         b and b["cycles_per_iteration"])
        ratios = {}
        for (name, w, rep), p in peers.items():
            if (w, rep) == (r["workload"], r["repeat"]) and name != r["configuration"]:
                ratios[name] = {
                    "l0_exits_per_l2_exit": per(r["l0_exits_per_l2_exit"],
                                                p["l0_exits_per_l2_exit"]),
                    "cycles_per_iteration": per(r["cycles_per_iteration"],
                                                p["cycles_per_iteration"])}
        r["ratio_to_peer"] = ratios or None
    return rows


def write_results(rows, out_dir):
    """results.json (the rows as they are) and results.csv (JSON-valued columns as JSON text)."""
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "results.json"), "w") as f:
        json.dump(rows, f, indent=2)
        f.write("\n")
    with open(os.path.join(out_dir, "results.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        for r in rows:
            w.writerow({k: json.dumps(r[k], sort_keys=True) if k in JSON_COLUMNS and
                        r[k] is not None else ("" if r[k] is None else r[k]) for k in COLUMNS})


def fmt(v, spec):
    return "-" if v is None else spec % v


def spread(rows, r):
    """(max - min) / min of cycles per iteration over the repeats of r's configuration and
    workload, or None with one repeat."""
    same = [x["cycles_per_iteration"] for x in rows if x["ok"] and x["workload"] == r["workload"]
            and x["configuration"] == r["configuration"]]
    return (max(same) - min(same)) / min(same) if len(same) > 1 and min(same) else None


def table(rows):
    """The terminal table of the first repeat's rows (with the spread over repeats when there
    are several), as a list of lines."""
    peers = sorted({r["configuration"] for r in rows if r["role"] == "peer"})
    repeats = len({r["repeat"] for r in rows}) > 1
    head = ["workload", "configuration", "L0 options", "iterations", "L2 exits/iter",
            "L0 exits/L2 exit", "cycles/iter", "x single level"]
    head += ["x %s (exits, cycles)" % p for p in peers]
    head += ["spread"] if repeats else []
    out, failed = [head], []  # a failed row's message goes after its first columns
    for r in sorted((r for r in rows if r["repeat"] == 1),
                    key=lambda r: (WORKLOADS.index(r["workload"])
                                   if r["workload"] in WORKLOADS else len(WORKLOADS),
                                   r["workload"])):
        if not r["ok"]:
            failed.append((len(out), "FAILED: %s" % r["error"]))
            out.append([r["workload"], r["configuration"], r["l0_options"], str(r["iterations"])]
                       + [""] * (len(head) - 4))
            continue
        line = [r["workload"], r["configuration"], r["l0_options"], str(r["iterations"]),
                fmt(r["l2_exits_per_iteration"], "%.2f"), fmt(r["l0_exits_per_l2_exit"], "%.2f"),
                fmt(r["cycles_per_iteration"], "%.1f"), fmt(r["ratio_to_single_level"], "%.2f")]
        for p in peers:
            q = (r["ratio_to_peer"] or {}).get(p)
            line.append("%s, %s" % (fmt(q["l0_exits_per_l2_exit"], "%.2f"),
                                    fmt(q["cycles_per_iteration"], "%.2f")) if q else "-")
        if repeats:
            s = spread(rows, r)
            line.append("-" if s is None else "%.2g%%" % (100 * s))
        out.append(line)
    widths = [max(len(row[i]) for row in out) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in out]
    for n, msg in failed:
        lines[n] += "  " + msg
    return lines[:1] + ["  ".join("-" * w for w in widths)] + lines[1:]


def plot_python():
    """A Python that has matplotlib: this one, else Debian's (python3-matplotlib installs into
    /usr/bin/python3's path only, and ./turtle may run under another python3)."""
    for exe in (sys.executable, "/usr/bin/python3"):
        if os.path.exists(exe) and subprocess.run([exe, "-c", "import matplotlib"],
                                                  capture_output=True).returncode == 0:
            return exe
    return None


def plot(out_dir):
    """Draws the three plots (PNG and SVG) from out_dir/results.json; returns their paths."""
    exe = plot_python()
    if exe is None:
        deps.ensure("plot")
        exe = plot_python()
    if exe is None:
        raise ExperimentError("no Python with matplotlib found (tried %s and /usr/bin/python3)"
                              % sys.executable)
    r = subprocess.run([exe, PLOT_SCRIPT, os.path.join(out_dir, "results.json"), out_dir],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise ExperimentError("plotting failed: %s" % (r.stderr.strip()[-2000:]))
    return r.stdout.split()


def cmd_exit_multiplication(args):
    if args.iterations <= 0 or args.jobs <= 0 or args.repeat <= 0:
        raise ExperimentError("--iterations, --jobs and --repeat must be positive")
    configs = select(load_configs(), args.configs)
    workloads = [w for w in args.workloads.split(",") if w]
    unknown = [w for w in workloads if w not in WORKLOADS]
    if unknown or not workloads:
        raise ExperimentError("bad workload list %r; known: %s" % (args.workloads,
                                                                 ",".join(WORKLOADS)))
    command = shlex.join(sys.argv)
    art = build.artifacts() if args.no_build else build.build()
    missing = [p for p in art.values() if not os.path.exists(p)]
    if missing:
        raise ExperimentError("not built: %s (run without --no-build)" % ", ".join(missing))
    digest = artifacts_digest(art)
    for c in configs:
        if kvm_l0.is_kvm_l0(c["l0_options"]):
            c["peer_image"] = kvm_l0.image_digest(art)
    cached, boots = plan(configs, workloads, args.iterations, args.repeat, CACHE_DIR, digest)
    print("turtle: %d configuration(s) x %d workload(s) x %d repeat(s): %d result(s) cached, "
          "%d boot(s) to run, %d at a time" % (len(configs), len(workloads), args.repeat,
                                               len(cached), len(boots), args.jobs),
          file=sys.stderr, flush=True)
    fresh, failures = run_boots(art, boots, args.iterations, args.jobs, args.timeout,
                                CACHE_DIR, digest, command)
    rows = []
    for rep in range(1, args.repeat + 1):
        for c in configs:
            for w in workloads:
                key = (c["name"], w, rep)
                if key in fresh:
                    rows.append(make_row(c, w, rep, fresh[key], False))
                elif key in cached:
                    rows.append(make_row(c, w, rep, cached[key], True))
    write_results(add_ratios(rows), args.out)
    lines = table(rows)
    with open(os.path.join(args.out, "table.txt"), "w") as f:
        f.write("# %s\n" % command + "\n".join(lines) + "\n")
    for line in lines:
        print(line)
    paths = plot(args.out) if any(r["ok"] for r in rows) else []
    print("\nresults: %s, %s" % (os.path.join(args.out, "results.csv"),
                                 os.path.join(args.out, "results.json")))
    for p in paths:
        print("plot: %s" % p)
    for f in failures:
        print("turtle: error: %s" % f, file=sys.stderr)
    return 1 if failures or not all(r["ok"] for r in rows) else 0


def cmd(args):
    try:
        return cmd_exit_multiplication(args)
    except (ExperimentError, OSError) as e:
        print("turtle: error: %s" % e, file=sys.stderr)
        return 1


def add_parser(sub):
    """The `experiment` subcommand, for harness/cli.py."""
    p = sub.add_parser("experiment", help="scripted measurements (experiments/README.md)")
    kinds = p.add_subparsers(dest="experiment", required=True)
    s = kinds.add_parser("exit-multiplication",
                         help="every L2 workload under every configuration: L0 exits per L2 "
                         "exit, cycles, episodes; CSV/JSON, plots, table")
    s.add_argument("--iterations", type=int, default=1000, help="per workload (default 1000)")
    s.add_argument("--configs", default="", help="comma-separated names from "
                   "experiments/configs.txt (default: all)")
    s.add_argument("--workloads", default=",".join(WORKLOADS),
                   help="comma-separated (default: %(default)s)")
    s.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="Bochs boots in parallel (default: %(default)s, the cores)")
    s.add_argument("--repeat", type=int, default=1,
                   help="boots per configuration, to show the spread between runs (default 1)")
    s.add_argument("--out", default=DEFAULT_OUT, help="results, table and plots (default: "
                   "out/experiments/exit-multiplication)")
    s.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT_S, help="seconds per boot")
    s.add_argument("--no-build", action="store_true", help="use the existing build")
    s.set_defaults(func=cmd)
