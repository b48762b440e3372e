"""L0's event records (l0-events, l0-ev: docs/hypercall.md, "Events") turned into a Chrome
trace-event file that Perfetto (ui.perfetto.dev) and chrome://tracing open: per workload phase
one process, whose first track holds each L2 exit and, when L0 reflected it to L1, the episode
from that exit to L2's resumption with the L1 exits it caused nested inside; the second track
holds L1's exits outside any episode (L1's own business). Times are TSC cycles, written as the
format's microseconds (1 cycle = 1 "us"): the file says so in its metadata. Pure functions over
the parsed records, apart from reading the exit-reason names once from vmx-emul/exit_reasons.def
(the one list of reasons) and writing the file."""
import json
import os

from .exit_reasons import reason_names

HEAD, CHUNK = "l0-events", "l0-ev"
LEVELS = {0: "l1", 1: "l2"}
FLAG_REFLECTED, FLAG_RESUMES_L2 = 0x1, 0x2  # l0/trace_events.h
BASIC_REASON_MASK = 0xffff
ENTRY_FAILURE_BIT = 1 << 31
TID_L2, TID_L1 = 1, 2
TRACK_NAMES = {TID_L2: "L2 exits and their episodes (L1 exits nested)",
               TID_L1: "L1 exits outside episodes"}
FILE_NAME = "episodes.trace.json"


def parse(records):
    """The phases of event dumps in @records (serial order): a list of dicts with the head's
    fields ("phase", "count", "capacity", "missed", "phase_start_tsc"), "events" (dicts: index,
    tsc, level, reason, cycles, flags, qualification, in recording order) and "lost": how many
    of "count" events never arrived (a line cut by other output on the console)."""
    phases = []
    for rec in records:
        kind = rec.get("turtle")
        if kind == HEAD:
            phases.append({k: rec.get(k) for k in ("phase", "count", "capacity", "missed",
                                                   "phase_start_tsc")})
            phases[-1]["events"] = []
        elif kind == CHUNK and phases:
            tsc = rec["tsc"]
            for n, (dt, level, reason, cycles, flags, qual) in enumerate(rec["ev"]):
                tsc += dt
                phases[-1]["events"].append({
                    "index": rec["i"] + n, "tsc": tsc, "level": LEVELS.get(level, str(level)),
                    "reason": reason, "cycles": cycles, "flags": flags, "qualification": qual})
    for p in phases:
        p["lost"] = (p["count"] or 0) - len(p["events"])
    return phases


def _name(reason, names):
    basic = reason & BASIC_REASON_MASK
    name = names.get(basic, "R%d" % basic)
    return name + (" (entry failure)" if reason & ENTRY_FAILURE_BIT else "")


def _slice(pid, tid, name, cat, start, end, args):
    return {"ph": "X", "pid": pid, "tid": tid, "name": name, "cat": cat, "ts": start,
            "dur": end - start, "args": args}


def _exit_slice(pid, tid, e, base, names, extra=None):
    args = {"reason": _name(e["reason"], names), "qualification": "0x%x" % e["qualification"],
            "cycles": e["cycles"], "tsc": e["tsc"], "index": e["index"]}
    args.update(extra or {})
    return _slice(pid, tid, _name(e["reason"], names), "%s-exit" % e["level"],
                  e["tsc"] - base, e["tsc"] + e["cycles"] - base, args)


def _episode(pid, opener, inside, closed, base, names):
    """The enclosing slice of one episode: from the L2 exit to L2's resumption (the end of L0's
    handling of the L1 exit that entered L2), or to the last exit seen when it never closed."""
    last = inside[-1] if inside else opener
    by_reason = {}
    for e in inside:
        by_reason[_name(e["reason"], names)] = by_reason.get(_name(e["reason"], names), 0) + 1
    args = {"l2_exit": _name(opener["reason"], names), "l1_exits": len(inside),
            "l1_exits_by_reason": by_reason, "closed": closed,
            "cycles": last["tsc"] + last["cycles"] - opener["tsc"],
            "l0_cycles": opener["cycles"] + sum(e["cycles"] for e in inside)}
    label = "episode: %s -> %d L1 exits" % (_name(opener["reason"], names), len(inside))
    return _slice(pid, TID_L2, label if closed else label + " (not closed)", "episode",
                  opener["tsc"] - base, last["tsc"] + last["cycles"] - base, args)


def phase_events(pid, phase, base, names):
    """The trace events of one parsed phase (parse()) as process @pid, times from TSC @base.
    Each episode's slice comes before the exits inside it, so that a viewer nests them under it
    even where they start at the same time. An episode left open by the end of the recording,
    or by a gap where events were lost, is drawn up to its last exit and marked not closed."""
    out, opener, inside, expected = [], None, [], 0

    def close(closed):
        out.append(_episode(pid, opener, inside, closed, base, names))
        out.append(_exit_slice(pid, TID_L2, opener, base, names, {"handled_by": "L1"}))
        out.extend(_exit_slice(pid, TID_L2, e, base, names,
                               {"episode_of": _name(opener["reason"], names)}) for e in inside)

    for e in phase["events"]:
        gap = e["index"] != expected
        expected = e["index"] + 1
        if opener and (gap or e["level"] == "l2"):
            close(False)
            opener, inside = None, []
        if e["level"] == "l2" and e["flags"] & FLAG_REFLECTED:
            opener = e
        elif e["level"] == "l2":
            out.append(_exit_slice(pid, TID_L2, e, base, names, {"handled_by": "L0"}))
        elif opener:
            inside.append(e)
            if e["flags"] & FLAG_RESUMES_L2:
                close(True)
                opener, inside = None, []
        else:
            out.append(_exit_slice(pid, TID_L1, e, base, names))
    if opener:
        close(False)
    return out


def chrome_trace(phases, names, labels=None):
    """The whole trace-event document for parsed @phases (one process each, named by @labels
    or the phase name), times in TSC cycles from the earliest phase's start."""
    starts = [p["phase_start_tsc"] for p in phases if p["phase_start_tsc"] is not None]
    base = min(starts) if starts else 0
    events = []
    for pid, p in enumerate(phases, 1):
        label = labels[pid - 1] if labels else p["phase"] or "no phase"
        events.append({"ph": "M", "pid": pid, "name": "process_name",
                       "args": {"name": "%s (%d events, %d missed, %d lost)" % (
                           label, p["count"] or 0, p["missed"] or 0, p["lost"])}})
        for tid, track in TRACK_NAMES.items():
            events.append({"ph": "M", "pid": pid, "tid": tid, "name": "thread_name",
                           "args": {"name": track}})
        events.extend(phase_events(pid, p, base, names))
    return {"traceEvents": events, "otherData": {
        "time_unit": "TSC cycles: ts and dur count cycles, shown as microseconds",
        "tsc_base": base,
        "source": "L0 events=N, turtle-l0 dump-events (docs/hypercall.md)"}}


def write(run_dir, workloads, by_index):
    """Writes FILE_NAME in @run_dir from the event dumps among each workload's records
    (@by_index: run.split_by_workload()'s, per 1-based index of the (name, iterations)
    @workloads), one process per phase dumped; returns its path, or None when none had events."""
    phases, labels = [], []
    for index, (name, _) in enumerate(workloads, 1):
        for p in parse(by_index.get(index, [])):
            phases.append(p)
            labels.append("%d: %s" % (index, name))
    if not phases:
        return None
    path = os.path.join(run_dir, FILE_NAME)
    with open(path, "w") as f:
        json.dump(chrome_trace(phases, reason_names(), labels), f, separators=(",", ":"))
        f.write("\n")
    return path
