#!/usr/bin/env python3
"""Backtest models of the ARA départements: one RSA population per département and origin.

Reads models/ara/rsa.ini (the shipped ARA model: each département's exit hazards and
inflow noise) and data/drees/rsa_foyers_annuel.csv (foyers at 31 December 2009-2018), and
writes into models/ara/backtest/, for each département CODE and forecast origin 31 December
YEAR (2011, 2012, 2013, 2014, 2017):

  rsa_CODE_YEAR.ini  one population `rsa`, one state, the shipped model's exit hazard by
                     seniority, inflow profile and inflow noise, and four drivers estimated
                     from the DREES counts up to 31 December YEAR only
                     (scripts/drees_growth.py --drivers-until YEAR, docs/data.md section 4.4),
                     each with the sampling law of its estimate, all moving from January
                     YEAR + 1 (the fit window before the origin runs without them):
                       cycle  national log-AR(1): sd ~ sd-inv-chi2(sigma, df = years - 1),
                              persistence ~ normal(REML, se, min 0, max 1);
                       local  the département's own log-AR(1), net of Poisson noise (pooled);
                       trend  random walk of sd 0 whose drift is the mean growth to YEAR,
                              normal(GLS mean, se);
                       level  the refitted inflow's own error: a level drawn once per
                              replication, lognormal of sd the fit's standard error (the fit
                              year's Poisson noise and its non-persistent local noise);
  observed_CODE.csv  stock.rsa at 31 December (period YYYY-12), 2009-2018, as published (the
                     2016 series break is left to --breaks);
  drivers.csv        origin,driver,statistic,value: the estimates behind the drivers;
  departements.csv   code,name,origin,file,observed,fit_low,fit_high: one row per model, with
                     the range of the inflow rate fitted at the origin (0.2 to 3 times the
                     stock of 2009 over 3 years, in foyers a year).

With --france DIR, writes the same models for the 96 metropolitan départements into DIR
instead (the national backtest of docs/backtest.md): the ARA exit hazards, profile and
seniority tables (PARAMETERS.md values, as the ARA model), no inflow overdispersion.
--no-trend leaves the trend driver out (a sensitivity); --out DIR writes the ARA models
elsewhere than models/ara/backtest.

The backtest itself is scripts/backtest_ara.sh; docs/backtest.md explains both.

Usage: python3 scripts/backtest_ara_models.py [--root DIR] [--france DIR] [--out DIR]
                                              [--no-trend]
"""
import argparse
import csv
import math
import os
import re
import sys

sys.dont_write_bytecode = True  # keep the checkout clean: no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import drees_growth as growth  # noqa: E402


def blocks(text):
    """Per département: (code, name, population) from the '; ---- Name (CODE)' comments."""
    out = []
    for m in re.finditer(r"^; ---- (.+) \((\w+)\): RSA foyers ----$", text, re.M):
        name, code = m.group(1), m.group(2)
        rest = text[m.end():]
        pop = re.search(r"^\[population (rsa_\w+)\]", rest, re.M).group(1)
        out.append((code, name, pop))
    return out


def section(text, header):
    m = re.search(r"^\[" + re.escape(header) + r"\]\n(.*?)(?=^\[|\Z)", text, re.M | re.S)
    if not m:
        sys.exit("models/ara/rsa.ini: no [%s]" % header)
    keys = {}
    for line in m.group(1).splitlines():
        if "=" in line and not line.startswith((";", "#", " ")):
            k, v = line.split("=", 1)
            keys[k.strip()] = v.strip()
    return keys


ORIGINS = (2011, 2012, 2013, 2014, 2017)
DURATION = 3.0        # years: the one-compartment T of docs/data.md section 4.2
SD_MAX = 1.0          # numerical bound of a drawn driver sd (docs/backtest.md section 4)
LEVEL_PERSISTENCE = 0.9999


def level_sd(count, local_sigma, local_phi):
    """Relative standard error of the inflow rate fitted on the year before the origin
    (docs/backtest.md section 4): the fit year's Poisson noise, 2 / (a^2 lambda) with lambda =
    count / T and a = T (1 - e^(-1/T)) the foyers at the origin per unit yearly rate, plus the
    variance of the year's mean of the local log-AR(1) (stationary, monthly grid), which the
    fitted level absorbs although it does not persist."""
    lam = count / DURATION
    a = DURATION * (1 - math.exp(-1 / DURATION))
    m = local_phi ** (1 / 12)
    v = local_sigma ** 2 / (1 - local_phi ** 2)
    pairs = sum(m ** abs(i - j) for i in range(12) for j in range(12))
    return math.sqrt(2 / (a * a * lam) + v * pairs / 144)


def driver_blocks(est, year, level, trend):
    """The [driver] sections of a model forecasting from 31 December `year`."""
    cyc, loc, tr = est["cycle"], est["local"], est["trend"]
    start = "%d-01" % (year + 1)
    out = f"""; Drivers estimated from the DREES counts up to 31/12/{year} only
; (scripts/drees_growth.py --drivers-until {year}, docs/data.md section 4.4), each with the
; sampling law of its estimate; they move from {start}, after the fit window.

; the national cycle (T = 3 years): REML over {int(cyc["df"]) + 1} yearly effects
[driver cycle]
label = Cycle national des entrées au RSA
process = log-ar1
sd = uncertain sd-inv-chi2(sd={cyc["sigma"]:.4f}, df={int(cyc["df"])}, max={SD_MAX:g})
persistence = uncertain normal(mean={cyc["phi"]:.2f}, sd={cyc["phi_se"]:.3f}, min=0, max=1)
from = {start}

; the département's own deviation, net of the simulation's Poisson noise (pooled)
[driver local]
label = Écart propre au département
process = log-ar1
sd = uncertain sd-inv-chi2(sd={loc["sigma"]:.4f}, df={int(loc["df"])}, max={SD_MAX:g})
persistence = {loc["phi"]:.2f}
from = {start}

; the refitted inflow's own error (docs/backtest.md section 4): drawn once per replication,
; sd {level:.4f} (stationary sd of a log-ar1 that does not move over the horizon)
[driver level]
label = Erreur du niveau d'entrées recalé
process = log-ar1
sd = {level * math.sqrt(1 - LEVEL_PERSISTENCE ** 2):.6g}
persistence = {LEVEL_PERSISTENCE}
start = stationary
centred = yes
from = {start}
"""
    if trend:
        drift = tr["drift"]
        out += f"""
; the mean yearly growth to {year} (GLS under the cycle's covariance), with its standard
; error; it starts at 7 months of drift, the distance from the middle of the fit year (the
; level the fit finds) to the first forecast month
[driver trend]
label = Tendance des entrées
process = random-walk
sd = 0
drift = uncertain normal(mean={drift:.4f}, sd={tr["drift_se"]:.4f}, min=-1, max=1)
start = {drift * 7 / 12:.4f}
from = {start}
"""
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=os.path.join(os.path.dirname(__file__), ".."))
    ap.add_argument("--france", help="write models of the 96 metropolitan départements here")
    ap.add_argument("--out", help="write the ARA models here")
    ap.add_argument("--no-trend", action="store_true", help="leave the trend driver out")
    a = ap.parse_args()
    root = a.root
    ara = open(os.path.join(root, "models/ara/rsa.ini"), encoding="utf-8").read()
    metro, counts, _ = growth.load_panel(os.path.join(root, "data/drees"))
    estimates = {}
    for year in ORIGINS:
        est = {}
        for drv, stat, value in growth.drivers_until(metro, counts, year, DURATION):
            est.setdefault(drv, {})[stat] = value
        estimates[year] = est
    foyers = {}
    with open(os.path.join(root, "data/drees/rsa_foyers_annuel.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["foyers_31dec"]:
                foyers.setdefault(r["departement"], {})[int(r["annee"])] = int(r["foyers_31dec"])
    outdir = os.path.join(root, "models/ara/backtest")
    tables = ".."
    if a.out:
        outdir = os.path.abspath(a.out)
        tables = os.path.join(os.path.abspath(root), "models/ara")
    deps = []
    if a.france:
        outdir = os.path.abspath(a.france)
        tables = os.path.join(os.path.abspath(root), "models/ara")
        first = blocks(ara)[0][2][len("rsa_"):]
        names = {}
        with open(os.path.join(root, "data/drees/rsa_foyers_annuel.csv"), encoding="utf-8") as f:
            for r in csv.DictReader(f):
                names[r["departement"]] = r["nom"]
        for code in sorted(foyers):
            if not code.startswith("97") and 2009 in foyers[code]:
                deps.append((code, names[code], {}, section(ara, "state pe_" + first)["on.exit"]))
    else:
        for code, name, pop in blocks(ara):
            suffix = pop[len("rsa_"):]
            deps.append((code, name, section(ara, "population " + pop),
                         section(ara, "state pe_" + suffix)["on.exit"]))
    os.makedirs(outdir, exist_ok=True)
    rows = []
    for code, name, p, exit_hazard in deps:
        series = foyers[code]
        over = ("inflow.overdispersion = " + p["inflow.overdispersion"] + "\n"
                if "inflow.overdispersion" in p else "")
        rate = round(series[2009] / 3)
        for year in ORIGINS:
            est = estimates[year]
            count = series[year]
            level = level_sd(count, est["local"]["sigma"], est["local"]["phi"])
            ini = f"""; {name} ({code}) — the RSA foyers as one population, for the backtest from 31/12/{year}
; (docs/backtest.md).
;
; GENERATED by scripts/backtest_ara_models.py from models/ara/rsa.ini and
; data/drees/rsa_foyers_annuel.csv: edit the script, not this file.  The backtest starts
; this model at the origin from the observed foyers (observed_{code}.csv) and fits its
; inflow rate to the year before; the start, count and rate below only make it a valid
; model (the DREES count of 31/12/{year}, a third of the 2009 count a year).

[model]
name = {name} — foyers du RSA (rétroprévision depuis le 31/12/{year})
start = {year + 1}-01
horizon = 24

[population rsa]
label = {name} — foyers allocataires du RSA
entry = rsa
inflow.rate = {rate}/y
inflow.profile = table({tables}/profil_entrees_rsa.csv)
inflow.drivers = cycle * local * level{" * trend" if not a.no_trend else ""}
{over}initial.count = {count}
initial.seniority = table({tables}/anciennete_initiale_rsa.csv)

{driver_blocks(est, year, level, not a.no_trend)}
[state rsa]
label = {name} — foyer allocataire
on.exit = {exit_hazard}
"""
            fname = f"rsa_{code}_{year}.ini"
            with open(os.path.join(outdir, fname), "w", encoding="utf-8") as f:
                f.write(ini)
            rows.append([code, name, f"{year}-12", fname, f"observed_{code}.csv",
                         f"{round(0.2 * rate)}/y", f"{round(3 * rate)}/y"])
        oname = f"observed_{code}.csv"
        with open(os.path.join(outdir, oname), "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["variable", "period", "value", "tolerance", "source"])
            for y in sorted(series):
                note = "DREES foyers au 31/12" + (
                    ", RSA socle" if y <= 2015 else ", nouvelle série CNAF")
                w.writerow(["stock.rsa", f"{y}-12", series[y], "", note])
    with open(os.path.join(outdir, "departements.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "origin", "file", "observed", "fit_low", "fit_high"])
        w.writerows(rows)
    with open(os.path.join(outdir, "drivers.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["origin", "driver", "statistic", "value"])
        for year in ORIGINS:
            for drv in sorted(estimates[year]):
                for stat, value in estimates[year][drv].items():
                    w.writerow([f"{year}-12", drv, stat, "%.6g" % value])
    print(f"wrote {len(rows)} models into {outdir}")


if __name__ == "__main__":
    main()
