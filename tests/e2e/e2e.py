"""Shared by the end-to-end tests: run ./turtle (or boot through the harness's Python API) and
check what it says."""
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from harness import build, run  # noqa: E402


class Failure(Exception):
    pass


def turtle_run(l0, workload, iterations, timeout_s=900, level=None, l1_append=None):
    """Runs `./turtle run --no-build ...` (with --level and --l1-append when given); returns
    (exit status, stderr, result JSON or None, wall seconds)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "r.json")
        cmd = [os.path.join(ROOT, "turtle"), "run", "--no-build", "--l0", l0, "--workload",
               workload, "--iterations", str(iterations), "--out", out,
               "--timeout", str(timeout_s)]
        if level:
            cmd += ["--level", level]
        if l1_append:
            cmd += ["--l1-append", l1_append]
        t0 = time.monotonic()
        r = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.monotonic() - t0
        sys.stdout.write(r.stdout)
        sys.stdout.write(r.stderr)
        doc = None
        if os.path.exists(out):
            with open(out) as f:
                doc = json.load(f)
        return r.returncode, r.stderr, doc, wall


def boot(l0, level, workloads, label, l1_append="", timeout_s=900):
    """One boot through the harness's Python API, for tests that need what the boot reported
    even without workloads (outcome: L0's memory, refusals, the peek). Returns (results,
    outcome) of run.boot_workloads()."""
    return run.boot_workloads(build.artifacts(), l0, workloads, timeout_s, l1_append=l1_append,
                              label=label, level=level)


def check(cond, what):
    if not cond:
        raise Failure(what)
    print("ok: " + what)


def main(test):
    try:
        test()
    except Failure as e:
        print("FAILED: %s" % e)
        return 1
    return 0
