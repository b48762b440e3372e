"""harness/trace_events.py over a small fixed dump: the records pass the serial parser, events
are decoded (per-line TSC base), each episode encloses its L2 exit and the L1 exits it caused and
ends where L2 resumed, L1's other exits sit on their own track, a lost line leaves the episode
around it marked not closed, and the file written is valid trace-event JSON."""
import json
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))

from harness import trace_events as te  # noqa: E402
from harness.serial import SerialLog  # noqa: E402

# An L1 CPUID (phase-begin's neighbour), then a reflected L2 CPUID whose episode is VMREAD,
# VMWRITE, VMRESUME (flag 2: L2 resumes), then an L2 CR access L0 handled itself; the second
# line starts its own TSC base. Reasons: 10 CPUID, 23 VMREAD, 25 VMWRITE, 24 VMRESUME, 28 CR.
DUMP = (
    'l0: noise before\r\n'
    '{"turtle":"l0-events","phase":"cpuid","count":6,"capacity":4096,"missed":3,'
    '"phase_start_tsc":1000}\r\n'
    '{"turtle":"l0-ev","i":0,"tsc":1100,"ev":[[0,0,10,50,0,0],[900,1,10,200,1,0],'
    '[400,0,23,100,0,0],[300,0,25,120,0,4]]}\r\n'
    '{"turtle":"l0-ev","i":4,"tsc":2800,"ev":[[0,0,24,500,2,0],[1700,1,28,80,0,4]]}\r\n'
)
NAMES = {10: "CPUID", 23: "VMREAD", 24: "VMRESUME", 25: "VMWRITE", 28: "CR_ACCESS"}


def records(text=DUMP):
    log = SerialLog()
    log.feed(text)
    return log.records


def slices(trace, tid=None, cat=None):
    return [e for e in trace["traceEvents"] if e["ph"] == "X" and
            (tid is None or e["tid"] == tid) and (cat is None or e["cat"] == cat)]


class Parse(unittest.TestCase):
    def test_records_decoded(self):
        (phase,) = te.parse(records())
        self.assertEqual((phase["phase"], phase["count"], phase["missed"], phase["lost"]),
                         ("cpuid", 6, 3, 0))
        self.assertEqual([e["tsc"] for e in phase["events"]], [1100, 2000, 2400, 2700, 2800, 4500])
        self.assertEqual([e["level"] for e in phase["events"]],
                         ["l1", "l2", "l1", "l1", "l1", "l2"])
        self.assertEqual(phase["events"][3]["qualification"], 4)
        self.assertEqual(phase["events"][4]["flags"], te.FLAG_RESUMES_L2)

    def test_reason_names_from_the_def_file(self):
        names = te.reason_names()
        for number, name in NAMES.items():
            self.assertEqual(names[number], name)


class Chrome(unittest.TestCase):
    def setUp(self):
        self.trace = te.chrome_trace(te.parse(records()), NAMES)

    def test_episode_encloses_its_cascade(self):
        (episode,) = slices(self.trace, cat="episode")
        # from the L2 exit's TSC (2000) to the end of the VMRESUME's handling (2800 + 500),
        # times counted from the phase start (1000)
        self.assertEqual((episode["ts"], episode["dur"]), (1000, 1300))
        self.assertEqual(episode["tid"], te.TID_L2)
        self.assertTrue(episode["args"]["closed"])
        self.assertEqual(episode["args"]["l1_exits_by_reason"],
                         {"VMREAD": 1, "VMWRITE": 1, "VMRESUME": 1})
        self.assertEqual(episode["args"]["l0_cycles"], 200 + 100 + 120 + 500)
        inside = [e for e in slices(self.trace, tid=te.TID_L2) if e is not episode and
                  episode["ts"] <= e["ts"] and e["ts"] + e["dur"] <= episode["ts"] + episode["dur"]]
        self.assertEqual([e["name"] for e in inside], ["CPUID", "VMREAD", "VMWRITE", "VMRESUME"])
        # the enclosing slice comes first, so a viewer nests the rest under it
        events = self.trace["traceEvents"]
        self.assertLess(events.index(episode), min(events.index(e) for e in inside))
        self.assertEqual(inside[0]["args"]["handled_by"], "L1")
        self.assertEqual(inside[2]["args"]["qualification"], "0x4")

    def test_tracks(self):
        l1 = slices(self.trace, tid=te.TID_L1)
        self.assertEqual([(e["name"], e["ts"], e["dur"]) for e in l1], [("CPUID", 100, 50)])
        own = [e for e in slices(self.trace, tid=te.TID_L2) if e["name"] == "CR_ACCESS"]
        self.assertEqual(own[0]["args"]["handled_by"], "L0")
        names = {(e["tid"], e["args"]["name"]) for e in self.trace["traceEvents"]
                 if e["ph"] == "M" and e["name"] == "thread_name"}
        self.assertEqual({tid for tid, _ in names}, {te.TID_L1, te.TID_L2})
        self.assertIn("TSC cycles", self.trace["otherData"]["time_unit"])

    def test_lost_line_leaves_episode_open(self):
        cut = "\r\n".join(l for l in DUMP.split("\r\n") if '"i":4' not in l)
        (phase,) = te.parse(records(cut))
        self.assertEqual(phase["lost"], 2)
        (episode,) = slices(te.chrome_trace([phase], NAMES), cat="episode")
        self.assertFalse(episode["args"]["closed"])
        self.assertEqual(episode["args"]["l1_exits"], 2)
        self.assertEqual(episode["dur"], 2700 + 120 - 2000)

    def test_write_run_dir(self):
        with tempfile.TemporaryDirectory() as d:
            path = te.write(d, [("cpuid", 50), ("io", 50)], {1: records(), 2: []})
            self.assertEqual(os.path.basename(path), te.FILE_NAME)
            with open(path) as f:
                doc = json.load(f)
            procs = [e["args"]["name"] for e in doc["traceEvents"] if e["name"] == "process_name"]
            self.assertEqual(procs, ["1: cpuid (6 events, 3 missed, 0 lost)"])
            self.assertIsNone(te.write(d, [("io", 50)], {1: []}))


if __name__ == "__main__":
    unittest.main()
