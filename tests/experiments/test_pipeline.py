"""The exit-multiplication pipeline of harness/experiment.py and experiments/plot.py on fixed
input, without Bochs. results.json holds 200-iteration rows: single level and nested from runs at
commit ba3f5b6, and a "kvm-l0" peer with the KVM-as-L0 figures of design.md section 6."""
import csv
import json
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, ROOT)

from harness import experiment, run  # noqa: E402
from harness.serial import SerialLog  # noqa: E402


def canned_rows():
    with open(os.path.join(HERE, "results.json")) as f:
        return experiment.add_ratios(json.load(f))


def write_configs(d, text):
    path = os.path.join(d, "configs.txt")
    with open(path, "w") as f:
        f.write(text)
    return path


class Configs(unittest.TestCase):
    def test_the_list_parses(self):
        configs = experiment.load_configs()
        self.assertEqual(configs[0]["role"], "baseline")
        self.assertIn("virt=off", configs[0]["l0_options"])
        self.assertTrue(any("virt=on" in c["l0_options"] for c in configs))

    def test_l1_words_after_the_separator(self):
        with tempfile.TemporaryDirectory() as d:
            configs = experiment.load_configs(write_configs(
                d, "# comment\nbase baseline virt=off\nx - virt=on ept=on  -- a=1 b=2  # why\n"))
        self.assertEqual(configs[1], {"name": "x", "role": "-", "l0_options": "virt=on ept=on",
                                      "l1_append": "a=1 b=2"})

    def test_bad_lists_say_what_is_wrong(self):
        cases = [("base baseline virt=off\nx maybe virt=on\n", "role 'maybe'"),
                 ("base baseline virt=off\nbase - virt=on\n", "listed twice"),
                 ("x - virt=on\n", "exactly one"),
                 ("base baseline\n", "want 'name role")]
        for text, msg in cases:
            with tempfile.TemporaryDirectory() as d, self.subTest(text=text):
                with self.assertRaisesRegex(experiment.ExperimentError, msg):
                    experiment.load_configs(write_configs(d, text))

    def test_unknown_configuration_named(self):
        with self.assertRaisesRegex(experiment.ExperimentError, "frob"):
            experiment.select(experiment.load_configs(), "frob")


class Cache(unittest.TestCase):
    CONFIGS = [{"name": "a", "role": "baseline", "l0_options": "virt=off", "l1_append": ""},
               {"name": "b", "role": "-", "l0_options": "virt=on", "l1_append": ""}]

    def test_a_cached_result_is_not_run_again(self):
        with tempfile.TemporaryDirectory() as d:
            experiment.write_cache(experiment.cache_path(d, "digest", self.CONFIGS[1], "io",
                                                         100, 1), {"ok": True})
            cached, boots = experiment.plan(self.CONFIGS, ["cpuid", "io"], 100, 1, d, "digest")
            self.assertEqual(list(cached), [("b", "io", 1)])
            self.assertEqual([(b["config"]["name"], b["workloads"]) for b in boots],
                             [("a", ["cpuid", "io"]), ("b", ["cpuid"])])
            # other bytes booted, other iterations: nothing reused
            for digest, it in (("other", 100), ("digest", 200)):
                cached, _ = experiment.plan(self.CONFIGS, ["io"], it, 1, d, digest)
                self.assertEqual(cached, {})

    def test_failed_or_cut_results_run_again(self):
        with tempfile.TemporaryDirectory() as d:
            bad = experiment.cache_path(d, "x", self.CONFIGS[0], "io", 10, 1)
            experiment.write_cache(bad, {"ok": False})
            cut = experiment.cache_path(d, "x", self.CONFIGS[0], "pf", 10, 1)
            with open(cut, "w") as f:
                f.write('{"ok": tr')
            cached, boots = experiment.plan(self.CONFIGS[:1], ["io", "pf"], 10, 1, d, "x")
            self.assertEqual((cached, boots[0]["workloads"]), ({}, ["io", "pf"]))


class Rows(unittest.TestCase):
    def test_row_from_a_nested_boot(self):
        log = SerialLog()
        with open(os.path.join(ROOT, "tests", "harness", "serial-nested.log")) as f:
            log.feed(f.read())
        outcome = {"reason": None, "wall_s": 60.0, "stage": "done", "stage_times": {},
                   "serial_log": "s.log", "run_dir": "r", "commit": "abc"}
        r = run.collect(log, outcome, "virt=on", [("cpuid", 100)], "l2")[0]
        r["command"] = "./turtle experiment exit-multiplication"
        row = experiment.make_row({"name": "nested", "role": "-", "l0_options": "virt=on",
                                   "l1_append": ""}, "cpuid", 1, r, False)
        self.assertEqual(set(row), set(experiment.COLUMNS))
        self.assertEqual((row["l2_exits"], row["l2_exits_per_iteration"]), (102, 1.02))
        self.assertEqual(row["cycles_per_iteration"], 82144.1)
        self.assertEqual(row["l0_exits"]["l2"]["CPUID"], 100)
        self.assertEqual((row["commit"], row["command"]),
                         ("abc", "./turtle experiment exit-multiplication"))

    def test_ratios(self):
        rows = {(r["configuration"], r["workload"]): r for r in canned_rows()}
        nested = rows[("nested", "cpuid")]
        self.assertAlmostEqual(nested["ratio_to_single_level"], 48274.6 / 1070.5)
        self.assertAlmostEqual(nested["ratio_to_peer"]["kvm-l0"]["l0_exits_per_l2_exit"],
                               9.734 / 3.05)
        self.assertEqual(rows[("single-level", "cpuid")]["ratio_to_single_level"], 1.0)
        self.assertIsNone(rows[("nested", "hlt")]["ratio_to_peer"])  # no peer figure for hlt
        self.assertIsNone(rows[("kvm-l0", "cpuid")]["ratio_to_peer"])  # not against itself


class Outputs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.rows = canned_rows()
        experiment.write_results(cls.rows, cls.tmp.name)
        cls.plots = experiment.plot(cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_csv_rows(self):
        with open(os.path.join(self.tmp.name, "results.csv"), newline="") as f:
            reader = csv.DictReader(f)
            self.assertEqual(reader.fieldnames, experiment.COLUMNS)
            rows = list(reader)
        self.assertEqual(len(rows), 17)
        by = {(r["configuration"], r["workload"]): r for r in rows}
        mmio = by[("nested", "mmio")]
        self.assertEqual((mmio["l0_options"], mmio["iterations"], mmio["l2_exits"]),
                         ("virt=on", "200", "403"))
        self.assertEqual(float(mmio["l0_exits_per_l2_exit"]), 23.196)
        self.assertAlmostEqual(float(mmio["ratio_to_single_level"]), 142349.0 / 19994.0)
        split = json.loads(mmio["l0_exits_per_l2_exit_by_reason"])
        self.assertAlmostEqual(sum(split["l2"].values()), 1.0, places=2)
        self.assertAlmostEqual(1 + sum(split["l1"].values()), 23.196, places=1)
        self.assertEqual(json.loads(mmio["l0_episodes"])["lengths"]["22"], 396)
        base = by[("single-level", "cpuid")]
        self.assertEqual((base["l0_exits_per_l2_exit"], base["l0_exits"]), ("", ""))
        self.assertEqual(base["commit"], "ba3f5b6")
        self.assertTrue(base["command"].startswith("./turtle experiment exit-multiplication"))

    def test_json_is_the_rows(self):
        with open(os.path.join(self.tmp.name, "results.json")) as f:
            self.assertEqual(json.load(f), self.rows)

    def test_three_plots_in_two_formats(self):
        names = sorted(os.path.basename(p) for p in self.plots)
        self.assertEqual(names, sorted("%s.%s" % (n, e) for e in ("png", "svg") for n in (
            "exit_multiplication", "cycles_ratio", "episode_lengths")))
        for p in self.plots:
            # a drawn plot with bars, labels and legend is tens of KiB; an empty figure is not
            self.assertGreater(os.path.getsize(p), 20000, p)
            with open(p, "rb") as f:
                head = f.read(400)
            self.assertTrue(head.startswith(b"\x89PNG") if p.endswith(".png")
                            else b"<svg" in head or b"<?xml" in head, p)

    def test_table(self):
        lines = experiment.table(self.rows)
        self.assertIn("x kvm-l0 (exits, cycles)", lines[0])
        nested = next(line for line in lines if line.startswith("cpuid") and "nested" in line)
        self.assertEqual(nested.split()[2:], ["virt=on", "200", "1.01", "9.73", "48274.6",
                                              "45.10", "3.19,", "2.60"])
        self.assertEqual(len(lines), 2 + 17)


if __name__ == "__main__":
    unittest.main(verbosity=2)
