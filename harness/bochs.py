"""Boots a FAT image holding l0.efi, the L1 image and L0's configuration in Bochs with OVMF,
with a time limit, following the serial console as it grows."""
import os
import signal
import subprocess
import sys
import time

from . import deps
from .serial import SerialLog

OVMF = "/usr/share/ovmf/OVMF.fd"
VGABIOS = "/usr/share/vgabios/vgabios.bin"
IMAGE_MIB = 64
SHUTDOWN_GRACE_S = 30  # after the last record, how long Bochs may take to power off
FATAL_GRACE_S = 3  # after a fatal line, how long to keep reading the diagnostic that follows

# Platform facts in shared/design.md section 3: rfb display with no timeout (Debian's Bochs has
# no headless display), deterministic TSC (clock sync=none), no sound (Bochs 2.7 may abort).
BOCHSRC = """\
megs: {megs}
cpu: model=corei7_skylake_x, count=1, ips=200000000, reset_on_triple_fault=0
romimage: file={ovmf}
vgaromimage: file={vgabios}
display_library: rfb, options="timeout=0"
ata0-master: type=disk, path=fat.img, mode=flat
boot: disk
pci: enabled=1, chipset=i440fx
com1: enabled=1, mode=file, dev=serial.log
port_e9_hack: enabled=1
clock: sync=none, time0=local
speaker: enabled=0
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
log: bochs.log
"""


class BochsError(Exception):
    pass


def _mtools(args):
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        raise BochsError("%s: %s" % (" ".join(args), r.stderr.strip()))


def make_image(run_dir, files):
    """Writes run_dir/fat.img; files maps paths on the volume ('/EFI/BOOT/BOOTX64.EFI') to
    host files."""
    img = os.path.join(run_dir, "fat.img")
    with open(img, "wb") as f:
        f.truncate(IMAGE_MIB << 20)
    _mtools(["mformat", "-i", img, "-F", "::"])
    made = set()
    for dest in sorted(files):
        parts = dest.strip("/").split("/")[:-1]
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d not in made:
                _mtools(["mmd", "-i", img, "::/" + d])
                made.add(d)
        _mtools(["mcopy", "-i", img, files[dest], "::/" + dest.strip("/")])
    return img


class Progress:
    """One line per stage or workload, with the elapsed time, on stderr."""

    def __init__(self, label, quiet=False):
        self.label = label
        self.quiet = quiet
        self.t0 = time.monotonic()

    def say(self, what):
        if not self.quiet:
            print("turtle: [%6.1fs] %s: %s" % (time.monotonic() - self.t0, self.label, what),
                  file=sys.stderr, flush=True)


def _stop(proc):
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()


def boot(run_dir, timeout_s, progress, megs=1024):
    """Runs Bochs in run_dir (which holds fat.img) until the L1 image reports done, a fatal
    sign appears, Bochs exits, or timeout_s passes. Returns (SerialLog, outcome dict)."""
    deps.ensure("emulator")
    with open(os.path.join(run_dir, "bochsrc"), "w") as f:
        f.write(BOCHSRC.format(megs=megs, ovmf=OVMF, vgabios=VGABIOS))
    with open(os.path.join(run_dir, "dbg.rc"), "w") as f:
        f.write("c\nquit\n")
    serial_path = os.path.join(run_dir, "serial.log")
    open(serial_path, "w").close()
    lock = os.path.join(run_dir, "fat.img.lock")
    if os.path.exists(lock):
        os.unlink(lock)

    log = SerialLog()
    stage_times = {"firmware": 0.0}
    t0 = time.monotonic()
    out = open(os.path.join(run_dir, "bochs.out"), "w")
    proc = subprocess.Popen(["bochs", "-q", "-f", "bochsrc", "-rc", "dbg.rc"], cwd=run_dir,
                            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True)
    progress.say("firmware (Bochs started, OVMF booting)")
    outcome = {"reason": None}
    done_at = fatal_at = None
    try:
        with open(serial_path, "r", errors="replace") as serial:
            while True:
                chunk = serial.read()
                for kind, detail in log.feed(chunk) if chunk else []:
                    now = round(time.monotonic() - t0, 1)
                    if kind == "stage" and detail not in stage_times:
                        stage_times[detail] = now
                        progress.say(detail)
                    elif kind == "workload":
                        stage_times.setdefault("workloads", now)
                        progress.say("workload %s of %s: %s" % detail)
                    elif kind == "error":
                        progress.say("error: %s" % detail.get("message"))
                    elif kind == "record" and detail.get("turtle") == "l0-refused":
                        progress.say("L0 refused an L1 %s of its memory at %s" % (
                            detail.get("access"), detail.get("gpa")))
                    elif kind == "done":
                        stage_times["done"] = now
                        done_at = time.monotonic()
                        progress.say("done")
                if log.fatal:
                    # keep reading a little: L0's diagnostic (the exit, the ring of the last
                    # exits, the counters) and a kernel's backtrace follow the first fatal line
                    outcome["reason"] = log.fatal
                    fatal_at = fatal_at or time.monotonic()
                    if time.monotonic() - fatal_at > FATAL_GRACE_S:
                        break
                if proc.poll() is not None:
                    chunk = serial.read()
                    if chunk:
                        log.feed(chunk + "\n")
                    if not log.done and not log.fatal:
                        outcome["reason"] = "Bochs exited (status %d) before the run was done" \
                            % proc.returncode
                    break
                if done_at and time.monotonic() - done_at > SHUTDOWN_GRACE_S:
                    break  # all records are in; Bochs did not power off by itself
                if time.monotonic() - t0 > timeout_s:
                    outcome["reason"] = "timed out after %ds" % timeout_s
                    break
                time.sleep(0.25)
    finally:
        _stop(proc)
        out.close()
        if os.path.exists(lock):
            os.unlink(lock)
    outcome.update(wall_s=round(time.monotonic() - t0, 1), stage=log.stage,
                   stage_times=stage_times, serial_log=serial_path)
    return log, outcome


def keep_small(run_dir):
    """Drops the disk image of a finished run (the inputs are in the build tree)."""
    img = os.path.join(run_dir, "fat.img")
    if os.path.exists(img):
        os.unlink(img)
