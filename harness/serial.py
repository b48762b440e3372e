"""Reads the serial console of a run as it grows: the JSON records that L0 and the L1 image
print (one object a line, starting with {"turtle":), the stage reached, and fatal signs."""
import json
import re

RECORD_PREFIX = '{"turtle":'
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

# Stages in the order a run reaches them; progress and failure messages name them.
STAGES = ["firmware", "l0", "l1-kernel", "l1-userspace", "workloads", "done"]

# Plain-text lines that end a run at once: (pattern, explanation).
FATAL_TEXT = [
    (re.compile(r"Kernel panic - not syncing"), "L1 kernel panic"),
    (re.compile(r"^l0: the L1 image returned"), "the L1 image returned to L0"),
    (re.compile(r"^l0: cannot load the L1 image"), "L0 could not load the L1 image"),
    (re.compile(r"^l0: cannot read the command line"), "L0 could not read its command line"),
    (re.compile(r"^l0: FATAL"), "L0 stopped on a fatal error"),
]

KERNEL_TEXT = re.compile(r"EFI stub: |Linux version \d")


class SerialLog:
    """Feeds on chunks of serial output; keeps records, the stage and the last lines."""

    def __init__(self):
        self.partial = ""
        self.records = []
        self.stage = "firmware"
        self.fatal = None
        self.done = False
        self.tail = []
        self.workload = None  # (index, count, name) of the workload running

    def _reach(self, stage):
        if STAGES.index(stage) > STAGES.index(self.stage):
            self.stage = stage

    def feed(self, text):
        """Consumes text; returns the list of (kind, detail) events it caused."""
        events = []
        lines = (self.partial + text).split("\n")
        self.partial = lines.pop()
        for raw in lines:
            events.extend(self._line(ANSI.sub("", raw).replace("\r", "").rstrip()))
        return events

    def _line(self, line):
        if not line:
            return []
        self.tail = (self.tail + [line])[-40:]
        start = line.find(RECORD_PREFIX)
        if start >= 0:
            try:
                rec = json.loads(line[start:])
            except ValueError:
                rec = None  # a record cut by interleaved kernel output: not ours to guess
            if isinstance(rec, dict):
                return self._record(rec)
        for pattern, why in FATAL_TEXT:
            if pattern.search(line) and not self.fatal:
                self.fatal = "%s: %s" % (why, line)
                return [("fatal", self.fatal)]
        if self.stage in ("l0", "firmware") and KERNEL_TEXT.search(line):
            self._reach("l1-kernel")
            return [("stage", self.stage)]
        return []

    def _record(self, rec):
        self.records.append(rec)
        kind = rec.get("turtle")
        if kind == "stage":
            stage = {"l0": "l0", "l1-start": "l1-kernel",
                     "l1-userspace": "l1-userspace"}.get(rec.get("stage"))
            if stage:
                self._reach(stage)
                return [("stage", self.stage)]
        elif kind == "workload":
            self._reach("workloads")
            self.workload = (rec.get("index"), rec.get("count"), rec.get("name"))
            return [("workload", self.workload)]
        elif kind == "error":
            if rec.get("stage", "").startswith("l0") and not self.fatal:
                self.fatal = "L0 error: %s" % rec.get("message")
                return [("fatal", self.fatal)]
            return [("error", rec)]
        elif kind == "done":
            self._reach("done")
            self.done = True
            return [("done", None)]
        return [("record", rec)]

    def of_kind(self, kind):
        return [r for r in self.records if r.get("turtle") == kind]
