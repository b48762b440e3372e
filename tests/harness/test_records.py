"""The harness over canned serial logs, without Bochs: stages and fatal signs (harness/serial.py),
the result objects of a run (harness/run.py collect) with L0's exit dumps, boot facts and peek,
L1's command line, and the demo table (harness/cli.py)."""
import contextlib
import io
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))

from harness import cli, run  # noqa: E402
from harness.serial import SerialLog  # noqa: E402

OUTCOME = {"reason": None, "wall_s": 60.0, "stage": "done", "stage_times": {},
           "serial_log": "serial.log", "run_dir": "run", "commit": "abc"}


def feed(name, chunk=37):
    """A SerialLog fed with the canned log in small chunks, as Bochs' file grows."""
    with open(os.path.join(HERE, name), newline="") as f:
        text = f.read()
    log = SerialLog()
    for i in range(0, len(text), chunk):
        log.feed(text[i:i + chunk])
    return log


class VirtOn(unittest.TestCase):
    """L0 runs L1 as a guest: two L1-native workloads, each with its phase's dump."""

    def setUp(self):
        self.log = feed("serial-virt-on.log")
        self.results = run.collect(self.log, OUTCOME, "virt=on", [("cpuid", 1000),
                                                                  ("cpuid", 2000)], "l1")

    def test_stages_and_no_fatal(self):
        # Neither L0's dumps nor its refusal lines are taken for a stage, an error or a fatal sign.
        self.assertIsNone(self.log.fatal)
        self.assertTrue(self.log.done)
        self.assertEqual(self.log.stage, "done")

    def test_cut_record_is_dropped(self):
        dumps = self.log.of_kind("l0-exits")
        self.assertEqual([d["phase"] for d in dumps], [None, "cpuid", "cpuid"])

    def test_workload_results(self):
        first, second = self.results
        self.assertTrue(first["ok"] and second["ok"])
        self.assertEqual((first["level"], first["iterations"], first["verified"]),
                         ("l1", 1000, 1000))
        self.assertIsNone(first["l2_exits"])
        self.assertEqual(first["cycles"], 1500000)
        self.assertEqual(first["cycles_per_iteration"], 1500.0)

    def test_each_workload_gets_its_own_dump(self):
        first, second = self.results
        self.assertEqual(first["l0_exits"]["l1"]["CPUID"], 1004)
        self.assertEqual(first["l0_exits"]["l2"], {})
        self.assertEqual(first["l0_cycles"]["l1"]["CPUID"], 1300000)
        self.assertEqual(first["l0_exits_total"], 1012)
        self.assertEqual(first["l0_phase"], "cpuid")
        self.assertEqual(first["l0_phase_cycles"], 1600000)
        self.assertEqual(second["l0_exits"]["l1"]["CPUID"], 2004)
        self.assertEqual(second["l0_exits_total"], 2010)

    def test_boot_facts(self):
        for r in self.results:
            self.assertIs(r["l0_present"], True)
            self.assertEqual(r["l0_boot_exits"]["l1"]["IO_INSTRUCTION"], 51000)
            self.assertEqual(r["l1_boot_cycles"], 4500000000 - 1000000)
            self.assertEqual(r["l0_memory"], {"image": "0x7e5c2000", "image_pages": 40,
                                              "pool": "0x7c000000", "pool_pages": 8192})
            self.assertEqual([x["gpa"] for x in r["l0_refused"]], ["0x7c001000", "0x7e5c2000"])
            self.assertEqual(r["peek"], {"addr": "0x7e5c2000", "value": "0x00000000",
                                         "ok": True})
        self.assertEqual(run.boot_facts(self.log)["l0_memory"]["image"], "0x7e5c2000")

    def test_demo_table(self):
        rows = [dict(r, config="L0 (virt=on), workload in L1") for r in self.results[:1]]
        base = dict(rows[0], config="native, workload in L1", l0_options="virt=off",
                    l0_options_effective="virt=off kernel=\\vmlinuz", cycles_per_iteration=300.0,
                    l0_exits_total=None)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            cli.print_table([base] + rows)
        virt_on = out.getvalue().splitlines()[3].split()
        # L0 exits/iter 1012/1000, no L2 exits, 1500 cycles, 5x the native row.
        self.assertEqual(virt_on[-6:], ["1000", "-", "1.01", "-", "1500.0", "5.00"])


class Nested(unittest.TestCase):
    """KVM in L1 runs L2 under L0: exit multiplication from the phase's dump and its episodes."""

    def setUp(self):
        self.result = run.collect(feed("serial-nested.log"), OUTCOME, "virt=on",
                                  [("cpuid", 100)])[0]

    def test_multiplication(self):
        # 104 L2 exits; 1000 L1 exits inside the 100 episodes (the 4 EPT violations L0 handled
        # alone opened none; L1's exits outside episodes, e.g. its VM setup, do not count)
        self.assertEqual(self.result["l0_exits_per_l2_exit"], round((104 + 1000) / 104, 3))
        split = self.result["l0_exits_per_l2_exit_by_reason"]
        self.assertEqual(split["l1"], {"VMREAD": round(800 / 104, 3),
                                       "VMRESUME": round(100 / 104, 3),
                                       "VMWRITE": round(100 / 104, 3)})
        self.assertEqual(split["l2"]["CPUID"], round(100 / 104, 3))
        self.assertEqual(self.result["l0_episodes"]["lengths"], {"10": 90, "11": 10})
        self.assertEqual(self.result["l1_boot_cycles"], 1000)

    def test_no_l2_exit_no_factor(self):
        self.assertEqual(run.multiplication(None), (None, None))
        rec = {"by_level": {"l1": {"exits": {"CPUID": 5}}, "l2": {"exits": {}}}}
        self.assertEqual(run.multiplication(rec), (None, None))


class VirtOff(unittest.TestCase):
    """No L0: nothing of L0's in the results; two workloads of the same name, the second fails."""

    def setUp(self):
        self.log = feed("serial-virt-off.log")
        self.results = run.collect(self.log, OUTCOME, "virt=off", [("cpuid", 1000),
                                                                   ("cpuid", 1000)])

    def test_no_l0_counters(self):
        first = self.results[0]
        self.assertTrue(first["ok"])
        self.assertEqual((first["level"], first["l2_exits"], first["l2_cycles"]),
                         ("l2", 1003, 1072800))
        for key in ("l0_exits", "l0_cycles", "l0_exits_total", "l0_boot_exits", "l0_memory"):
            self.assertIsNone(first[key], key)
        self.assertIs(first["l0_present"], False)
        self.assertEqual(first["l0_refused"], [])
        self.assertIsNone(first["l1_boot_cycles"])  # this log's stage records have no TSC

    def test_failed_peek(self):
        self.assertEqual(self.results[0]["peek"]["ok"], False)
        self.assertIn("not permitted", self.results[0]["peek"]["error"])

    def test_demo_table_says_when_l0_is_missing(self):
        # L0 was asked to run L1 as a guest (virt=on), but turtle-l0 found no L0.
        row = dict(self.results[0], config="L0 (virt=on), workload in L1", l0_options="virt=on",
                   l0_options_effective="virt=on kernel=\\vmlinuz")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            cli.print_table([row])
        self.assertIn("no L0", out.getvalue().splitlines()[2])

    def test_results_pair_by_index(self):
        second = self.results[1]
        self.assertFalse(second["ok"])
        self.assertEqual(second["error"], "KVM_RUN: Bad address")


class BootErrors(unittest.TestCase):
    def test_error_before_the_workloads_explains_missing_results(self):
        log = SerialLog()
        log.feed('{"turtle":"stage","stage":"l1-userspace"}\n'
                 '{"turtle":"error","stage":"level","message":"unknown turtle.level \'l3\'"}\n'
                 '{"turtle":"done"}\n')
        self.assertIsNone(log.fatal)
        (r,) = run.collect(log, OUTCOME, "virt=off", [("cpuid", 10)], "l3")
        self.assertFalse(r["ok"])
        self.assertIn("unknown turtle.level", r["error"])

    def test_l0_fatal_line_still_fatal(self):
        log = SerialLog()
        log.feed("l0: FATAL: VM entry failed\n")
        self.assertIn("L0 stopped", log.fatal)


class L1CommandLine(unittest.TestCase):
    def test_level_and_append_order(self):
        cfg = run.l0_config("virt=on", [("cpuid", 5)], "turtle.peek=0x1000", "l1")
        l1 = cfg.split("\n-- ")[1].split()
        self.assertEqual(l1[-3:], ["turtle.run=cpuid:5", "turtle.level=l1", "turtle.peek=0x1000"])

    def test_no_workloads(self):
        cfg = run.l0_config("virt=on", [], "", "l2")
        self.assertIn("turtle.run= turtle.level=l2", cfg)


if __name__ == "__main__":
    unittest.main(verbosity=2)
