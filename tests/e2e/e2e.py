"""Shared by the end-to-end tests: run ./turtle and check what it says."""
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Failure(Exception):
    pass


def turtle_run(l0, workload, iterations, timeout_s=900):
    """Runs `./turtle run --no-build ...`; returns (exit status, stderr, result JSON or None,
    wall seconds)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "r.json")
        cmd = [os.path.join(ROOT, "turtle"), "run", "--no-build", "--l0", l0, "--workload",
               workload, "--iterations", str(iterations), "--out", out,
               "--timeout", str(timeout_s)]
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
