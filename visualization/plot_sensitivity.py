#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Local sensitivities of the human-milk model's continuous run from birth, as bands (issue #19 item 6).

    python3 visualization/plot_sensitivity.py [--continuous RUNDIR/continuous_activation] [-o docs/sensitivity.png]
                                              [--change 0.1] [--top 10] [--lactosim build/lactosim]

For every candidate parameter p below, one run of the well-mixed reduction (run.mode = well_mixed,
docs/human-milk-model.md "Well-mixed mode"; secretory activation from birth to day 14, hourly, rel_tol
1e-7) with p × (1 + change) against the base run gives, at every hour t and for every output y, the
local (logarithmic) sensitivity S_p,y(t) = [ln y(p(1 + change)) − ln y(p)] / ln(1 + change). The
parameters are ranked by the mean of |S| over the outputs and the hours from 24 h on; the ten most
influential make the band
    y(t) · exp(± ln(1 + change) · sqrt(Σ_p S_p,y(t)²)),
the first-order spread of y when each of them is off by the factor (1 + change) independently — not a
confidence interval (no parameter here has a measured distribution). The band is drawn around the 3-D
continuous run (--continuous: its timeseries.csv, as docs/validation.md's figure) where given, else
around the well-mixed base run. The reduced model stands in for the 3-D one in the sensitivities: the
two agree within 0.5 % on steady lactation (WellMixed.SteadyLactationOutletMilkAgreesWithThe3DModel…).
Prints the ranking as a markdown table. Needs matplotlib (python3-matplotlib).
"""
import argparse
import csv
import math
import os
import re
import subprocess
import sys
import tempfile

from system_python import reexec_with_system_python

reexec_with_system_python("matplotlib")  # the figure needs Debian's python3-matplotlib (BUILD-NOTES)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = os.path.join(ROOT, "configs", "models", "human_milk.ini")
SCENARIO = os.path.join(ROOT, "configs", "scenarios", "secretory_activation.ini")
DAYS = 14

# Candidates: (label, [config keys changed together]). Values are read from the model or scenario file,
# so the script follows the configuration. The junction permeabilities move together (one factor keeps
# their size selectivity, as the scenarios do).
JUNCTION_SPECIES = ["Na", "K", "Cl", "glucose", "lactose", "citrate", "Ca", "phosphate"]
CANDIDATES = [
    ("lactose synthesis Vmax", ["transporter.lactose_exocytosis.Vmax_umol_per_m2_s"]),
    ("fat secretion", ["transporter.fat_secretion.Vmax_umol_per_m2_s"]),
    ("lactoferrin secretion", ["transporter.lactoferrin_secretion.Vmax_umol_per_m2_s"]),
    ("pIgR uptake Vmax", ["transporter.pIgR_uptake.Vmax_umol_per_m2_s"]),
    ("pIgR release k", ["transporter.pIgR_release.k_um_per_s"]),
    ("Na,K-ATPase Vmax", ["transporter.NaK_ATPase.Vmax_umol_per_m2_s"]),
    ("NKCC1 Vmax", ["transporter.NKCC1.Vmax_umol_per_m2_s"]),
    ("basolateral K channel", ["transporter.basolateral_K_channel.P_um_per_s"]),
    ("basolateral Na leak", ["transporter.basolateral_Na_leak.P_um_per_s"]),
    ("basolateral Cl channel", ["transporter.basolateral_Cl_channel.P_um_per_s"]),
    ("GLUT1 Vmax", ["transporter.GLUT1.Vmax_umol_per_m2_s"]),
    ("apical Na channel", ["transporter.apical_Na_channel.P_um_per_s"]),
    ("apical K channel", ["transporter.apical_K_channel.P_um_per_s"]),
    ("apical Cl channel", ["transporter.apical_Cl_channel.P_um_per_s"]),
    ("apical GLUT1 Vmax", ["transporter.apical_GLUT1.Vmax_umol_per_m2_s"]),
    ("apical water Lp", ["membrane.apical.Lp_m_per_s_Pa"]),
    ("capillary wall P", ["transporter.capillary_wall.P_um_per_s"]),
    ("glucose oxidation Vmax", ["reaction.glucose_oxidation.Vmax_mM_per_s"]),
    ("junction permeabilities", [f"transporter.junction_{s}.P_um_per_s" for s in JUNCTION_SPECIES]),
    ("junctions' openness at birth", ["junctions.open_factor"]),
    ("fast closure time constant", ["junctions.closure_fast_time_constant_h"]),
    ("slow closure time constant", ["junctions.closure_slow_time_constant_h"]),
    # Issue #19 item 2 and later: the osmoles of early milk, each on a pathway of its own, and the
    # closure's split (fitted with J₀ to lactose at 24 h and Na at 72 h). The fast fraction f is bounded
    # by 1, so its change is taken on the slow tail's share 1 − f (COMPLEMENT): f × 1.1 would be
    # 0.8487 → 0.934, cutting the slow tail by 56 % (and f ≥ 0.91 could not be scaled at all).
    ("closure slow-tail share (1 − fast fraction)", ["junctions.closure_fast_fraction"]),
    ("HMO synthesis Vmax", ["transporter.HMO_synthesis.Vmax_umol_per_m2_s"]),
    ("citrate secretion Vmax", ["transporter.citrate_secretion.Vmax_umol_per_m2_s"]),
    ("Ca secretion Vmax", ["transporter.Ca_secretion.Vmax_umol_per_m2_s"]),
    ("phosphate secretion Vmax", ["transporter.phosphate_secretion.Vmax_umol_per_m2_s"]),
    # The pathways' levels before activation (secretory_activation.ini): a schedule's level is every
    # point but the last (the mature factor 1, which the Vmax above already scales).
    ("lactose synthesis level before activation", ["transporter.lactose_exocytosis.schedule_h"]),
    ("HMO level before activation", ["transporter.HMO_synthesis.schedule_h"]),
    ("citrate level before activation", ["transporter.citrate_secretion.schedule_h"]),
    ("Ca level before activation", ["transporter.Ca_secretion.schedule_h"]),
    ("phosphate level before activation", ["transporter.phosphate_secretion.schedule_h"]),
]
OUTPUTS = [("outlet_Na_mM", "Na (mM)"), ("outlet_K_mM", "K (mM)"), ("outlet_lactose_mM", "lactose (mM)"),
           ("gland_milk_mL_per_day", "milk volume (mL/day)"), ("outlet_sIgA_g_per_L", "sIgA (g/L)"),
           ("outlet_lactoferrin_g_per_L", "lactoferrin (g/L)")]


def config_values(paths):
    """section.key -> value text, later files overriding earlier ones (comments after # dropped)."""
    values, section = {}, None
    for path in paths:
        for line in open(path, encoding="utf-8"):
            text = line.split("#", 1)[0].strip()
            m = re.match(r"\[(.+)\]$", text)
            if m:
                section = m.group(1).strip()
            elif "=" in text and section:
                key, value = (x.strip() for x in text.split("=", 1))
                values[f"{section}.{key}"] = value
    return values


COMPLEMENT = {"junctions.closure_fast_fraction"}  # fractions in [0, 1] whose complement is scaled


def changed(key, text, factor):
    """The value of key × factor; for a fraction in COMPLEMENT, 1 − (1 − value) × factor; for a schedule
    ("h:v, h:v, …") every point's value but the last."""
    if key in COMPLEMENT:
        return f"{1 - (1 - float(text)) * factor:.9g}"
    if not key.endswith("schedule_h"):
        return f"{float(text) * factor:.9g}"
    points = [p.split(":") for p in text.split(",")]
    return ", ".join(f"{h.strip()}:{float(v) * factor:.9g}" if i < len(points) - 1 else f"{h.strip()}:{v.strip()}"
                     for i, (h, v) in enumerate(points))


def run(lactosim, overrides, out):
    cmd = [lactosim, "run", MODEL, SCENARIO, "--run.mode=well_mixed", "--run.schedule_offset_h=0",
           f"--run.end_time_s={DAYS * 86400}", "--run.output_interval_s=3600", "--run.rel_tol=1e-7",
           "--run.abs_tol_mM=1e-9", "--quiet", "-o", out, "--overwrite"] + [f"--{k}={v}" for k, v in overrides]
    subprocess.run(cmd, check=True)
    return read(os.path.join(out, "timeseries.csv"))


def read(path):
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    return [{k: float(v) for k, v in r.items() if v not in ("", None)} for r in rows]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--continuous", help="the 3-D continuous activation run's folder (its timeseries.csv)")
    p.add_argument("-o", "--output", default=os.path.join(ROOT, "docs", "sensitivity.png"))
    p.add_argument("--change", type=float, default=0.1, help="relative change of each parameter (default 0.1)")
    p.add_argument("--top", type=int, default=10)
    p.add_argument("--lactosim", default=os.path.join(ROOT, "build", "lactosim"))
    args = p.parse_args()
    values = config_values([MODEL, SCENARIO])
    with tempfile.TemporaryDirectory() as work:
        base = run(args.lactosim, [], os.path.join(work, "base"))
        hours = [r["time_s"] / 3600 for r in base]
        sens = {}
        for label, keys in CANDIDATES:
            missing = [k for k in keys if k not in values]
            if missing:
                print(f"skipped {label}: {', '.join(missing)} not in the configuration", file=sys.stderr)
                continue
            rows = run(args.lactosim, [(k, changed(k, values[k], 1 + args.change)) for k in keys],
                       os.path.join(work, "p"))
            s = {}
            for col, _ in OUTPUTS:
                s[col] = [(math.log(r[col] / b[col]) / math.log(1 + args.change)) if b[col] > 0 and r[col] > 0 else 0.0
                          for r, b in zip(rows, base)]
            sens[label] = s
    late = [i for i, h in enumerate(hours) if h >= 24]
    influence = {label: sum(abs(s[col][i]) for col, _ in OUTPUTS for i in late) / (len(OUTPUTS) * len(late))
                 for label, s in sens.items()}
    ranked = sorted(influence, key=influence.get, reverse=True)
    top = ranked[:args.top]
    print(f"| rank | parameter (× {1 + args.change:g}) | mean abs(S) from 24 h | "
          + " | ".join(f"S {name} at 120 h" for _, name in OUTPUTS) + " |")
    print("|---|---|---:|" + "---:|" * len(OUTPUTS))
    i120 = min(range(len(hours)), key=lambda i: abs(hours[i] - 120))
    for n, label in enumerate(ranked, 1):
        print(f"| {n}{' (band)' if label in top else ''} | {label} | {influence[label]:.3f} | "
              + " | ".join(f"{sens[label][col][i120]:+.2f}" for col, _ in OUTPUTS) + " |")

    centre = base
    if args.continuous:
        three_d = {round(r["time_s"] / 3600): r for r in read(os.path.join(args.continuous, "timeseries.csv"))}
        centre = [three_d.get(round(h), b) for h, b in zip(hours, base)]
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(2, 3, figsize=(13, 7.5))
    lnf = math.log(1 + args.change)
    for ax, (col, name) in zip(axes.flat, OUTPUTS):
        y = [r[col] for r in centre]
        spread = [math.sqrt(sum(sens[label][col][i] ** 2 for label in top)) for i in range(len(hours))]
        lo = [v * math.exp(-lnf * s) for v, s in zip(y, spread)]
        hi = [v * math.exp(lnf * s) for v, s in zip(y, spread)]
        days = [h / 24 for h in hours]
        ax.fill_between(days[1:], lo[1:], hi[1:], color="tab:green", alpha=0.25,
                        label=f"top {len(top)} parameters × {1 + args.change:g}, first order")
        ax.plot(days[1:], y[1:], color="tab:green", label="3-D continuous run" if args.continuous else "well-mixed run")
        ax.set_xlabel("day after birth")
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
    axes.flat[0].legend(fontsize=8)
    fig.suptitle("lactosim human-milk model: secretory activation from birth, with local sensitivities as bands")
    fig.tight_layout()
    fig.savefig(args.output, dpi=110)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
