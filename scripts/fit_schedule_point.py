#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Refits one point of a schedule so that a period mean of the continuous run matches a calibration
row (docs/validation.md "What a model value is"): the secant method on the schedule's value at one
hour, each evaluation one run of the stiff integrator from birth (~95 s on 2 threads).

    python3 scripts/fit_schedule_point.py --section transporter.lactoferrin_secretion \\
        --schedule "0:1.0, 48:1.0, 240:{F}, 360:1" --start 1.55 \\
        --column outlet_lactoferrin_g_per_L --period 120 336 --target 3.1 [--lactosim build/lactosim]

The schedule is given with {F} where the fitted value goes; the run is secretory activation from birth
to the period's end with hourly outputs (configs/models/human_milk.ini + configs/scenarios/
secretory_activation.ini, run.integrator = bdf at --rel-tol, default 1e-3). The model value is the time mean of the hourly
outlet values over (period start, period end], as the validation computes it. Stops when it is
within --rel 0.005 of the target; prints every evaluation and the fitted value to put in the config.
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def period_mean(args, value, workdir):
    out = os.path.join(workdir, f"F_{value:.6g}")
    schedule = args.schedule.replace("{F}", f"{value:.6g}")
    cmd = [args.lactosim, "run", os.path.join(ROOT, "configs", "models", "human_milk.ini"),
           os.path.join(ROOT, "configs", "scenarios", "secretory_activation.ini"),
           f"--{args.section}.schedule_h={schedule}", "--run.schedule_offset_h=0", "--run.integrator=bdf",
           f"--run.end_time_s={int(args.period[1] * 3600)}", "--run.output_interval_s=3600",
           f"--run.rel_tol={args.rel_tol:g}", f"--run.abs_tol_mM={args.rel_tol / 100:g}",
           f"--run.threads={args.threads}", "--quiet", "-o", out, "--overwrite"]
    subprocess.run(cmd, check=True)
    with open(os.path.join(out, "timeseries.csv"), newline="") as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    vals = [float(r[args.column]) for r in rows
            if args.period[0] * 3600 + 1 < float(r["time_s"]) <= args.period[1] * 3600 + 1]
    return sum(vals) / len(vals)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--section", required=True)
    p.add_argument("--schedule", required=True)
    p.add_argument("--start", type=float, required=True)
    p.add_argument("--column", required=True)
    p.add_argument("--period", type=float, nargs=2, required=True)
    p.add_argument("--target", type=float, required=True)
    p.add_argument("--rel", type=float, default=0.005)
    # The integrator's tolerance: at the model's 1e-2 the period mean moves by ~2 % between nearby F
    # (a different step sequence), more than the fit's own tolerance; 1e-3 leaves ~0.03 %.
    p.add_argument("--rel-tol", type=float, default=1e-3)
    p.add_argument("--lactosim", default=os.path.join(ROOT, "build", "lactosim"))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--max-evaluations", type=int, default=6)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        x0 = args.start
        y0 = period_mean(args, x0, workdir) - args.target
        print(f"F = {x0:.6g}: mean {y0 + args.target:.5g} (target {args.target:g})", flush=True)
        if abs(y0) <= args.rel * args.target:
            print(f"fitted: {args.section} schedule_h = {args.schedule.replace('{F}', f'{x0:.3g}')}")
            return 0
        x1 = x0 * args.target / (y0 + args.target)  # first guess: the mean proportional to F
        for _ in range(args.max_evaluations - 1):
            y1 = period_mean(args, x1, workdir) - args.target
            print(f"F = {x1:.6g}: mean {y1 + args.target:.5g}", flush=True)
            if abs(y1) <= args.rel * args.target:
                print(f"fitted: {args.section} schedule_h = {args.schedule.replace('{F}', f'{x1:.3g}')}")
                return 0
            x0, y0, x1 = x1, y1, x1 - y1 * (x1 - x0) / (y1 - y0)
    print("not converged", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
