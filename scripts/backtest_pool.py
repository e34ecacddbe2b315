#!/usr/bin/env python3
"""Pools backtest.csv files (parcours backtest) into one table, per horizon and overall.

Usage: python3 scripts/backtest_pool.py DIR1/backtest.csv DIR2/backtest.csv ... > pooled.csv

Columns: horizon (months, or `all`), n (scored forecasts), cover50 and cover90 (shares of
observations inside the 50 % and 90 % bands) with the binomial 90 % interval of a share
that is right (nominal +- 1.645 sqrt(p (1 - p) / n), ignoring the correlation between
forecasts sharing an origin), crps_rel (mean CRPS over the observation), mae_median and
mae_naive (mean absolute relative error of the median and of the naive forecast), and the
PIT histogram in tenths (pit_0 ... pit_9).
"""
import csv
import math
import sys


def main():
    rows = []
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            rows += list(csv.DictReader(f))
    horizons = sorted({int(r["horizon"]) for r in rows})
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(["horizon", "n", "cover50", "band50_low", "band50_high", "cover90", "band90_low",
                "band90_high", "crps_rel", "mae_median", "mae_naive"] +
               ["pit_%d" % k for k in range(10)])
    for h in horizons + [None]:
        sel = [r for r in rows if h is None or int(r["horizon"]) == h]
        n = len(sel)
        if not n:
            continue
        c50 = sum(int(r["in50"]) for r in sel) / n
        c90 = sum(int(r["in90"]) for r in sel) / n
        t50 = 1.645 * math.sqrt(0.25 / n)
        t90 = 1.645 * math.sqrt(0.09 / n)
        mean = lambda k: sum(abs(float(r[k])) for r in sel) / n
        pit = [0] * 10
        for r in sel:
            pit[min(9, int(float(r["pit"]) * 10))] += 1
        w.writerow(["all" if h is None else h, n, "%.3f" % c50, "%.3f" % (0.5 - t50),
                    "%.3f" % (0.5 + t50), "%.3f" % c90, "%.3f" % (0.9 - t90),
                    "%.3f" % (0.9 + t90), "%.4f" % mean("crps_rel"),
                    "%.4f" % mean("error_median"), "%.4f" % mean("error_naive")] + pit)


if __name__ == "__main__":
    main()
