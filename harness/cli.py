"""./turtle: the one command-line entry point (see README.md)."""
import argparse
import json
import os
import re
import subprocess
import sys
import time

from . import bench, build, experiment, run, trace_events
from .bochs import BochsError
from .build import BuildError
from .deps import DepsError

DEFAULT_TIMEOUT_S = 900
TRACE_EVENTS = 4096  # --trace-events: L0's events=N at its largest (l0/trace_events.h)
WORKLOAD_RE = re.compile(r"^[a-z][a-z0-9_-]*$")

# The main job's configurations: a label, L0's options and the level the workloads run at. Each
# virt=on row has a virt=off row at the same level to compare with ("x virt=off"); an L0 toggle
# joins here when it lands.
DEMO_CONFIGS = [
    ("single level", "virt=off", "l2"),
    ("native, workload in L1", "virt=off", "l1"),
    ("L0 (virt=on), workload in L1", "virt=on", "l1"),
    ("nested, shadow VMCS (L1 KVM ept=0)", "virt=on shadow=on", "l2"),
    ("nested, no shadow VMCS", "virt=on shadow=off", "l2"),
    ("nested, binary translation", "virt=on shadow=off bt=on", "l2"),
]
# name, iterations, the levels it runs at: io, hlt, vmcall, mmio and vmlife have no loop in L1
# (guests/README.md), so they join only the L2 rows. memtouch's iterations are pages (16384 =
# 64 MiB), vmlife's whole VMs (create, run, destroy).
DEMO_WORKLOADS = [
    ("cpuid", 2000, ("l1", "l2")),
    ("io", 500, ("l2",)),
    ("hlt", 500, ("l2",)),
    ("vmcall", 2000, ("l2",)),
    ("mmio", 500, ("l2",)),
    ("pf", 1000, ("l1", "l2")),
    ("memtouch", 16384, ("l1", "l2")),
    ("vmlife", 50, ("l2",)),
]


def fail(msg, code=1):
    print("turtle: error: " + msg, file=sys.stderr)
    return code


def report_failure(outcome, log_lines=15):
    print("turtle: run failed at stage '%s': %s" % (outcome["stage"], outcome["reason"]),
          file=sys.stderr)
    path = outcome["serial_log"]
    try:
        with open(path, errors="replace") as f:
            lines = [l.rstrip() for l in f.read().replace("\r", "").split("\n") if l.strip()]
    except OSError:
        lines = []
    print("turtle: last serial lines:", file=sys.stderr)
    for line in lines[-log_lines:]:
        print("    " + line, file=sys.stderr)
    print("turtle: full serial log: %s" % path, file=sys.stderr)


def parse_workloads(text, iterations):
    names = [w for w in text.split(",") if w]
    bad = [w for w in names if not WORKLOAD_RE.match(w)]
    if not names or bad:
        raise ValueError("bad workload list %r" % text)
    return [(n, iterations) for n in names]


def cmd_build(args):
    art = build.build()
    for k, v in art.items():
        print("%-8s %s" % (k, v))
    return 0


def cmd_run(args):
    if args.iterations <= 0:
        return fail("--iterations must be positive", 2)
    try:
        workloads = parse_workloads(args.workload, args.iterations)
    except ValueError as e:
        return fail(str(e), 2)
    l0_options = args.l0
    if args.trace_events and not re.search(r"(^|\s)events=", l0_options):
        l0_options = ("%s events=%d" % (l0_options, TRACE_EVENTS)).strip()
    art = build.artifacts() if args.no_build else build.build()
    results, outcome = run.boot_workloads(art, l0_options, workloads, args.timeout,
                                          l1_append=args.l1_append, quiet=args.quiet,
                                          level=args.level)
    command = " ".join([os.path.basename(sys.argv[0])] + sys.argv[1:])
    for r in results:
        r["command"] = command
    doc = results[0] if len(results) == 1 else results
    if args.out:
        with open(args.out, "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
    for r in results:
        print_result(r)
    if args.trace_events:
        path = results[0]["trace_events"] if results else None
        print("trace events: %s" % (path or "none (L0 recorded no events)"))
    if outcome["reason"] or not all(r["ok"] for r in results):
        if outcome["reason"]:
            report_failure(outcome)
        return 1
    return 0


def fmt(v, spec="%.1f"):
    return "-" if v is None else spec % v


def print_result(r):
    status = "ok" if r["ok"] else "FAILED (%s)" % r.get("error")
    print("%-8s l0=[%s] level=%s iterations=%s l2_exits=%s l0_exits=%s cycles/iter=%s  %s" % (
        r["workload"], r["l0_options"], r["level"], r["iterations"], fmt(r["l2_exits"], "%d"),
        fmt(r["l0_exits_total"], "%d"), fmt(r["cycles_per_iteration"]), status))


def per(n, d):
    """n / d, or None when either is missing or d is 0."""
    return n / d if n is not None and d else None


def is_virt_off(r):
    return "virt=off" in (r["l0_options_effective"] or r["l0_options"])


def print_table(rows):
    head = ("workload", "configuration", "L0 options", "iterations", "L2 exits/iter",
            "L0 exits/iter", "L0 exits/L2 exit", "cycles/iter", "x virt=off")
    # Each row compares with the same workload at the same level without L0.
    base = {(r["workload"], r["level"]): r["cycles_per_iteration"] for r in rows
            if is_virt_off(r) and r["ok"]}
    table = [head]
    for r in rows:
        it = r["iterations"]
        cyc = r["cycles_per_iteration"] if r["ok"] else None
        l0_exits = r["l0_exits_total"] if r["ok"] else None
        # An L0 that was asked to run L1 as a guest and is not there is news, not a "-".
        missing_l0 = r["l0_present"] is False and not is_virt_off(r)
        table.append((r["workload"], r["config"], r["l0_options"], str(it),
                      fmt(per(r["l2_exits"], it), "%.2f"),
                      "no L0" if missing_l0 else fmt(per(l0_exits, it), "%.2f"),
                      fmt(r["l0_exits_per_l2_exit"] if r["ok"] else None, "%.2f"),
                      fmt(cyc, "%.1f"),
                      fmt(per(cyc, base.get((r["workload"], r["level"]))), "%.2f")))
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    for n, row in enumerate(table):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


def cmd_demo(args):
    art = build.build()
    rows, failed = [], False
    t0 = time.monotonic()
    for i, (label, l0_options, level) in enumerate(DEMO_CONFIGS, 1):
        print("turtle: configuration %d of %d: %s [%s, level %s]" % (
            i, len(DEMO_CONFIGS), label, l0_options, level), file=sys.stderr)
        workloads = [(name, n) for name, n, levels in DEMO_WORKLOADS if level in levels]
        results, outcome = run.boot_workloads(art, l0_options, workloads, args.timeout,
                                              label=re.sub(r"[^a-z0-9]+", "-", label.lower()),
                                              level=level)
        if outcome["reason"]:
            report_failure(outcome)
            failed = True
        for r in results:
            r["config"] = label
            rows.append(r)
    out = args.out or os.path.join(run.RUNS_DIR, "demo.json")
    with open(out, "w") as f:
        json.dump(rows, f, indent=2)
    print()
    print_table(rows)
    print("\nresults: %s   (%.0f s)" % (out, time.monotonic() - t0))
    return 1 if failed or not all(r["ok"] for r in rows) else 0


def cmd_test(args):
    build.build()
    cmd = ["ctest", "--test-dir", build.BUILD_DIR, "--output-on-failure", "-j",
           str(os.cpu_count() or 2)]
    if args.unit:
        cmd += ["-L", "unit"]
    return subprocess.run(cmd).returncode


def main(argv=None):
    p = argparse.ArgumentParser(prog="turtle", description="Turtles nested-virtualization "
                                "research hypervisor: build, boot under Bochs, measure.")
    sub = p.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("build", help="install what is missing and build everything")
    s.set_defaults(func=cmd_build)

    s = sub.add_parser("run", help="boot L0 + L1 under Bochs and run workloads (in L2 or L1)")
    s.add_argument("--l0", default="", help="L0's options, e.g. \"virt=off\"")
    s.add_argument("--workload", default="cpuid", help="workload name(s), comma-separated")
    s.add_argument("--level", choices=run.LEVELS, default="l2",
                   help="run the workloads in L2 under L1's KVM (default) or natively in L1")
    s.add_argument("--iterations", type=int, default=1000)
    s.add_argument("--out", help="write the result(s) as JSON here")
    s.add_argument("--l1-append", default="", help="extra words for the L1 command line")
    s.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT_S, help="seconds")
    s.add_argument("--no-build", action="store_true", help="use the existing build")
    s.add_argument("--quiet", action="store_true", help="no progress lines")
    s.add_argument("--trace-events", action="store_true",
                   help="L0 records each workload's first %d exits (adds events=%d unless "
                   "--l0 has events=N): %s in the run folder, for Perfetto"
                   % (TRACE_EVENTS, TRACE_EVENTS, trace_events.FILE_NAME))
    s.set_defaults(func=cmd_run)

    s = sub.add_parser("demo", help="the main job: every workload under every configuration")
    s.add_argument("--out", help="write all results as JSON here")
    s.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT_S, help="seconds per boot")
    s.set_defaults(func=cmd_demo)

    experiment.add_parser(sub)
    bench.add_parser(sub)

    s = sub.add_parser("test", help="build, then run every test (unit and end-to-end)")
    s.add_argument("--unit", action="store_true", help="unit tests only")
    s.set_defaults(func=cmd_test)

    args = p.parse_args(argv)
    try:
        return args.func(args)
    except (DepsError, BuildError, BochsError) as e:
        return fail(str(e))
    except KeyboardInterrupt:
        return fail("interrupted", 130)
