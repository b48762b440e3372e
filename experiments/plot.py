"""Plots of an exit-multiplication experiment from its results.json (harness/experiment.py):
exit multiplication stacked by cause, cycles nested over single level, episode lengths; each as
PNG and SVG. Needs matplotlib (Debian: python3-matplotlib). Usage: plot.py RESULTS.json OUT_DIR;
prints the paths it wrote."""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

WORKLOADS = ("cpuid", "io", "hlt", "vmcall", "mmio", "pf")
# What each workload's L2 operation is, for the axis labels.
OPERATION = {"cpuid": "CPUID", "io": "port I/O", "hlt": "HLT", "vmcall": "VMCALL",
             "mmio": "MMIO access", "pf": "fresh page"}
LEGEND_INCHES = 3.0  # room right of the panels for a figure-wide legend
TOP_REASONS = 7  # L1 exit reasons drawn on their own; the rest are stacked as "other L1 exits"
L2_COLOR = "#404040"
OTHER_COLOR = "#c8c8c8"
PALETTE = plt.get_cmap("tab10").colors
CONFIG_COLORS = plt.get_cmap("Set2").colors
HATCHES = ("", "//", "..", "xx", "\\\\", "oo")


def config_styles(rows):
    """{configuration: (color, hatch)} over every configuration of the results, in their order,
    so that a configuration looks the same in every plot."""
    _, configs = order(rows)
    return {c: (CONFIG_COLORS[i % len(CONFIG_COLORS)], HATCHES[i % len(HATCHES)])
            for i, c in enumerate(configs)}


def first_repeat(rows):
    return [r for r in rows if r["ok"] and r["repeat"] == 1]


def order(rows):
    """(workloads, configurations) present, workloads in the usual order, configurations in
    results order (the order of experiments/configs.txt)."""
    ws = {r["workload"] for r in rows}
    workloads = [w for w in WORKLOADS if w in ws] + sorted(ws - set(WORKLOADS))
    configs = []
    for r in rows:
        if r["configuration"] not in configs:
            configs.append(r["configuration"])
    return workloads, configs


def xlabel(w):
    return "%s\n(%s)" % (w, OPERATION[w]) if w in OPERATION else w


def save(fig, out_dir, name):
    paths = []
    for ext in ("png", "svg"):
        path = os.path.join(out_dir, "%s.%s" % (name, ext))
        fig.savefig(path, dpi=150, bbox_inches="tight")
        paths.append(path)
    plt.close(fig)
    return paths


def no_data(out_dir, name, title, what):
    """A figure that says what the results lack, so that every plot file exists after a run."""
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.text(0.5, 0.5, "no %s in these results" % what, ha="center", va="center")
    ax.set_title(title)
    ax.axis("off")
    return save(fig, out_dir, name)


def figure_width(workloads, configs):
    """Inches: room for each workload's two-line label and each configuration's bar."""
    return 2 + len(workloads) * max(1.7, 0.6 * len(configs))


def grouped(n_workloads, n_configs, width=0.8):
    """Bar width and the x position of (workload i, configuration j)."""
    w = width / max(n_configs, 1)
    return w, lambda i, j: i + (j - (n_configs - 1) / 2) * w


def label_configs(ax, positions, workloads):
    """Configuration names under each bar, workload names under each group."""
    ax.set_xticks([p for p, _ in positions], [n for _, n in positions], rotation=30,
                  ha="right", fontsize=8)
    sec = ax.secondary_xaxis("bottom")
    sec.set_xticks(range(len(workloads)), [xlabel(w) for w in workloads])
    # below the rotated configuration names, however long they are (points, for 8 pt text at 30°)
    sec.tick_params(length=0, pad=16 + 3.2 * max(len(n) for _, n in positions))
    sec.spines["bottom"].set_visible(False)


def finish_panels(axes, used):
    """Hides the panels of a grid past the first @used; returns the legend entries of all
    panels, each label once, for one figure-wide legend."""
    cols = len(axes[0])
    for n in range(used, len(axes) * cols):
        axes[n // cols][n % cols].axis("off")
    handles, labels = [], []
    for ax in axes.flat:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    return handles, labels


def single_level(r):
    """Whether the row ran without L0 (virt=off): its L2 exits are the hardware's own, one each."""
    return r["role"] == "baseline" or "virt=off" in (r.get("l0_options") or "").split()


def multiplication_split(r):
    """{segment: L0 exits per L2 exit} of a row; single level is 1 by definition: each L2 exit
    is one exit of the bottom hypervisor, which is L1's KVM itself."""
    if single_level(r):
        return {"L2 exit": 1.0}, {}, 1.0
    split = r["l0_exits_per_l2_exit_by_reason"]
    return {"L2 exit": sum(split.get("l2", {}).values())}, split.get("l1", {}), \
        r["l0_exits_per_l2_exit"]


def plot_multiplication(rows, out_dir, styles):
    """(1) L0 exits per L2 exit, one panel per workload, one bar per configuration (single level
    and the peers included), stacked: the L2 exit, then the L1 exits of its episode by reason."""
    title = "Exit multiplication: L0 exits per L2 exit, by the exit that caused them"
    rows = [r for r in first_repeat(rows)
            if r["l0_exits_per_l2_exit_by_reason"] or (single_level(r) and r["l2_exits"])]
    if not any(not single_level(r) for r in rows):
        return no_data(out_dir, "exit_multiplication", title, "L0 exits per L2 exit")
    workloads, configs = order(rows)
    totals = {}
    for r in rows:
        for reason, v in multiplication_split(r)[1].items():
            totals[reason] = totals.get(reason, 0) + v
    top = sorted(totals, key=lambda k: -totals[k])[:TOP_REASONS]
    segments = ["L2 exit"] + ["L1 " + k for k in top] + (
        ["other L1 exits"] if len(totals) > len(top) else [])
    colors = dict(zip(segments, [L2_COLOR] + list(PALETTE[:len(top)]) + [OTHER_COLOR]))

    cols = min(3, len(workloads))
    nrows = -(-len(workloads) // cols)
    panels = cols * (1.2 + 0.42 * len(configs))  # inches; the legend gets LEGEND_INCHES more
    fig, axes = plt.subplots(nrows, cols, figsize=(panels + LEGEND_INCHES, nrows * 4.6),
                             squeeze=False, sharey=True)
    by = {(r["workload"], r["configuration"]): r for r in rows}
    drawn = set()
    for n, w in enumerate(workloads):
        ax = axes[n // cols][n % cols]
        for j, c in enumerate(configs):
            r = by.get((w, c))
            if r is None:
                continue
            l2, l1, factor = multiplication_split(r)
            values = dict(l2)
            values.update({"L1 " + k: l1.get(k, 0) for k in top})
            values["other L1 exits"] = sum(v for k, v in l1.items() if k not in top)
            bottom = 0
            for s in segments:
                v = values.get(s, 0)
                if v <= 0:
                    continue
                ax.bar(j, v, 0.8, bottom=bottom, color=colors[s],
                       hatch="//" if single_level(r) else "",
                       label=None if s in drawn else s, edgecolor="white", linewidth=0.5)
                drawn.add(s)
                bottom += v
            ax.text(j, bottom, "%.1f" % factor, ha="center", va="bottom", fontsize=7)
        floor = ax.axhline(2, color="black", linestyle=":", linewidth=1)
        ax.set_xticks(range(len(configs)), configs, rotation=55, ha="right", fontsize=7)
        ax.set_xlim(-0.6, len(configs) - 0.4)
        ax.set_title(xlabel(w).replace("\n", " "), fontsize=10)
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
        if n % cols == 0:
            ax.set_ylabel("L0 exits per L2 exit (count)")
    handles, labels = finish_panels(axes, len(workloads))
    keep = [(h, lab) for s in segments for h, lab in zip(handles, labels) if lab == s]
    keep.append((floor, "floor: 2 (L2 exit + L1's VMRESUME)"))
    right = panels / (panels + LEGEND_INCHES)
    fig.legend([h for h, _ in keep], [lab for _, lab in keep], title="L0 exit (level, reason);\n"
               "hatched: single level, 1 by definition", fontsize=8, title_fontsize=8,
               loc="upper left", bbox_to_anchor=(right, 0.93))
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0, right, 0.96))
    return save(fig, out_dir, "exit_multiplication")


def plot_cycles(rows, out_dir, styles):
    """(2) Cycles per L2 operation over single level's, one panel per workload (each with its own
    scale: a CPUID costs 30 times single level's nested, a port write 5 times), one bar per
    configuration."""
    rows = [r for r in first_repeat(rows)
            if r["role"] != "baseline" and r["ratio_to_single_level"] is not None]
    title = "Cost of one L2 operation relative to single level"
    if not rows:
        return no_data(out_dir, "cycles_ratio", title, "cycles of both single level and another "
                       "configuration")
    workloads, configs = order(rows)
    cols = min(3, len(workloads))
    nrows = -(-len(workloads) // cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(cols * (1.2 + 0.42 * len(configs)),
                                                   nrows * 4.6), squeeze=False)
    by = {(r["workload"], r["configuration"]): r for r in rows}
    for n, w in enumerate(workloads):
        ax = axes[n // cols][n % cols]
        for j, c in enumerate(configs):
            r = by.get((w, c))
            if r is None:
                continue
            ratio = r["ratio_to_single_level"]
            ax.bar(j, ratio, 0.8, color=styles[c][0], hatch=styles[c][1], edgecolor="black",
                   linewidth=0.5)
            ax.text(j, ratio, "%.1fx\n%.0f" % (ratio, r["cycles_per_iteration"]), ha="center",
                    va="bottom", fontsize=6)
        ax.axhline(1, color="black", linewidth=1)
        ax.set_xticks(range(len(configs)), configs, rotation=55, ha="right", fontsize=7)
        ax.set_xlim(-0.6, len(configs) - 0.4)
        ax.margins(y=0.18)
        ax.set_title(xlabel(w).replace("\n", " "), fontsize=10)
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
        if n % cols == 0:
            ax.set_ylabel("cycles per L2 operation / single level's (x)")
    finish_panels(axes, len(workloads))
    fig.suptitle(title + " (label: ratio, and TSC cycles per iteration; line: single level = 1)")
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    return save(fig, out_dir, "cycles_ratio")


def plot_episodes(rows, out_dir, styles):
    """(3) Episodes by their length (L1 exits between an L2 exit and L2's next entry), as a
    share of each configuration's episodes, one panel per workload."""
    title = "Episode lengths: L1 exits from an L2 exit reflected to L1 until L2 runs again"
    rows = [r for r in first_repeat(rows) if r["l0_episodes"] and r["l0_episodes"].get("lengths")]
    if not rows:
        return no_data(out_dir, "episode_lengths", title, "episodes")
    workloads, configs = order(rows)
    cols = min(3, max(1, len(workloads)))
    nrows = -(-len(workloads) // cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(4.2 * cols, 3.2 * nrows), squeeze=False,
                             sharex=True)
    by = {(r["workload"], r["configuration"]): r for r in rows}
    longest = max((int(k) for r in rows for k in r["l0_episodes"]["lengths"]), default=1)
    for n, w in enumerate(workloads):
        ax = axes[n // cols][n % cols]
        present = [c for c in configs if (w, c) in by]
        width = 0.8 / max(len(present), 1)
        for j, c in enumerate(present):
            lengths = {int(k): v for k, v in by[(w, c)]["l0_episodes"]["lengths"].items()}
            total = sum(lengths.values())
            xs = sorted(lengths)
            ax.bar([k + (j - (len(present) - 1) / 2) * width for k in xs],
                   [100 * lengths[k] / total for k in xs], width,
                   color=styles[c][0], hatch=styles[c][1], edgecolor="black",
                   linewidth=0.5, label=c)
        ax.set_title(xlabel(w).replace("\n", " "), fontsize=10)
        ax.set_xlabel("L1 exits per episode")
        ax.set_ylabel("episodes (%, log scale)")
        # log: the few episodes at the workload's start and end stay visible beside the bulk
        ax.set_yscale("log")
        ax.set_ylim(0.1, 150)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: "%g" % v))
        ax.set_xlim(0, longest + 1)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.xaxis.set_tick_params(labelbottom=True)
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
    handles, labels = finish_panels(axes, len(workloads))
    fig.legend(handles, labels, title="configuration", loc="upper left", fontsize=8,
               bbox_to_anchor=(0.81, 0.93))
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0, 0.8, 0.95))
    return save(fig, out_dir, "episode_lengths")


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: plot.py RESULTS.json OUT_DIR")
    with open(argv[1]) as f:
        rows = json.load(f)
    os.makedirs(argv[2], exist_ok=True)
    styles = config_styles(rows)
    for draw in (plot_multiplication, plot_cycles, plot_episodes):
        for path in draw(rows, argv[2], styles):
            print(path)


if __name__ == "__main__":
    main(sys.argv)
