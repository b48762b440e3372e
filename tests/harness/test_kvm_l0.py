"""The KVM-as-L0 peer's host side (harness/kvm_l0.py), without Bochs: KVM's tracefs histograms
parsed into exit counts, and the result objects of a boot, over serial-kvm-l0.log, captured from
a real boot (l0=kvm enable_shadow_vmcs=1, cpuid and io at 200 iterations: L1 ran each workload
at 200 untraced, 200 and 400 traced); plus the boot's inputs (startup.nsh, L1's list, the cpio)."""
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))

from harness import kvm_l0  # noqa: E402
from harness.serial import SerialLog  # noqa: E402

OUTCOME = {"reason": None, "wall_s": 174.3, "stage": "done", "stage_times": {},
           "serial_log": "serial.log", "run_dir": "run", "commit": "abc"}
OPTIONS = "l0=kvm enable_shadow_vmcs=1"
WORKLOADS = [("cpuid", 200), ("io", 200)]


def captured_log():
    with open(os.path.join(HERE, "serial-kvm-l0.log"), newline="") as f:
        text = f.read()
    log = SerialLog()
    for i in range(0, len(text), 41):
        log.feed(text[i:i + 41])
    return log


def hist_of(log, index, event):
    return next(r["hist"] for r in log.of_kind("kvm-exits")
                if r["index"] == index and r["event"] == event)


class ParseHist(unittest.TestCase):
    def setUp(self):
        self.log = captured_log()

    def test_captured_kvm_exit_histogram(self):
        # L1 workload 2: cpuid, 200 iterations, traced
        counts = kvm_l0.parse_hist(hist_of(self.log, 2, "kvm_exit"))
        self.assertEqual(sum(counts.values()), 1234)  # the histogram's own Hits
        self.assertEqual(len(counts), 21)
        self.assertEqual((counts[10], counts[24], counts[31], counts[30]), (258, 202, 211, 315))

    def test_captured_nested_histogram(self):
        self.assertEqual(kvm_l0.parse_hist(hist_of(self.log, 2, "kvm_nested_vmexit")),
                         {30: 1, 48: 4, 10: 200})

    def test_raw_hist_file_with_header(self):
        # the hist file as tracefs prints it, comments included
        text = ("# event histogram\n#\n# trigger info: hist:keys=exit_reason:vals=hitcount:"
                "sort=hitcount:size=2048 [active]\n#\n\n"
                "{ exit_reason:         10 } hitcount:        200\n\n"
                "Totals:\n    Hits: 200\n    Entries: 1\n    Dropped: 0\n")
        self.assertEqual(kvm_l0.parse_hist(text.splitlines()), {10: 200})

    def test_empty_histogram(self):
        self.assertEqual(kvm_l0.parse_hist(["Totals:", "Hits: 0", "Entries: 0", "Dropped: 0"]),
                         {})

    def test_full_exit_reason_is_masked_to_the_basic_reason(self):
        # bit 31: VM-entry failure (SDM Vol. 3C 25.9.1)
        self.assertEqual(kvm_l0.parse_hist(["{ exit_reason: 2147483681 } hitcount: 1"]), {33: 1})

    def test_errors(self):
        for lines in (["{ exit_reason: 10 } hitcount: 5", "Hits: 6"],
                      ["{ exit_reason: 10 } hitcount: 5", "Dropped: 2"],
                      ["exit_reason 10 5"]):
            with self.assertRaises(kvm_l0.KvmL0Error):
                kvm_l0.parse_hist(lines)


class Collect(unittest.TestCase):
    def setUp(self):
        self.log = captured_log()
        self.cpuid, self.io = kvm_l0.collect(self.log, OUTCOME, OPTIONS, WORKLOADS)

    def test_records_and_stages(self):
        self.assertIsNone(self.log.fatal)
        self.assertTrue(self.log.done)
        self.assertEqual(len(self.log.of_kind("kvm-exits")), 8)  # 2 events x 4 traced runs

    def test_result_is_the_untraced_run(self):
        r = self.cpuid
        self.assertTrue(r["ok"], r.get("error"))
        self.assertEqual((r["workload"], r["iterations"], r["l2_exits"]), ("cpuid", 200, 203))
        self.assertEqual(r["cycles_per_iteration"], 19268.3)  # not the traced 22827.1
        self.assertEqual(r["l0_options_effective"],
                         "l0=kvm nested=Y enable_shadow_vmcs=Y ept=Y vpid=Y")

    def test_exits_by_level_with_our_reason_names(self):
        exits = self.cpuid["l0_exits"]
        self.assertEqual(exits["l2"], {"CPUID": 200, "IO_INSTRUCTION": 1, "EPT_VIOLATION": 4})
        self.assertEqual((exits["l1"]["VMRESUME"], exits["l1"]["RDMSR"], exits["l1"]["CPUID"]),
                         (202, 211, 58))
        self.assertEqual(self.cpuid["l0_exits_total"], 1234)

    def test_multiplication_from_the_difference(self):
        # 400 - 200 traced CPUIDs: the L2 exit, L1's VMRESUME and its DEBUGCTL read each
        by_reason = self.cpuid["l0_exits_per_l2_exit_by_reason"]
        self.assertEqual(by_reason["l2"], {"CPUID": 1.0})
        self.assertEqual((by_reason["l1"]["VMRESUME"], by_reason["l1"]["RDMSR"]), (1.0, 1.0))
        self.assertAlmostEqual(self.cpuid["l0_exits_per_l2_exit"], 2.985)
        io = self.io["l0_exits_per_l2_exit_by_reason"]["l1"]
        self.assertEqual((io["GDTR_IDTR_ACCESS"], io["LDTR_TR_ACCESS"], io["VMREAD"]),
                         (1.0, 1.0, 1.0))
        self.assertAlmostEqual(self.io["l0_exits_per_l2_exit"], 7.183)

    def test_missing_window_fails_the_workload(self):
        log = captured_log()
        log.records = [r for r in log.records
                       if not (r.get("turtle") == "kvm-exits" and r.get("index") == 6)]
        _, io = kvm_l0.collect(log, OUTCOME, OPTIONS, WORKLOADS)
        self.assertFalse(io["ok"])
        self.assertIn("no kvm-exits records for L1 workload 6", io["error"])


class BootInputs(unittest.TestCase):
    def test_options(self):
        self.assertTrue(kvm_l0.is_kvm_l0("l0=kvm enable_shadow_vmcs=0"))
        self.assertFalse(kvm_l0.is_kvm_l0("virt=on shadow=on"))
        self.assertEqual(kvm_l0.kvm_intel_params("l0=kvm enable_shadow_vmcs=0 ept=1"),
                         ["enable_shadow_vmcs=0", "ept=1"])
        with self.assertRaises(kvm_l0.KvmL0Error):
            kvm_l0.kvm_intel_params("l0=kvm shadow")

    def test_startup_nsh(self):
        self.assertEqual(kvm_l0.startup_nsh("l0=kvm enable_shadow_vmcs=0"),
                         "fs0:\r\n\\vmlinuz initrd=\\initrd-l0.img initrd=\\l1.cpio "
                         "console=ttyS0 quiet turtle.kvm_intel=enable_shadow_vmcs=0\r\n")

    def test_expand(self):
        self.assertEqual(kvm_l0.expand(WORKLOADS),
                         ([("cpuid", 200), ("cpuid", 200), ("cpuid", 400),
                           ("io", 200), ("io", 200), ("io", 400)], [2, 3, 5, 6]))

    def test_reason_names_from_the_one_list(self):
        names = kvm_l0.reason_names()
        self.assertEqual((names[10], names[24], names[48]), ("CPUID", "VMRESUME", "EPT_VIOLATION"))
        self.assertEqual(kvm_l0.named({78: 2, 10: 0}, names), {"REASON_78": 2})

    def test_newc_archive_unpacks(self):
        data = kvm_l0.newc_archive([("l1/cmdline", b"console=ttyS0\n", 0o644),
                                    ("l1/traced", b"2 3\n", 0o644)])
        self.assertEqual(len(data) % 4, 0)
        with tempfile.TemporaryDirectory() as tmp:
            r = subprocess.run(["busybox", "cpio", "-id"], input=data, cwd=tmp,
                               capture_output=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(tmp, "l1", "traced"), "rb") as f:
                self.assertEqual(f.read(), b"2 3\n")


if __name__ == "__main__":
    unittest.main()
