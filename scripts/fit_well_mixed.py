#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Refits one parameter of the human-milk model on its well-mixed reduction (run.mode = well_mixed,
docs/human-milk-model.md "Well-mixed mode"): the secant method on one configuration value so that the
outlet milk's mean over a period matches a calibration row. Each evaluation is one well-mixed run
(~0.1 s for a simulated day), so a fit takes seconds; check the result on the 3-D model afterwards
(docs/human-milk-model.md "What was fitted" says how far the two differ).

The mature volume (calibration row "volume, mature": 780 mL/day) through the lactose synthesis rate:

    python3 scripts/fit_well_mixed.py --set transporter.lactose_exocytosis.Vmax_umol_per_m2_s={F} \\
        --start 0.6 --column gland_milk_mL_per_day --period 1 2 --target 780

Lactoferrin's schedule factor at 240 h (row "lactoferrin, days 6-14": 3.1 g/L), secretory activation
from birth as the validation runs it:

    python3 scripts/fit_well_mixed.py --scenario secretory_activation \\
        --set "transporter.lactoferrin_secretion.schedule_h=0:1.0, 48:1.0, 240:{F}, 360:1" \\
        --start 1.5 --column outlet_lactoferrin_g_per_L --period 120 336 --target 3.1

The osmoles of early milk (issue #19 item 2; docs/human-milk-model.md): a pathway's level before
activation against a row at an hour (the hour ending at H: --period H-1 H), e.g. citrate on day 1,

    python3 scripts/fit_well_mixed.py --scenario secretory_activation \
        --set "transporter.citrate_secretion.schedule_h=0:{F}, 36:{F}, 120:1" \
        --start 0.02 --column outlet_citrate_mM --period 23 24 --target 0.25

and likewise Ca_secretion (outlet_Ca_mM, 5.71), HMO_synthesis (outlet_HMO_mM over --period 24 120,
23.846 mM = 15.5 g/L at 650 g/mol), junctions.open_factor (outlet_lactose_mM at 24 h, 76) and
junctions.closure_fast_fraction (outlet_Na_mM at 72 h, 23.05), alternated until all hold; concentrations
of steady lactation over --period 24 48 (the lumen's start-up is over by then).

--set KEY=VALUE holds {F} where the fitted value goes; --period START END (h) is the window whose hourly
outlet values are averaged (as docs/validation.md computes a model value). The steady scenario is run
for END hours; secretory_activation from birth (schedule_offset_h = 0). Stops within --rel of the
target; prints every evaluation and the line to put in the configuration.
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def period_mean(args, value, workdir):
    out = os.path.join(workdir, f"F_{value:.9g}")
    key, template = args.set.split("=", 1)
    cmd = [args.lactosim, "run", os.path.join(ROOT, "configs", "models", "human_milk.ini"),
           os.path.join(ROOT, "configs", "scenarios", args.scenario + ".ini"),
           f"--{key}={template.replace('{F}', f'{value:.9g}')}", "--run.mode=well_mixed",
           f"--run.end_time_s={int(args.period[1] * 3600)}", "--run.output_interval_s=3600",
           f"--run.rel_tol={args.rel_tol:g}", f"--run.abs_tol_mM={args.rel_tol / 100:g}",
           "--quiet", "-o", out, "--overwrite"]
    if args.scenario == "secretory_activation":
        cmd.append("--run.schedule_offset_h=0")
    subprocess.run(cmd, check=True)
    with open(os.path.join(out, "timeseries.csv"), newline="") as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    vals = [float(r[args.column]) for r in rows
            if args.period[0] * 3600 + 1 < float(r["time_s"]) <= args.period[1] * 3600 + 1]
    return sum(vals) / len(vals)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--set", required=True, help="KEY=VALUE with {F} where the fitted value goes")
    p.add_argument("--start", type=float, required=True)
    p.add_argument("--column", required=True)
    p.add_argument("--period", type=float, nargs=2, required=True, metavar=("START_H", "END_H"))
    p.add_argument("--target", type=float, required=True)
    p.add_argument("--scenario", default="steady_lactation", choices=["steady_lactation", "secretory_activation"])
    p.add_argument("--rel", type=float, default=1e-4)
    # CVODE's tolerance: the well-mixed run costs little, so it is set far below the fit's --rel.
    p.add_argument("--rel-tol", type=float, default=1e-7)
    p.add_argument("--lactosim", default=os.path.join(ROOT, "build", "lactosim"))
    p.add_argument("--max-evaluations", type=int, default=12)
    args = p.parse_args()
    if "{F}" not in args.set or "=" not in args.set:
        p.error("--set needs KEY=VALUE with {F} in VALUE")
    key, template = args.set.split("=", 1)
    with tempfile.TemporaryDirectory() as workdir:
        x0 = args.start
        y0 = period_mean(args, x0, workdir) - args.target
        print(f"F = {x0:.9g}: mean {y0 + args.target:.7g} (target {args.target:g})", flush=True)
        x1 = x0 * args.target / (y0 + args.target)  # first guess: the mean proportional to F
        for _ in range(args.max_evaluations - 1):
            if abs(y0) <= args.rel * abs(args.target):
                print(f"fitted: {key} = {template.replace('{F}', f'{x0:.4g}')}")
                return 0
            y1 = period_mean(args, x1, workdir) - args.target
            print(f"F = {x1:.9g}: mean {y1 + args.target:.7g}", flush=True)
            if y1 == y0:
                break
            x0, y0, x1 = x1, y1, x1 - y1 * (x1 - x0) / (y1 - y0)
        if abs(y0) <= args.rel * abs(args.target):
            print(f"fitted: {key} = {template.replace('{F}', f'{x0:.4g}')}")
            return 0
    print("not converged", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
