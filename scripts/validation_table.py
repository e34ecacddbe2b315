#!/usr/bin/env python3
"""validation_table — the observations of run folders as a Markdown table.

Usage: python3 scripts/validation_table.py RUN_DIR [RUN_DIR...]

Reads each folder's validation.csv (written by `parcours run` for a model with
[observations]) and prints one row per observation: variable, period, observed
value, the model's mean with its 90 % band, the relative error, whether the
observation lies in the band and whether the stated tolerance is met.
"""
import csv
import os
import sys


def number(text):
    if text in ("", "NA"):
        return None
    return float(text)


def show(x, ratio=False):
    if x is None:
        return "NA"
    if ratio or abs(x) < 10:
        return "%.3f" % x
    if abs(x) >= 1e6:
        return "%.2f M" % (x / 1e6)
    return "{:,.0f}".format(x)


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    print("| scenario | variable | period | observed | model mean [p05, p95] | error | in band | tolerance |")
    print("|---|---|---|---|---|---|---|---|")
    counts = {"rows": 0, "inside": 0, "within": 0, "with_tol": 0}
    for folder in argv[1:]:
        path = os.path.join(folder, "validation.csv")
        try:
            with open(path, newline="", encoding="utf-8") as f:
                rows = list(csv.DictReader(f))
        except OSError as e:
            sys.stderr.write("validation_table: %s: %s\n" % (path, e.strerror))
            return 1
        for r in rows:
            obs, mean = number(r["observed"]), number(r["mean"])
            lo, hi = number(r["p05"]), number(r["p95"])
            err, tol = number(r["relative_error"]), number(r["tolerance"])
            ratio = obs is not None and obs < 1.5 and "indicator" in r["variable"]
            counts["rows"] += 1
            counts["inside"] += r["inside"] == "yes"
            if tol is not None:
                counts["with_tol"] += 1
                counts["within"] += r["within"] == "yes"
            print("| %s | `%s` | %s | %s | %s [%s, %s] | %s | %s | %s |" % (
                r["scenario"], r["variable"], r["period"], show(obs, ratio), show(mean, ratio),
                show(lo, ratio), show(hi, ratio),
                "NA" if err is None else "%+.1f %%" % (100 * err), r["inside"],
                "—" if tol is None else "%s (±%g %%)" % (r["within"], 100 * tol)))
    print()
    print("%d observations: %d inside the 90 %% band; %d of %d with a tolerance within it." % (
        counts["rows"], counts["inside"], counts["within"], counts["with_tol"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
