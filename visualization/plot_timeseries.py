#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Plot columns of a lactosim timeseries.csv against time, into a PNG.

    python3 visualization/plot_timeseries.py OUTDIR [--columns PATTERN ...] [-o out.png]

Default: the mean concentration in every compartment, one subplot per species — the columns named
`mean_<species>_mM.<compartment>` (`_g_per_L` for a g/L species; host/app/run_outputs.cpp). With --columns, each PATTERN (a shell
glob such as 'mean_Na_mM.*' or 'outlet_flow*') makes one subplot holding every column it matches.
The time axis is the `time_s` column (else the first column), shown in s, h or days by its span.
Writes OUTDIR/timeseries.png unless -o is given. Needs matplotlib (python3-matplotlib).
"""
import argparse
import csv
import fnmatch
import math
import os
import re
import sys

from system_python import reexec_with_system_python


reexec_with_system_python("matplotlib")

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt  # noqa: E402

MEAN_COLUMN = re.compile(r"^mean_(?P<species>.+)_(?P<unit>mM|g_per_L)\.(?P<compartment>[^.]+)$")


def read_csv(path):
    """Header and columns as lists of floats (unparsable fields become NaN, so a plot still comes)."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        sys.exit(f"plot_timeseries.py: {path} is empty")
    header = rows[0]
    columns = {name: [] for name in header}
    for row in rows[1:]:
        if len(row) != len(header):
            continue  # a damaged row: skip it rather than shift the columns
        for name, field in zip(header, row):
            try:
                columns[name].append(float(field))
            except ValueError:
                columns[name].append(math.nan)
    return header, columns


def time_axis(header, columns):
    name = "time_s" if "time_s" in columns else header[0]
    times = columns[name]
    if name != "time_s":
        return name, times, name
    span = max(times) - min(times) if times else 0.0
    if span > 2 * 86400:
        return name, [t / 86400 for t in times], "time (days)"
    if span > 2 * 3600:
        return name, [t / 3600 for t in times], "time (h)"
    return name, times, "time (s)"


def default_panels(header):
    """One panel per species, one line per compartment."""
    panels = {}
    for name in header:
        match = MEAN_COLUMN.match(name)
        if match:
            panels.setdefault(f"{match['species']} ({'g/L' if match['unit'] == 'g_per_L' else 'mM'})", []).append((name, match["compartment"]))
    return panels


def pattern_panels(header, patterns, time_name):
    panels = {}
    for pattern in patterns:
        matched = [n for n in header if n != time_name and fnmatch.fnmatchcase(n, pattern)]
        if not matched:
            print(f"plot_timeseries.py: no column matches '{pattern}'", file=sys.stderr)
            continue
        panels[pattern] = [(name, name) for name in matched]
    return panels


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("outdir", help="a lactosim output folder, or a timeseries.csv")
    parser.add_argument("--columns", nargs="+", metavar="PATTERN", help="glob(s), one subplot each")
    parser.add_argument("-o", "--output", help="PNG to write (default OUTDIR/timeseries.png)")
    args = parser.parse_args()

    csv_path = args.outdir if os.path.isfile(args.outdir) else os.path.join(args.outdir, "timeseries.csv")
    if not os.path.isfile(csv_path):
        sys.exit(f"plot_timeseries.py: {csv_path} not found")
    header, columns = read_csv(csv_path)
    time_name, times, time_label = time_axis(header, columns)

    if args.columns:
        panels = pattern_panels(header, args.columns, time_name)
    else:
        panels = default_panels(header)
        if not panels:
            sys.exit(f"plot_timeseries.py: {csv_path} has no mean_<species>_<unit>.<compartment> columns; "
                     "choose some with --columns")
    if not panels:
        sys.exit("plot_timeseries.py: nothing to plot")

    count = len(panels)
    ncols = 1 if count < 4 else 2
    nrows = math.ceil(count / ncols)
    figure, axes = plt.subplots(nrows, ncols, figsize=(6.5 * ncols, 2.8 * nrows), sharex=True,
                                squeeze=False)
    for axis, (title, lines) in zip(axes.flat, panels.items()):
        for name, label in lines:
            axis.plot(times, columns[name], label=label, linewidth=1.4)
        axis.set_title(title, fontsize=10)
        axis.grid(True, alpha=0.3)
        axis.legend(fontsize=8, loc="best")
    for axis in list(axes.flat)[count:]:
        axis.set_visible(False)
    for axis in axes[-1]:
        axis.set_xlabel(time_label)
    figure.tight_layout()

    output = args.output or os.path.join(os.path.dirname(csv_path) or ".", "timeseries.png")
    # Rename into place: an interrupted plot never leaves a truncated PNG that looks whole.
    temporary = os.path.join(os.path.dirname(output) or ".", f".{os.path.basename(output)}.tmp.{os.getpid()}")
    try:
        figure.savefig(temporary, dpi=120, format="png")
        os.replace(temporary, output)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    print(output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
