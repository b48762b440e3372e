"""Configures and builds the tree with CMake: host libraries, tests, l0.efi and the L1 image."""
import os
import subprocess
import sys

from . import deps

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD_DIR = os.environ.get("TURTLE_BUILD_DIR", os.path.join(ROOT, "build"))


class BuildError(Exception):
    pass


def artifacts(build_dir=BUILD_DIR):
    return {
        "l0_efi": os.path.join(build_dir, "l0", "l0.efi"),
        "vmlinuz": os.path.join(build_dir, "guests", "l1", "vmlinuz"),
        "initrd": os.path.join(build_dir, "guests", "l1", "initrd.img"),
    }


def _run(cmd, what):
    print("turtle: %s" % what, file=sys.stderr, flush=True)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stdout[-6000:])
        raise BuildError("%s failed: %s" % (what, " ".join(cmd)))


def build(targets=("all", "l1-image"), build_dir=BUILD_DIR):
    """Builds the given CMake targets, configuring first if needed."""
    deps.ensure("build", "image")
    # Configuring every time is cheap and recovers a build tree whose last configure failed.
    _run(["cmake", "-S", ROOT, "-B", build_dir, "-DCMAKE_BUILD_TYPE=RelWithDebInfo"],
         "configuring %s" % build_dir)
    jobs = str(os.cpu_count() or 2)
    for target in targets:
        _run(["cmake", "--build", build_dir, "--target", target, "-j", jobs],
             "building %s" % target)
    return artifacts(build_dir)
