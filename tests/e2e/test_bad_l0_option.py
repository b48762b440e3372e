"""A bad L0 option makes the run fail fast, with a message that names the option."""
import sys

from e2e import check, main, turtle_run

FAST_S = 120  # OVMF takes about 10 s to reach l0.efi; a full L1 boot takes far longer


def test():
    status, stderr, r, wall = turtle_run("frobnicate=1", "cpuid", 10, timeout_s=600)
    check(status != 0, "turtle run fails (status %d)" % status)
    check("frobnicate" in stderr, "the error names the option")
    check("unknown option" in stderr, "the error says why")
    check(wall < FAST_S, "it fails fast (%.0f s < %d s)" % (wall, FAST_S))
    check(r is not None and r["ok"] is False, "the result JSON records the failure")

    status, stderr, _, _ = turtle_run("virt=maybe", "cpuid", 10, timeout_s=600)
    check(status != 0 and "virt=maybe" in stderr and "on|off" in stderr,
          "a bad value is named with the values it accepts")


sys.exit(main(test))
