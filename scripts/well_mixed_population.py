#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A population of virtual mothers on the well-mixed model (run.mode = well_mixed, docs/human-milk-model.md
"Well-mixed mode"): each mother is the human-milk model with some parameters drawn from ranges, run for a
simulated day; her milk is the outlet milk of the last hour. Standard library only.

    python3 scripts/well_mixed_population.py --mothers 100 --seed 1 \\
        --vary transporter.lactose_exocytosis.Vmax_umol_per_m2_s=0.5:0.8 \\
        --vary transporter.fat_secretion.Vmax_umol_per_m2_s=0.02:0.05 \\
        --vary transporter.junction_Na.P_um_per_s=1e-6:1e-5:log \\
        -o population.csv

--vary KEY=LOW:HIGH draws uniformly, KEY=LOW:HIGH:log log-uniformly (any configuration key that takes a
number, with the unit its name says); with no --vary, the three above. Each mother is one lactosim
process (~0.1 s of CPU for a day); --jobs runs that many at once. Writes one row per mother: the drawn
values, then the milk columns; prints each column's median and 5th–95th percentiles and the wall time.
"""
import argparse
import concurrent.futures
import csv
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_VARY = ["transporter.lactose_exocytosis.Vmax_umol_per_m2_s=0.5:0.8",
                "transporter.fat_secretion.Vmax_umol_per_m2_s=0.02:0.05",
                "transporter.junction_Na.P_um_per_s=1e-6:1e-5:log"]
MILK = ["gland_milk_mL_per_day", "outlet_Na_mM", "outlet_K_mM", "outlet_Cl_mM", "outlet_lactose_mM",
        "outlet_citrate_mM", "outlet_Ca_mM", "outlet_phosphate_mM", "outlet_fat_g_per_L", "outlet_sIgA_g_per_L",
        "outlet_lactoferrin_g_per_L", "milk_osmolarity_mOsm_per_L", "milk_Na_to_K", "transepithelial_potential_mV"]


def parse_vary(text):
    key, _, span = text.partition("=")
    parts = span.split(":")
    if not key or len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] != "log"):
        raise argparse.ArgumentTypeError(f"--vary {text}: expected KEY=LOW:HIGH or KEY=LOW:HIGH:log")
    low, high = float(parts[0]), float(parts[1])
    log = len(parts) == 3
    if not (low <= high) or (log and low <= 0):
        raise argparse.ArgumentTypeError(f"--vary {text}: need LOW <= HIGH (and LOW > 0 for log)")
    return key, low, high, log


def draw(rng, low, high, log):
    if log:
        return 10 ** rng.uniform(math.log10(low), math.log10(high))
    return rng.uniform(low, high)


def mother(args, index, values, workdir):
    out = os.path.join(workdir, f"mother_{index}")
    cmd = [args.lactosim, "run", os.path.join(ROOT, "configs", "models", "human_milk.ini"),
           os.path.join(ROOT, "configs", "scenarios", "steady_lactation.ini"), "--run.mode=well_mixed",
           # Rows at END − 1 h and END only (each row rewrites timeseries.csv with an fsync): the last row
           # is then the outlet milk of the last hour.
           f"--run.end_time_s={int(args.hours * 3600)}", f"--run.output_interval_s={int(args.hours * 3600) - 3600}",
           f"--run.rel_tol={args.rel_tol:g}", f"--run.abs_tol_mM={args.rel_tol / 100:g}", "--quiet", "-o", out]
    cmd += [f"--{key}={value:.6g}" for key, value in values.items()]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        return index, values, None, done.stderr.strip()
    with open(os.path.join(out, "timeseries.csv"), newline="") as handle:
        last = list(csv.DictReader(line for line in handle if not line.startswith("#")))[-1]
    return index, values, {c: float(last[c]) for c in MILK if c in last}, ""


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--mothers", type=int, default=100)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--vary", type=parse_vary, action="append")
    p.add_argument("--hours", type=float, default=24.0, help="simulated time per mother (h), >= 2")
    p.add_argument("--rel-tol", type=float, default=1e-6)
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--lactosim", default=os.path.join(ROOT, "build", "lactosim"))
    p.add_argument("-o", "--output", default="population.csv")
    args = p.parse_args()
    if args.hours < 2:
        p.error("--hours must be >= 2")
    vary = args.vary or [parse_vary(v) for v in DEFAULT_VARY]
    rng = random.Random(args.seed)
    draws = [{key: draw(rng, low, high, log) for key, low, high, log in vary} for _ in range(args.mothers)]
    start = time.monotonic()
    results = []
    with tempfile.TemporaryDirectory() as workdir, concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for index, values, milk, error in pool.map(lambda iv: mother(args, iv[0], iv[1], workdir), enumerate(draws)):
            if milk is None:
                print(f"mother {index} failed: {error}", file=sys.stderr)
            results.append((index, values, milk))
    wall = time.monotonic() - start
    columns = sorted({c for _, _, m in results if m for c in m}, key=MILK.index)
    keys = [key for key, *_ in vary]
    with open(args.output, "w", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(["mother"] + keys + columns)
        for index, values, milk in results:
            w.writerow([index] + [f"{values[k]:.6g}" for k in keys] + ([f"{milk[c]:.7g}" for c in columns] if milk else []))
    good = [m for _, _, m in results if m]
    print(f"{len(good)} of {args.mothers} mothers in {wall:.1f} s wall ({args.jobs} at once); wrote {args.output}")
    for c in columns:
        v = sorted(m[c] for m in good)
        q = statistics.quantiles(v, n=20) if len(v) >= 2 else [v[0]] * 19
        print(f"  {c:30s} median {statistics.median(v):10.4g}   5-95 %: {q[0]:10.4g} .. {q[-1]:10.4g}")
    return 0 if len(good) == args.mothers else 1


if __name__ == "__main__":
    sys.exit(main())
