#!/usr/bin/env python3
"""Backtest models of the ARA départements: one RSA population per département.

Reads models/ara/rsa.ini (the shipped ARA model: each département's exit hazards,
inflow noise and drivers) and data/drees/rsa_foyers_annuel.csv (foyers at 31
December 2009-2018), and writes into models/ara/backtest/:

  rsa_CODE.ini       one population `rsa`, one state, the shipped model's exit
                     hazard by seniority, inflow profile, inflow noise, the shared
                     national cycle and the département's own driver (docs/data.md,
                     section 4.2), drivers moving from the model's start;
  observed_CODE.csv  stock.rsa at 31 December (period YYYY-12), 2009-2018, as
                     published (the 2016 series break is left to --breaks);
  departements.csv   code,name,file,observed,fit_low,fit_high: the range of the
                     inflow rate fitted at each origin (0.2 to 3 times the stock of
                     2009 over 3 years, in foyers a year).

With --france DIR, writes the same one-population models for the 96 metropolitan
départements into DIR instead (the national backtest of docs/backtest.md): the ARA
exit hazards, profile and seniority tables (PARAMETERS.md values, as the ARA model), the
same national cycle, the pooled département driver of docs/data.md (sd 0.071,
persistence 0.16, net of Poisson, T = 3 years), no inflow overdispersion.

The backtest itself is scripts/backtest_ara.sh; docs/backtest.md explains both.
--cycle-sd X and --cycle-persistence X replace the national cycle's uncertain sd and
persistence by fixed values (a sensitivity of the bands), with --out DIR to write the
ARA models elsewhere than models/ara/backtest.

Usage: python3 scripts/backtest_ara_models.py [--root DIR] [--france DIR] [--out DIR]
                                              [--cycle-sd X] [--cycle-persistence X]
"""
import argparse
import csv
import os
import re
import sys


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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=os.path.join(os.path.dirname(__file__), ".."))
    ap.add_argument("--france", help="write models of the 96 metropolitan départements here")
    ap.add_argument("--out", help="write the ARA models here")
    ap.add_argument("--cycle-sd")
    ap.add_argument("--cycle-persistence")
    a = ap.parse_args()
    root = a.root
    ara = open(os.path.join(root, "models/ara/rsa.ini"), encoding="utf-8").read()
    cycle = section(ara, "driver cycle")
    if a.cycle_sd:
        cycle["sd"] = a.cycle_sd
    if a.cycle_persistence:
        cycle["persistence"] = a.cycle_persistence
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
                deps.append((code, names[code], {}, {"sd": "0.071", "persistence": "0.16"},
                             section(ara, "state pe_" + first)["on.exit"]))
    else:
        for code, name, pop in blocks(ara):
            suffix = pop[len("rsa_"):]
            deps.append((code, name, section(ara, "population " + pop),
                         section(ara, "driver local_" + suffix),
                         section(ara, "state pe_" + suffix)["on.exit"]))
    os.makedirs(outdir, exist_ok=True)
    rows = []
    for code, name, p, local, exit_hazard in deps:
        series = foyers[code]
        over = ("inflow.overdispersion = " + p["inflow.overdispersion"] + "\n"
                if "inflow.overdispersion" in p else "")
        s0 = series[2009]
        rate = round(s0 / 3)
        ini = f"""; {name} ({code}) — the RSA foyers as one population, for backtests (docs/backtest.md).
;
; GENERATED by scripts/backtest_ara_models.py from models/ara/rsa.ini and
; data/drees/rsa_foyers_annuel.csv: edit the script, not this file.  The backtest starts
; this model at each origin from the observed foyers (observed_{code}.csv) and fits its
; inflow rate to the year before; the start, count and rate below only make it a
; valid model (the DREES count of 31/12/2009, a third of it a year).

[model]
name = {name} — foyers du RSA (rétroprévision)
start = 2010-01
horizon = 108

[population rsa]
label = {name} — foyers allocataires du RSA
entry = rsa
inflow.rate = {rate}/y
inflow.profile = table({tables}/profil_entrees_rsa.csv)
inflow.drivers = cycle * local
{over}initial.count = {s0}
initial.seniority = table({tables}/anciennete_initiale_rsa.csv)

; the national cycle of RSA entries (docs/data.md, section 4.2, T = 3 years)
[driver cycle]
label = Cycle national des entrées au RSA
process = log-ar1
sd = {cycle["sd"]}
persistence = {cycle["persistence"]}

; the département's own deviation, net of the simulation's Poisson noise
[driver local]
label = {name} — écart propre au département
process = log-ar1
sd = {local["sd"]}
persistence = {local["persistence"]}

[state rsa]
label = {name} — foyer allocataire
on.exit = {exit_hazard}
"""
        fname = f"rsa_{code}.ini"
        with open(os.path.join(outdir, fname), "w", encoding="utf-8") as f:
            f.write(ini)
        oname = f"observed_{code}.csv"
        with open(os.path.join(outdir, oname), "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["variable", "period", "value", "tolerance", "source"])
            for y in sorted(series):
                note = "DREES foyers au 31/12" + (
                    ", RSA socle" if y <= 2015 else ", nouvelle série CNAF")
                w.writerow(["stock.rsa", f"{y}-12", series[y], "", note])
        rows.append([code, name, fname, oname, f"{round(0.2 * rate)}/y", f"{round(3 * rate)}/y"])
    with open(os.path.join(outdir, "departements.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "file", "observed", "fit_low", "fit_high"])
        w.writerows(rows)
    print(f"wrote {len(rows)} models into {outdir}")


if __name__ == "__main__":
    main()
