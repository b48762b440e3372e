"""./turtle bench: the Google Benchmark microbenchmarks of bench/ (the pure C libraries through a
C++ shim), built in a build tree of their own without the sanitizers, which would time
themselves rather than the code."""
import os
import subprocess
import sys

from . import build, deps

BENCH_DIR = os.path.join(build.ROOT, "out", "bench")
BUILD_DIR = os.environ.get("TURTLE_BENCH_BUILD_DIR", os.path.join(BENCH_DIR, "build"))


def build_bench(build_dir=BUILD_DIR):
    """Configures (optimized, no sanitizers, no l0.efi or guests) and builds the benchmark;
    returns its path."""
    deps.ensure("build")
    build._run(["cmake", "-S", build.ROOT, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release",
                "-DTURTLE_SANITIZE=OFF", "-DTURTLE_EFI=OFF", "-DTURTLE_GUESTS=OFF",
                "-DTURTLE_BENCH=ON"], "configuring %s" % build_dir)
    build._run(["cmake", "--build", build_dir, "--target", "turtle_bench", "-j",
                str(os.cpu_count() or 2)], "building turtle_bench")
    return os.path.join(build_dir, "bench", "turtle_bench")


def cmd(args):
    try:
        exe = build_bench()
    except (build.BuildError, deps.DepsError) as e:
        print("turtle: error: %s" % e, file=sys.stderr)
        return 1
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    cmd_line = [exe, "--benchmark_out=" + args.out, "--benchmark_out_format=json"]
    if args.filter:
        cmd_line.append("--benchmark_filter=" + args.filter)
    if args.min_time:
        cmd_line.append("--benchmark_min_time=%g" % args.min_time)
    r = subprocess.run(cmd_line)  # the console table goes straight to the terminal
    if r.returncode != 0:
        print("turtle: error: %s exited with status %d" % (exe, r.returncode), file=sys.stderr)
        return 1
    print("\nbenchmark JSON: %s" % args.out)
    return 0


def add_parser(sub):
    """The `bench` subcommand, for harness/cli.py."""
    s = sub.add_parser("bench", help="microbenchmarks of the pure C code (Google Benchmark)")
    s.add_argument("--out", default=os.path.join(BENCH_DIR, "bench.json"),
                   help="Google Benchmark JSON (default: out/bench/bench.json)")
    s.add_argument("--filter", default="", help="regular expression over benchmark names")
    s.add_argument("--min-time", type=float, default=0,
                   help="seconds per benchmark (Google Benchmark's default when 0)")
    s.set_defaults(func=cmd)
