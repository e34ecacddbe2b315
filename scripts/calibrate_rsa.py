"""Fit the RSA blocks of the ARA départements and the Hautes-Alpes to the DREES series.

Python 3 standard library only; runs bin/parcours (build it first).  For each département it
fits, by simulation with common random numbers:

1. the orientation delay (mean of a lognormal with sd = mean) and the hazard with which a file
   stalls without orientation, so that a long run of the block gives the OARSA mean delay from
   entry to first orientation (B13) and the share oriented at 31 December (B1);
2. the shares of the stock in each state in that long run, which become the initial state at
   31/12/2016;
3. the inflow of 2017 and of 2018, so that the stock at 31 December 2017 and 2018 is the DREES
   count (from 2019 the mean of the two).

It writes models/ara/calage_rsa.csv (one row per département, Hautes-Alpes included), which
scripts/ara_model.py reads, and prints what it found.  Runs take a few minutes; results depend
on --seed and --reps only through Monte Carlo error (the fitted inflows move by a few foyers a
year between seeds).

    python3 scripts/calibrate_rsa.py [--reps 12] [--seed 20170101]
"""

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
import drees_lib as lib  # noqa: E402
import model_inputs as mi  # noqa: E402
import rsa_block  # noqa: E402

BIN = os.path.join(lib.ROOT, "bin", "parcours")
CALAGE = os.path.join(lib.ROOT, "models", "ara", "calage_rsa.csv")
COLUMNS = ("code", "slug", "inflow_2017", "inflow_2018", "delay_mean", "stall", "init_orientation",
           "init_sans_orientation", "init_pe", "init_cd", "init_autres")
# Ratio of the OARSA mean delay (those oriented, whose wait the exits cut short) to the mean of
# the delay law: the starting point of the fit only.
DELAY_RATIO = 0.83


def growth(code):
    for row in lib.read_rows(os.path.join("derived", "growth.csv")):
        if row["territory"] == code and row["statistic"] == "mean_growth":
            return float(row["value"])
    raise KeyError(code)


def profile(territory):
    values = {}
    for row in lib.read_rows(os.path.join("derived", "growth.csv")):
        if row["territory"] == territory and row["statistic"].startswith("implied_inflow_factor_T3_"):
            values[int(row["statistic"][-2:])] = float(row["value"])
    return [values[m] for m in range(1, 13)]


def targets(territories):
    """{code: (share oriented, delay in days or None, (pe, cd, other) shares, note, delay or
    the ARA mean)}: OARSA 2018, else 2017, else the mean of the ARA départements that publish
    it.  Without a published delay the fit aims at the ARA mean delay, unless even without
    stalled files the share oriented needs a shorter one."""
    def pick(t, field):
        for y in (2018, 2017):
            v = t.oarsa[y][field]
            if v is not None:
                return v, y
        return None, None

    fields = ("oarsa_share_oriented_pct", "oarsa_delay_entry_to_orientation_days",
              "oarsa_oriented_to_pole_emploi_pct", "oarsa_oriented_to_conseil_departemental_pct",
              "oarsa_oriented_to_other_spe_pct", "oarsa_oriented_outside_spe_pct")
    ara = [t for c, t in territories.items() if c in mi.ARA_SLUGS]
    means = {}
    for f in fields:
        vals = [pick(t, f)[0] for t in ara if pick(t, f)[0] is not None]
        means[f] = sum(vals) / len(vals)
    out = {}
    for code, t in territories.items():
        got, notes = {}, []
        for f in fields:
            v, y = pick(t, f)
            if v is None:
                v = means[f]
                notes.append(f)
            got[f] = v
        route = (got[fields[2]], got[fields[3]], got[fields[4]] + got[fields[5]])
        total = sum(route)
        note = "OARSA 2018 (2017 where 2018 is missing)"
        if len(notes) == len(fields):
            note = "no OARSA row: the mean of the ARA départements that publish it"
        elif notes:
            short = {fields[0]: "B1", fields[1]: "B13", fields[2]: "B5", fields[3]: "B7",
                     fields[4]: "B6", fields[5]: "B8"}
            note += "; ARA mean for %s" % ", ".join(short[n] for n in notes)
        delay = None if fields[1] in notes else got[fields[1]]
        out[code] = (got[fields[0]] / 100.0, delay, tuple(r / total for r in route), note,
                     got[fields[1]])
    return out


def run(folder, text, reps, seed):
    path = os.path.join(folder, "cal.ini")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    out = os.path.join(folder, "out")
    shutil.rmtree(out, ignore_errors=True)
    r = subprocess.run([BIN, "run", path, "--reps", str(reps), "--seed", str(seed), "--out", out,
                        "--quiet"], capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError(r.stderr)
    res = {}
    for name, col in (("monthly.csv", "month"), ("yearly.csv", "year")):
        with open(os.path.join(out, name), newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                try:
                    res[(row["variable"], row[col])] = float(row["mean"])
                except ValueError:
                    pass
    return res


HEADER = """[model]
name = calibration
start = 2017-01
horizon = 25

[driver cycle]
process = log-ar1
sd = 0.085
persistence = 0.86
from = 2018-12
"""


def model_text(params, warm):
    parts = [HEADER]
    for p in params.values():
        text = rsa_block.block(p)
        if warm:
            kept, skipping = [], False
            for line in text.split("\n"):
                if line.startswith("    ") and skipping:
                    continue
                skipping = line.startswith(("initial.", "inflow.drivers"))
                if not skipping:
                    kept.append(line)
            text = "\n".join(kept).replace("entry = orientation_%s\n" % p["slug"],
                                           "entry = orientation_%s\nwarmup = 15y\n" % p["slug"])
        parts.append(text)
    return "\n".join(parts)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=12)
    ap.add_argument("--seed", type=int, default=20170101)
    args = ap.parse_args(argv)
    codes = list(mi.ARA_SLUGS) + [mi.HAUTES_ALPES]
    ts = mi.load_territories(codes)
    tg = targets(ts)
    folder = tempfile.mkdtemp(prefix="calibrate-rsa-")
    try:
        with open(os.path.join(folder, "montant_forfaitaire.csv"), "w") as f:
            f.write(mi.montant_forfaitaire_table())
        for name, terr in (("profil_ara.csv", "ARA"), ("profil_fr.csv", "FR-metro")):
            with open(os.path.join(folder, name), "w") as f:
                f.write(mi.csv_text(("month", "factor"),
                                    [(m + 1, "%.4f" % v) for m, v in enumerate(profile(terr))]))
        ara_growth = sum(growth(c) for c in mi.ARA_SLUGS) / len(mi.ARA_SLUGS)
        for name, g in (("anc_ara.csv", ara_growth), ("anc_05.csv", growth("05"))):
            with open(os.path.join(folder, name), "w") as f:
                f.write(mi.csv_text(("upper", "weight"),
                                    [(u, "%.4f" % w) for u, w in rsa_block.seniority_table(g)]))
        params = {}
        for code in codes:
            t = ts[code]
            share, delay, route, note, start_delay = tg[code]
            params[code] = {
                "slug": mi.ARA_SLUGS.get(code, "hautes_alpes"), "name": t.name, "code": code,
                "foyers_2016": int(t.foyers[2016]), "inflow": [t.foyers[2016] / 3.2] * 3,
                "delay_mean": start_delay / DELAY_RATIO, "stall": 0.006,
                "route": route,
                "initial": (0.08, 0.03, 0.3, 0.3, 0.29),
                "ratio": (t.ratio[2017], t.ratio[2018]),
                "insertion": (t.insertion_per_foyer[2017] / 12, t.insertion_per_foyer[2018] / 12),
                "local_sd": 0.071, "oarsa_note": note,
                "profile_table": "profil_fr.csv" if code == mi.HAUTES_ALPES else "profil_ara.csv",
                "seniority_table": "anc_05.csv" if code == mi.HAUTES_ALPES else "anc_ara.csv",
            }
        # 1-2: orientation law and stationary shares (a long run from an empty population)
        for it in range(6):
            res = run(folder, model_text(params, warm=True), args.reps, args.seed)
            worst = 0.0
            for code, p in params.items():
                s = p["slug"]
                got_share = res[("indicator.orientes_%s" % s, "2018-12")]
                got_delay = res[("indicator.orientation_%s.days" % s, "2018")]
                share, delay = tg[code][0], tg[code][1]
                ratio = (1 - share) / max(1 - got_share, 1e-3)
                worst = max(worst, abs(got_share - share))
                if p.get("delay_from_share"):
                    p["delay_mean"] *= ratio ** 1.2    # no stalled files: the delay gives B1
                else:
                    aim = delay if delay is not None else tg[code][4]
                    worst = max(worst, abs(got_delay / aim - 1))
                    p["delay_mean"] *= aim / got_delay
                    p["stall"] = min(0.5, max(0.0002, p["stall"]) * ratio ** 1.5)
                    if delay is None and p["stall"] < 0.0003:
                        p["stall"], p["delay_from_share"] = 0.0, True
                stock = res[("stock.rsa_%s" % s, "2018")]
                p["initial"] = tuple(res[("stock.%s_%s" % (n, s), "2018")] / stock for n in (
                    "orientation", "sans_orientation", "pe", "cd", "autres"))
                p["exit_rate"] = res[("exits.rsa_%s" % s, "2018")] / stock
            print("orientation pass %d: worst gap %.4f" % (it, worst), file=sys.stderr)
        for code, p in params.items():
            s = p["slug"]
            print("%s: oriented %.3f (OARSA %.3f), delay %.1f d (OARSA %s)" % (
                code, res[("indicator.orientes_%s" % s, "2018-12")], tg[code][0],
                res[("indicator.orientation_%s.days" % s, "2018")], tg[code][1]), file=sys.stderr)
        # 3: inflows, Newton on each département's two December stocks
        for p in params.values():
            p["inflow"] = [p["exit_rate"] * p["foyers_2016"]] * 3
        for it in range(3):
            base = run(folder, model_text(params, warm=False), args.reps, args.seed)
            step = {}
            for k in (0, 1):
                for p in params.values():
                    p["inflow"] = list(p["inflow"])
                    p["inflow"][k] += 100.0
                step[k] = run(folder, model_text(params, warm=False), args.reps, args.seed)
                for p in params.values():
                    p["inflow"][k] -= 100.0
            worst = 0.0
            for code, p in params.items():
                s, t = p["slug"], ts[code]
                var = "stock.rsa_%s" % s
                r17 = t.foyers[2017] - base[(var, "2017-12")]
                r18 = t.foyers[2018] - base[(var, "2018-12")]
                worst = max(worst, abs(r17) / t.foyers[2017], abs(r18) / t.foyers[2018])
                a = (step[0][(var, "2017-12")] - base[(var, "2017-12")]) / 100.0
                b = (step[0][(var, "2018-12")] - base[(var, "2018-12")]) / 100.0
                c = (step[1][(var, "2018-12")] - base[(var, "2018-12")]) / 100.0
                d17 = r17 / a
                d18 = (r18 - b * d17) / c
                p["inflow"][0] += d17
                p["inflow"][1] += d18
                p["inflow"][2] = (p["inflow"][0] + p["inflow"][1]) / 2.0
            print("inflow pass %d: worst gap %.4f" % (it, worst), file=sys.stderr)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    rows = []
    for code, p in params.items():
        rows.append([code, p["slug"], "%.0f" % p["inflow"][0], "%.0f" % p["inflow"][1],
                     "%.1f" % p["delay_mean"], "%.5f" % p["stall"]] +
                    ["%.5f" % x for x in p["initial"]])
    text = mi.csv_text(COLUMNS, rows)
    with open(CALAGE, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
