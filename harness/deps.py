"""Debian packages the project needs, checked and installed on demand."""
import os
import shutil
import subprocess
import sys

# Each group is installed when a command needs it, so `./turtle test` on a fresh Debian
# machine brings everything it uses.
PACKAGES = {
    "build": ["gcc", "g++", "make", "cmake", "gnu-efi", "libcmocka-dev", "libcapstone-dev",
              "libbenchmark-dev", "python3"],
    "image": ["busybox-static", "mtools", "gzip", "xz-utils", "zstd", "kmod"],
    "emulator": ["bochs", "bochsbios", "vgabios", "ovmf"],
    "plot": ["python3-matplotlib"],
    # the KVM-as-L0 peer's initramfs (guests/build-kvm-l0-image.sh) holds Debian's QEMU
    "kvm-l0": ["qemu-system-x86"],
}


class DepsError(Exception):
    pass


def missing(packages):
    out = []
    for pkg in packages:
        r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg],
                           capture_output=True, text=True)
        if r.returncode != 0 or "install ok installed" not in r.stdout:
            out.append(pkg)
    return out


def _apt(args):
    cmd = ["apt-get"] + args
    if os.geteuid() != 0:
        if not shutil.which("sudo"):
            raise DepsError("need root to run: " + " ".join(cmd))
        cmd = ["sudo"] + cmd
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stdout[-3000:])
        raise DepsError("failed: " + " ".join(cmd))


def ensure(*groups):
    """Installs whatever is missing from the named groups, saying what it installs."""
    wanted = [p for g in groups for p in PACKAGES[g]]
    todo = missing(wanted)
    if not todo:
        return
    print("turtle: installing Debian packages: " + " ".join(todo), file=sys.stderr, flush=True)
    _apt(["update", "-qq"])
    _apt(["install", "-y", "-qq", "--no-install-recommends"] + todo)
    still = missing(todo)
    if still:
        raise DepsError("still missing after apt-get install: " + " ".join(still))
