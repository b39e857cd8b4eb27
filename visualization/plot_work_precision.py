#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Work-precision diagram (issue #14; docs/numerics.md): error against wall time for each integrator,
one panel per problem, from the CSV files bench/work-precision.sh writes.

    python3 visualization/plot_work_precision.py A.csv [B.csv ...] [-o docs/work_precision.png]

Each CSV: a first comment line naming the problem ("# steady_lactation, 1800 s simulated; ..."), then
integrator,rel_tol,steps,wall_s,error[,balance_error] (rel_tol may be a label such as "dt 15 s" for a
fixed-step run). Points are labelled with it. Needs
matplotlib (python3-matplotlib).
"""
import argparse
import csv
import os
import re
import sys


from system_python import reexec_with_system_python


def tolerance_of(label):
    """The number in a rel_tol or "dt 15 s" label: the points of one integrator are joined loosest
    first."""
    return float(re.search(r"[-+0-9.eE]+", label).group(0))


def read(path):
    with open(path, newline="", encoding="utf-8") as handle:
        title = handle.readline().lstrip("# ").strip()
        rows = list(csv.DictReader(handle))
    return title, rows


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("csv", nargs="+")
    p.add_argument("-o", "--output", default="work_precision.png")
    args = p.parse_args()
    reexec_with_system_python("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(args.csv), figsize=(6 * len(args.csv), 4.8), squeeze=False)
    style = {"bdf": ("o-", "C0", "stiff (bdf, CVODES)"), "split": ("s--", "C3", "split (implicit LOD, extrapolated)"),
             "split3": ("^--", "C1", "split, time_order 3"), "split4": ("v--", "C2", "split, time_order 4")}
    for ax, path in zip(axes.flat, args.csv):
        title, rows = read(path)
        for integrator, (fmt, colour, label) in style.items():
            pts = sorted(((float(r["wall_s"]), float(r["error"]), r["rel_tol"]) for r in rows
                          if r["integrator"] == integrator and float(r["error"]) > 0), key=lambda t: -tolerance_of(t[2]))
            if not pts:
                continue
            ax.plot([w for w, _, _ in pts], [e for _, e, _ in pts], fmt, color=colour, label=label)
            for w, e, tol in pts:
                ax.annotate(tol, (w, e), textcoords="offset points", xytext=(4, 4), fontsize=8, color=colour)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("wall time (s, 2 threads)")
        ax.set_ylabel("relative error")
        ax.set_title(title.replace("; ", "\n"), fontsize=9)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(args.output, dpi=110)
    print("wrote", args.output, file=sys.stderr)


if __name__ == "__main__":
    main()
