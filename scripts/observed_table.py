"""Print each observation of a model beside the model's mean and 90 % band from a run folder.

Python 3 standard library only.  Reads the observation table named by the model's
[observations] section (variable,period,value,tolerance,source) and the run's monthly.csv and
yearly.csv, and prints a Markdown table: observed, model mean [p05, p95], relative error,
whether the observation lies inside the band and within its tolerance; then, per variable, how
many observations lie inside the band.  Shares are printed in percent, euros in millions.

    bin/parcours run scenarios/drome/baseline.ini --reps 200 --seed 20170101 --out out/drome
    python3 scripts/observed_table.py models/drome/observations.csv out/drome
"""

import argparse
import csv
import os
import sys


def read(path, column):
    out = {}
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            out[(r["variable"], r[column])] = r
    return out


def number(text):
    try:
        return float(text)
    except ValueError:
        return float("nan")


def fmt(variable, x):
    if x != x:
        return "NA"
    if abs(x) >= 1e5:
        return "%.2f M€" % (x / 1e6) if "cost" in variable or "depenses" in variable or \
            "funder" in variable or "allocation" in variable or "insertion" in variable \
            else "{:,.0f}".format(x)
    if x < 1.0 and not variable.endswith(".days"):
        return "%.1f %%" % (100 * x)
    return "{:,.0f}".format(x) if x >= 100 else "%.1f" % x


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("observations", help="the model's observation table (CSV)")
    ap.add_argument("run", help="a folder written by parcours run")
    args = ap.parse_args(argv)
    monthly = read(os.path.join(args.run, "monthly.csv"), "month")
    yearly = read(os.path.join(args.run, "yearly.csv"), "year")
    print("| variable | period | observed | model mean [p05, p95] | error | in band | tolerance |")
    print("|---|---|---|---|---|---|---|")
    counts = {}
    with open(args.observations, newline="", encoding="utf-8") as f:
        for o in csv.DictReader(f):
            v, period = o["variable"], o["period"]
            row = (monthly if "-" in period else yearly).get((v, period))
            if row is None:
                print("| %s | %s | %s | missing in the run | | | |" % (v, period, o["value"]))
                continue
            obs, mean = number(o["value"]), number(row["mean"])
            lo, hi = number(row["p05"]), number(row["p95"])
            inside = lo <= obs <= hi
            err = (mean - obs) / obs if obs else float("nan")
            tol = o.get("tolerance", "").strip()
            if tol:
                ok = abs(err) <= float(tol.rstrip("%")) / 100 + 1e-12
                tol_text = "%s: %s" % (tol, "yes" if ok else "NO")
            else:
                tol_text = ""
            n_in, n = counts.get(v, (0, 0))
            counts[v] = (n_in + inside, n + 1)
            print("| %s | %s | %s | %s [%s, %s] | %+.1f %% | %s | %s |" % (
                v, period, fmt(v, obs), fmt(v, mean), fmt(v, lo), fmt(v, hi), 100 * err,
                "yes" if inside else "no", tol_text))
    print()
    for v, (n_in, n) in counts.items():
        print("%s: %d of %d observations inside the 90 %% band" % (v, n_in, n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
