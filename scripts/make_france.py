#!/usr/bin/env python3
"""Write the national RSA model models/france/ from the DREES series in data/drees/.

One population of foyers per département (101, INSEE codes), each with the states
orientation -> professional or social track -> exits (to a job / other) -> returns, exit hazards
by seniority shared nationally, the département's orientation delay and track shares (OARSA),
its initial foyers and inflow calibrated on its 31 December counts 2016-2018, its allocation per
foyer (DREES spending / foyers, indexed by the revalorisations), a national cycle driver and its
own residual driver on the inflow, and its observed series in an [observations] table.

    python3 scripts/make_france.py                 # rewrites models/france/ (and its test/)
    python3 scripts/make_france.py --report DIR    # calibration table of a run of the model

The inflow is calibrated in closed form: the expected stock of the model is linear in the initial
count and in the inflow rates, and is computed by a deterministic (fluid) version of the same
model (cohort kernels and the renewal of returns), so that three equations give the initial count
and the inflow rates of 2017 and of 2018.  tests/test_france.c checks the result by simulation.
Python 3 standard library only.  Method, sources and results: docs/france.md.
"""

import argparse
import csv
import math
import os
import sys

sys.dont_write_bytecode = True  # keep the checkout clean: no __pycache__ beside the scripts
import drees_lib as lib  # noqa: E402

MODEL_DIR = os.path.join(lib.ROOT, "models", "france")
TEST_DEPARTEMENTS = ["05", "26", "69"]

# ---- The départements: INSEE codes -------------------------------------------------------------

DEPARTEMENTS = (["%02d" % i for i in range(1, 20)] + ["2A", "2B"] +
                ["%02d" % i for i in range(21, 96)] + ["971", "972", "973", "974", "976"])
CORSE, CORSE_PARTS = "20", ("2A", "2B")
MAYOTTE = "976"
# Codes the source files hold besides the 101 départements, and why they are left out.
EXTRA_CODES = {
    "rsa_depenses_annuel.csv": {CORSE: "Collectivité de Corse (2A + 2B; only figure in 2018)"},
    "oarsa_orientation.csv": {CORSE: "Collectivité de Corse, used for 2A and 2B",
                              "975": "Saint-Pierre-et-Miquelon", "977": "Saint-Barthélemy",
                              "978": "Saint-Martin"},
}

# ---- Parameters shared by every département (sources in docs/france.md) -------------------------

DPM = 365.25 / 12.0                         # days in a month, as the engine counts them
START, HORIZON = (2016, 12), 133            # 2016-12 .. 2027-12
# PARAMETERS.md §2: seniority-dependent exit hazards (per month) from 0, 12, 24, 48 months.
PIECES = [0.0, 12.0, 24.0, 48.0]
BASE_HAZARD = [0.0561, 0.0328, 0.0205, 0.0097]
# models/drome/rsa.ini: multipliers of the base hazard by state, to a job and for another reason.
MULTIPLIERS = {"orientation": (0.30, 0.45), "pro": (0.70, 0.45), "soc": (0.25, 0.45)}
REORIENT = 0.010                            # social -> professional track, per month (Drôme)
RETURN_P, RETURN_MEAN = 0.40, 17.3          # return after an exit: probability, mean months
# PARAMETERS.md §2 (OARSA 2016): 28 % of the stock 2-5 years, 39.5 % 5 years or more.
SENIORITY_UNDER_2Y, SENIORITY_2_5Y = 0.325, 0.28
# PARAMETERS.md §2 (DREES ER 1073): 25 % of the year-end stock is off the minima a year later.
STOCK_EXIT_RATE = 0.25
# PARAMETERS.md §2: 12-month exit rate of new entrants, PACA 50.6 % (2019), 57-58 % (2022-23).
ENTRANT_EXIT_12M = 0.506
SENIORITY_BINS = [3, 6, 9, 12, 18, 24, 36, 48, 60, 84, 120, 180, 240, 360]   # upper, months
NATIONAL_DELAY_DAYS = 94.5                  # PARAMETERS.md §3: 94 d (2017), 95 d (2018)
DELAY_CV = 90.0 / 94.0                      # models/drome/rsa.ini: lognormal sd 90 d, mean 94 d
CASELOAD_ADULTS = {"pro": 85.0, "soc": 120.0}   # PARAMETERS.md §4 (ASSUMPTION)
MAYOTTE_AMOUNT_SHARE = 0.5                  # montant forfaitaire at Mayotte: half (IEDOM 2022)
# PARAMETERS.md §1a: the montant forfaitaire (single person) in force from each date.
MONTANT = [((2016, 9), 535.17), ((2017, 4), 536.78), ((2017, 9), 545.48), ((2018, 4), 550.93),
           ((2019, 4), 559.74), ((2020, 4), 564.78), ((2021, 4), 565.34), ((2022, 4), 575.52),
           ((2022, 7), 598.54), ((2023, 4), 607.75), ((2024, 4), 635.71), ((2025, 4), 646.52),
           ((2026, 4), 652.33)]
DRIVER_FROM = "2019-01"                     # drivers move after the observed years
TOL_STOCK, TOL_ALLOC, TOL_FRANCE = 3, 5, 1  # per cent

# Sources of the observations (data/drees/README.md gives the tables in full).
SRC_FOYERS = "DREES minima sociaux départementaux, tableau 11"
SRC_MONTHLY = "DREES suivi mensuel, tableau 2 (arrondi à 10)"
SRC_ALLOC = "DREES dépenses d'aide sociale, RSA-RMI 1-4"
SRC_B13 = "DREES OARSA B13 (délai moyen en jours)"


class InputError(Exception):
    """Bad input data: the message names the file and the line."""


# ---- Reading the DREES files, with file:line errors --------------------------------------------

def read_table(path, columns):
    """Rows of a CSV file as (line number, dict); checks the header holds `columns`."""
    try:
        f = open(path, newline="", encoding="utf-8-sig")
    except OSError as e:
        raise InputError("%s: cannot read (%s)" % (path, e.strerror))
    with f:
        reader = csv.reader(f)
        try:
            header = next(reader)
        except StopIteration:
            raise InputError("%s:1: empty file, expected a header" % path)
        header = [h.strip() for h in header]
        for col in columns:
            if col not in header:
                raise InputError("%s:1: missing column '%s'" % (path, col))
        rows = []
        for fields in reader:
            if not any(x.strip() for x in fields):
                continue
            if len(fields) != len(header):
                raise InputError("%s:%d: %d fields, the header has %d" %
                                 (path, reader.line_num, len(fields), len(header)))
            rows.append((reader.line_num, dict(zip(header, (x.strip() for x in fields)))))
    return rows


def number(path, line, row, column, minimum=0.0, maximum=None, required=True, what="value"):
    """A numeric cell; None when empty and not required."""
    text = row[column]
    if not text:
        if required:
            raise InputError("%s:%d: %s: missing value" % (path, line, column))
        return None
    try:
        value = float(text)
    except ValueError:
        raise InputError("%s:%d: %s: '%s' is not a number" % (path, line, column, text))
    if not math.isfinite(value):
        raise InputError("%s:%d: %s: '%s' is not a finite number" % (path, line, column, text))
    if minimum is not None and value < minimum:
        raise InputError("%s:%d: %s: negative %s %s" % (path, line, column, what, text))
    if maximum is not None and value > maximum:
        raise InputError("%s:%d: %s: %s above %g" % (path, line, column, text, maximum))
    return value


def department_of(path, line, code):
    """Checks a département code against the 101 INSEE codes and the file's known extras."""
    if code in DEPARTEMENTS:
        return code
    if code in EXTRA_CODES.get(os.path.basename(path), {}):
        return code
    raise InputError("%s:%d: département code '%s' is not one of the 101 départements" %
                     (path, line, code))


def load(data_dir):
    """Everything the model needs from the four DREES files and the growth statistics."""
    d = {"names": {}, "annual": {}, "monthly": {}, "alloc": {}, "oarsa": {}}
    path = lib.data_path("rsa_foyers_annuel.csv", data_dir)
    for line, row in read_table(path, ["departement", "nom", "annee", "foyers_31dec",
                                       "adultes_31dec"]):
        code = department_of(path, line, row["departement"])
        year = int(number(path, line, row, "annee"))
        d["names"][code] = row["nom"]
        foyers = number(path, line, row, "foyers_31dec", required=False, what="count")
        adults = number(path, line, row, "adultes_31dec", required=False, what="count")
        if year >= 2016 and (foyers is None or adults is None):
            raise InputError("%s:%d: %s %d: foyers and adults are required from 2016" %
                             (path, line, code, year))
        if foyers is not None:
            d["annual"][(code, year)] = (foyers, adults, path, line)
    for code in DEPARTEMENTS:
        for year in (2016, 2017, 2018):
            if (code, year) not in d["annual"]:
                raise InputError("%s: no row for département %s in %d" % (path, code, year))
        sizes = [v[0] for (c, y), v in d["annual"].items() if c == code]
        if not sizes:
            raise InputError("%s: no count for département %s" % (path, code))
    path = lib.data_path("rsa_foyers_mensuel.csv", data_dir)
    for line, row in read_table(path, ["departement", "mois", "foyers_fin_de_mois"]):
        code = department_of(path, line, row["departement"])
        try:
            year, month = (int(x) for x in row["mois"].split("-"))
        except ValueError:
            raise InputError("%s:%d: mois: expected YYYY-MM, got '%s'" % (path, line, row["mois"]))
        value = number(path, line, row, "foyers_fin_de_mois", what="count")
        d["monthly"][(code, year, month)] = value
    for code in DEPARTEMENTS:
        for year in (2017, 2018):
            for month in range(1, 13):
                if (code, year, month) not in d["monthly"]:
                    raise InputError("%s: no value for département %s in %d-%02d" %
                                     (path, code, year, month))
    path = lib.data_path("rsa_depenses_annuel.csv", data_dir)
    for line, row in read_table(path, ["departement", "annee", "allocation_brute_keur"]):
        code = department_of(path, line, row["departement"])
        year = int(number(path, line, row, "annee"))
        if year in (2017, 2018):
            value = number(path, line, row, "allocation_brute_keur")
            if value == 0 and not (code in CORSE_PARTS and year == 2018):
                raise InputError("%s:%d: allocation_brute_keur: 0 for %s in %d" %
                                 (path, line, code, year))
            d["alloc"][(code, year)] = (value, line)
    for code in [c for c in DEPARTEMENTS if c != MAYOTTE] + [CORSE]:
        for year in (2017, 2018):
            if (code, year) not in d["alloc"]:
                raise InputError("%s: no allocation for %s in %d" % (path, code, year))
    path = lib.data_path("oarsa_orientation.csv", data_dir)
    fields = ["part_orientes_anc_moins_6m_pct", "orientes_pole_emploi_pct",
              "orientes_autre_spe_pct", "orientes_conseil_departemental_pct",
              "orientes_hors_spe_pct", "delai_entree_primo_orientation_jours"]
    for line, row in read_table(path, ["departement", "annee"] + fields):
        code = department_of(path, line, row["departement"])
        year = int(number(path, line, row, "annee"))
        cells = {}
        for col in fields:
            top = None if col.startswith("delai") else 100.0
            cells[col] = number(path, line, row, col, maximum=top, required=False)
        cells["line"] = line
        d["oarsa"][(code, year)] = cells
    d["growth"] = read_growth(data_dir)
    return d


def read_growth(data_dir):
    """The driver statistics of data/drees/derived/ (scripts/drees_growth.py)."""
    derived = os.path.join(data_dir or lib.DATA_DIR, "derived")
    path = os.path.join(derived, "growth.csv")
    stats, rows = {}, {}
    for line, row in read_table(path, ["territory", "statistic", "value"]):
        rows[(row["territory"], row["statistic"])] = row
        if row["value"]:
            stats[(row["territory"], row["statistic"])] = number(path, line, row, "value",
                                                                 minimum=None)
    path = os.path.join(derived, "driver_mapping.csv")
    mapping = []
    for line, row in read_table(path, ["T_years", "phi", "growth_sd_per_sigma",
                                       "panel_expected_sd_per_sigma"]):
        mapping.append((number(path, line, row, "T_years"), number(path, line, row, "phi"),
                        number(path, line, row, "growth_sd_per_sigma"),
                        number(path, line, row, "panel_expected_sd_per_sigma")))
    return {"stats": stats, "rows": rows, "mapping": mapping,
            "path": os.path.join(derived, "growth.csv")}


def growth_stat(g, territory, name):
    value = g["stats"].get((territory, name))
    if value is None:
        raise InputError("%s: no statistic %s for %s (run scripts/drees_growth.py)" %
                         (g["path"], name, territory))
    return value


# ---- What each département brings from the data -------------------------------------------------

def index_at(year, month):
    """The montant forfaitaire in force in a month, relative to the one at the start (2016-12)."""
    value = None
    for (y, m), amount in MONTANT:
        if (y, m) <= (year, month):
            value = amount
    return value / MONTANT[0][1]


def month_of(k):
    """(year, month) of model month k (0 = 2016-12)."""
    n = START[0] * 12 + START[1] - 1 + k
    return n // 12, n % 12 + 1


def derive(d):
    """Per département: observed counts, adults per foyer, allocation per foyer, orientation."""
    out = {}
    oarsa = d["oarsa"]
    # national fallbacks for the track shares: foyer-weighted mean of the départements that have
    # them (2017-2018)
    num = den = 0.0
    for code in DEPARTEMENTS:
        share = track_share(oarsa, oarsa_code(code))
        if share is not None:
            w = d["annual"][(code, 2018)][0]
            num, den = num + w * share[0], den + w
    national_pro = num / den
    for code in DEPARTEMENTS:
        f = {y: d["annual"][(code, y)][0] for y in (2016, 2017, 2018)}
        adults = d["annual"][(code, 2018)][1]
        monthly = [d["monthly"][(code, y, m)] for y in (2017, 2018) for m in range(1, 13)]
        years = sorted(y for (c, y) in d["annual"] if c == code)
        size = sum(d["annual"][(code, y)][0] for y in years) / len(years)
        row = {"code": code, "name": d["names"][code], "f": f, "monthly": monthly,
               "adults_per_foyer": adults / f[2018], "size": size}
        delay = [oarsa.get((oarsa_code(code), y), {}).get("delai_entree_primo_orientation_jours")
                 for y in (2017, 2018)]
        row["b13"] = delay
        known = [x for x in delay if x is not None]
        if known:
            row["delay"], row["delay_source"] = sum(known) / len(known), "B13 %s" % "+".join(
                str(y) for y, x in zip((2017, 2018), delay) if x is not None)
        else:
            row["delay"], row["delay_source"] = NATIONAL_DELAY_DAYS, "national"
        share = track_share(oarsa, oarsa_code(code))
        if share is not None:
            row["pro"], row["pro_source"] = share
        else:
            row["pro"], row["pro_source"] = national_pro, "national"
        b2 = [oarsa.get((oarsa_code(code), y), {}).get("part_orientes_anc_moins_6m_pct")
              for y in (2017, 2018)]
        row["b2"] = [x for x in b2 if x is not None]
        out[code] = row
    allocation(d, out)
    return out, national_pro


def oarsa_code(code):
    """OARSA publishes Corse as a whole (20) only."""
    return CORSE if code in CORSE_PARTS else code


def track_share(oarsa, code):
    """Share oriented to the professional track (Pôle emploi or another SPE body, CASF L262-29)
    among those oriented: mean of the latest two years published (2015-2018); None if none."""
    found = []
    for year in (2018, 2017, 2016, 2015):
        cell = oarsa.get((code, year))
        if not cell:
            continue
        parts = [cell[c] for c in ("orientes_pole_emploi_pct", "orientes_autre_spe_pct",
                                   "orientes_conseil_departemental_pct", "orientes_hors_spe_pct")]
        if parts[0] is None or sum(p or 0 for p in parts) <= 0:
            continue
        pro = (parts[0] + (parts[1] or 0)) / sum(p or 0 for p in parts)
        found.append((year, pro))
        if len(found) == 2:
            break
    if not found:
        return None
    return (sum(p for _, p in found) / len(found),
            "B5+B6 %s" % "+".join(str(y) for y, _ in sorted(found)))


def person_months_index(f16, monthly):
    """Sum over 2017 and 2018 of index x mean stock of the month (the mean of the month-ends
    around it), by year."""
    ends = [f16] + monthly
    out = {2017: 0.0, 2018: 0.0}
    for i in range(24):
        year, month = 2017 + i // 12, i % 12 + 1
        out[year] += index_at(year, month) * 0.5 * (ends[i] + ends[i + 1])
    return out


def allocation(d, rows):
    """Allocation per foyer-month at the montant forfaitaire of the start (2016-12): each year's
    gross allocation spending over its index-weighted foyer-months; 2017's from the start, 2018's
    from 2018-01 on (Corse: 2017's throughout; Mayotte: half the French amount)."""
    num = {2017: 0.0, 2018: 0.0}
    den = {2017: 0.0, 2018: 0.0}
    for code, row in rows.items():
        pm = person_months_index(row["f"][2016], row["monthly"])
        row["spending"] = {}
        if code == MAYOTTE:
            continue
        years = [2017] if code in CORSE_PARTS else [2017, 2018]
        row["amount"] = {}
        for y in years:
            spent = d["alloc"][(code, y)][0] * 1000.0
            row["spending"][y] = spent
            row["amount"][y] = round(spent / pm[y], 2)
            num[y] += spent
            den[y] += pm[y]
        row["amount_source"] = "DREES %s" % " and ".join(str(y) for y in years)
    national = {y: round(num[y] / den[y], 2) for y in num}
    rows[MAYOTTE]["amount"] = {y: round(MAYOTTE_AMOUNT_SHARE * national[y], 2) for y in national}
    rows[MAYOTTE]["amount_source"] = "half of France's"
    d["corse_2018"] = d["alloc"][(CORSE, 2018)][0] * 1000.0
    d["france_alloc"] = {}
    for y in (2017, 2018):
        d["france_alloc"][y] = sum(v * 1000.0 for (c, yy), (v, _) in d["alloc"].items()
                                   if yy == y and c not in CORSE_PARTS)


def amount_text(amount):
    if len(amount) == 1:
        return "%.2f" % amount[2017]
    return "2016-12:%.2f, 2018-01:%.2f" % (amount[2017], amount[2018])


# ---- The fluid model: expected stocks of the same model -----------------------------------------

def sig(x, digits=5):
    """x rounded to `digits` significant digits (what the model file holds)."""
    if x == 0:
        return 0.0
    return float("%.*g" % (digits, x))


def norm_cdf(z):
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


class Hazards:
    """The exit hazards of the three states (per month, by seniority piece), as written."""

    def __init__(self, scale):
        self.scale = scale
        self.rate = {}
        self.job_share = {}
        for state, (job, other) in MULTIPLIERS.items():
            self.rate[state] = [sig(scale * b * (job + other)) for b in BASE_HAZARD]
            self.job_share[state] = round(job / (job + other), 4)
        self.cum_start = {s: [0.0] for s in self.rate}
        for s, r in self.rate.items():
            for i in range(1, len(PIECES)):
                self.cum_start[s].append(self.cum_start[s][-1] + r[i - 1] *
                                         (PIECES[i] - PIECES[i - 1]))

    @staticmethod
    def piece(s):
        s += 1e-9
        return 0 if s < PIECES[1] else 1 if s < PIECES[2] else 2 if s < PIECES[3] else 3

    def cum(self, state, s):
        i = self.piece(s)
        return self.cum_start[state][i] + self.rate[state][i] * (s - PIECES[i])

    def evolve(self, p, q, s, u):
        """Persons in the professional (p) and social (q) tracks at seniority s, u months later
        (exits by hazard, reorientation q -> p), exactly within each hazard piece."""
        while u > 1e-12:
            i = self.piece(s)
            end = PIECES[i + 1] if i + 1 < len(PIECES) else float("inf")
            step = min(u, end - s) if end - s > 1e-9 else u
            a = self.rate["pro"][i]
            b = self.rate["soc"][i] + REORIENT
            ea, eb = math.exp(-a * step), math.exp(-b * step)
            if abs(a - b) > 1e-12:
                p = p * ea + REORIENT * q * (eb - ea) / (a - b)
            else:
                p = p * ea + REORIENT * q * step * ea
            q = q * eb
            s += step
            u -= step
        return p, q


class Orientation:
    """One département's orientation: lognormal delay (months) and the professional share."""

    def __init__(self, mean_days, sd_days, pro):
        self.mean_days, self.sd_days, self.pro = mean_days, sd_days, pro
        self.sigma = math.sqrt(math.log(1.0 + (sd_days / mean_days) ** 2))
        self.mu = math.log(mean_days / DPM) - 0.5 * self.sigma ** 2

    def cdf(self, t):
        return 0.0 if t <= 0 else norm_cdf((math.log(t) - self.mu) / self.sigma)


STEPS = 4  # steps per month of the fluid model (the hazard pieces fall on whole months)


def path_from(hz, orient, state, s0, months, tail_months=0):
    """A person placed at seniority s0 in `state` (orientation: time in state 0): the
    probabilities of being in orientation, pro, soc at every 1/STEPS month up to `months`, then
    monthly up to months + tail_months.  Returns a list of (t, o, p, q)."""
    dt = 1.0 / STEPS
    o = 1.0 if state == "orientation" else 0.0
    p = 1.0 if state == "pro" else 0.0
    q = 1.0 if state == "soc" else 0.0
    out = [(0.0, o, p, q)]
    if state != "orientation":
        t = 0.0
        for i in range(months * STEPS):
            p, q = hz.evolve(p, q, s0 + t, dt)
            t = (i + 1) * dt
            out.append((t, 0.0, p, q))
        for i in range(tail_months):
            p, q = hz.evolve(p, q, s0 + t, 1.0)
            t += 1.0
            out.append((t, 0.0, p, q))
        return out
    h0 = hz.cum("orientation", s0)
    f_prev = 0.0
    t = 0.0
    for i in range(months * STEPS + tail_months):
        step = dt if i < months * STEPS else 1.0
        t1 = t + step
        p, q = hz.evolve(p, q, s0 + t, step)
        f1 = orient.cdf(t1)
        moved = (f1 - f_prev) * math.exp(-(hz.cum("orientation", s0 + t + 0.5 * step) - h0))
        if moved > 0:
            dp, dq = hz.evolve(orient.pro * moved, (1 - orient.pro) * moved, s0 + t + 0.5 * step,
                               0.5 * step)
            p, q = p + dp, q + dq
        o = (1.0 - f1) * math.exp(-(hz.cum("orientation", s0 + t1) - h0))
        out.append((t1, o, p, q))
        t, f_prev = t1, f1
    return out


def month_means(path, months):
    """Mean over each month m (ages m..m+1) of the population share of a path sampled every
    1/STEPS month (trapezoid): the month-end stock of a cohort entering uniformly in month 0."""
    inpop = [o + p + q for _, o, p, q in path]
    out = []
    for m in range(months):
        seg = inpop[m * STEPS:(m + 1) * STEPS + 1]
        out.append((sum(seg) - 0.5 * (seg[0] + seg[-1])) / STEPS)
    return out


def seniority_quadrature(table):
    """Points and weights over the initial seniority (bins uniform inside), 2-point Gauss in
    each bin below 48 months, one point for 48 months and over (the hazards are constant
    there)."""
    points, lo = [], 0.0
    g = 0.5 / math.sqrt(3.0)
    tail = 0.0
    for upper, weight in table:
        if lo >= PIECES[-1]:
            tail += weight
        else:
            mid, half = 0.5 * (lo + upper), upper - lo
            points += [(mid - g * half, 0.5 * weight), (mid + g * half, 0.5 * weight)]
        lo = upper
    if tail > 0:
        points.append((PIECES[-1], tail))
    return points


def steady_state(hz, orient, growth, months=600):
    """The stock of a population growing at `growth` a year in steady state: state shares,
    seniority distribution (density prop. to exp(-g a) x share of a spell still running at a),
    pending returns per person in the stock."""
    path = path_from(hz, orient, "orientation", 0.0, 60, months - 60)
    g = growth / 12.0
    acc = {"o": 0.0, "p": 0.0, "q": 0.0}
    dens = []
    exits = 0.0
    for (t0, o0, p0, q0), (t1, o1, p1, q1) in zip(path, path[1:]):
        w0, w1 = math.exp(-g * t0), math.exp(-g * t1)
        step = t1 - t0
        for key, a, b in (("o", o0, o1), ("p", p0, p1), ("q", q0, q1)):
            acc[key] += 0.5 * step * (w0 * a + w1 * b)
        dens.append((t0, t1, 0.5 * step * (w0 * (o0 + p0 + q0) + w1 * (o1 + p1 + q1))))
        exits += 0.5 * (w0 + w1) * ((o0 + p0 + q0) - (o1 + p1 + q1))
    total = acc["o"] + acc["p"] + acc["q"]
    shares = {k: v / total for k, v in acc.items()}
    # pending returns: exits of the past (weighted by growth) still waiting, per person in stock
    pending = RETURN_P * exits * RETURN_MEAN / (1.0 + g * RETURN_MEAN) / total
    return shares, dens, total, pending


def seniority_table(dens):
    """Bins of SENIORITY_BINS with the weights of the steady-state density; beyond the last
    bin folded into it."""
    weights = [0.0] * len(SENIORITY_BINS)
    for t0, t1, w in dens:
        mid = 0.5 * (t0 + t1)
        i = 0
        while i + 1 < len(SENIORITY_BINS) and mid >= SENIORITY_BINS[i]:
            i += 1
        weights[i] += w
    total = sum(weights)
    return [(u, w / total) for u, w in zip(SENIORITY_BINS, weights)]


def share_below(dens, months):
    total = sum(w for _, _, w in dens)
    return sum(w for t0, t1, w in dens if t1 <= months + 1e-9) / total


def monthly_presence(hz, orient, months):
    """Share of a spell begun at 0 (in orientation) still running at whole months 0..months."""
    path = path_from(hz, orient, "orientation", 0.0, 60, months - 60)
    return ([sum(path[m * STEPS][1:]) for m in range(61)] +
            [sum(x[1:]) for x in path[60 * STEPS + 1:]])


def stock_exit_rate(hz, orient, growth, months=600):
    """Share of the steady-state stock (growing at `growth` a year) that is no longer in the RSA
    12 months later: exits within the 12 months not followed by a return still running at the
    end (DREES ER 1073 counts the year-end stock not on a minimum a year later)."""
    pin = monthly_presence(hz, orient, months)
    exits = [pin[i] - pin[i + 1] for i in range(months)]
    # after an exit (mid-month j of the 12), not back and present at the end of the year
    away = []
    for j in range(12):
        w = 11.5 - j
        back = 0.0
        n = 24
        for k in range(n):
            v = (k + 0.5) * w / n
            rest = w - v
            i = int(rest)
            present = pin[i] + (rest - i) * (pin[i + 1] - pin[i])
            back += math.exp(-v / RETURN_MEAN) / RETURN_MEAN * present * w / n
        away.append(1.0 - RETURN_P * back)
    g = growth / 12.0
    num = den = 0.0
    for a in range(months - 12):
        wgt = math.exp(-g * (a + 0.5))
        den += wgt * 0.5 * (pin[a] + pin[a + 1])
        num += wgt * sum(exits[a + j] * away[j] for j in range(12))
    return num / den


class National:
    """The hazard scale and the seniority structure of the stock, shared by every département."""

    def __init__(self, growth, national_pro):
        self.growth = growth
        lo, hi = 0.5, 3.0
        for _ in range(14):
            mid = 0.5 * (lo + hi)
            hz = Hazards(mid)
            mean = lognormal_mean_for(hz, NATIONAL_DELAY_DAYS)
            orient = Orientation(mean, DELAY_CV * mean, national_pro)
            if stock_exit_rate(hz, orient, growth) < STOCK_EXIT_RATE:
                lo = mid
            else:
                hi = mid
        self.scale = round(0.5 * (lo + hi), 3)
        self.hz = Hazards(self.scale)
        mean = round(lognormal_mean_for(self.hz, NATIONAL_DELAY_DAYS), 1)
        self.orient = orient = Orientation(mean, round(DELAY_CV * mean, 1), national_pro)
        self.stock_exit = stock_exit_rate(self.hz, orient, growth)
        shares, dens, total, pending = steady_state(self.hz, orient, growth)
        self.table = [(u, round(w, 5)) for u, w in seniority_table(dens)]
        self.share_2y = share_below(dens, 24)
        self.share_2_5y = share_below(dens, 60) - self.share_2y
        self.mean_spell = total
        pin = monthly_presence(self.hz, orient, 120)
        self.entrant_exit_12m = 1.0 - pin[12]
        self.quad = seniority_quadrature(self.table)
        # placed persons in the professional and social tracks: national kernels
        self.placed = {}
        for state in ("pro", "soc"):
            self.placed[state] = self.placed_kernel(None, state)
        self.impulse = impulse_response(self.hz, orient)
        # a one-compartment stock with mean duration T reaches 1 - exp(-1/T) of a step in its
        # inflow after a year: the T of the same first-year response
        self.t_eff = -1.0 / math.log(1.0 - sum(self.impulse[:12]) / sum(self.impulse))

    def placed_kernel(self, orient, state):
        """Month-end stock (months 0..H-1) of one person placed at the start in `state` with the
        initial seniority."""
        ends = [0.0] * (HORIZON + 1)
        for s, w in self.quad:
            path = path_from(self.hz, orient, state, s, HORIZON)
            for m in range(HORIZON + 1):
                _, o, p, q = path[m * STEPS]
                ends[m] += w * (o + p + q)
        return ends


class Renewal:
    """A département's new spells month by month: the month-end stock ks(m) and exits kx(m) of
    a cohort entering uniformly during month 0, and the returns of exits (probability RETURN_P,
    exponential delay), which start new spells."""

    def __init__(self, hz, orient, months):
        path = path_from(hz, orient, "orientation", 0.0, months + 1)
        self.ks = month_means(path, months + 1)
        self.kx = [1.0 - self.ks[0]] + [self.ks[m - 1] - self.ks[m] for m in range(1, months + 1)]
        x = math.exp(-1.0 / RETURN_MEAN)
        # share of the exits of a month (uniform in it) coming back d months later, if they do
        self.psi = [1.0 - RETURN_MEAN * (1.0 - x)] + [RETURN_MEAN * (1.0 - x) ** 2 * x ** (d - 1)
                                                      for d in range(1, months + 1)]
        # the same for persons waiting at the start
        self.psi0 = [x ** d * (1.0 - x) for d in range(months + 1)]

    def run(self, arrivals, n0=0.0, init_ends=None, pending=0.0):
        """Expected month-end stocks, entries and exits for expected arrivals per month, n0
        persons placed at the start (init_ends: their month-end stock per person, index 0 the
        start) and `pending` persons waiting to return at the start."""
        stock, entries, exits = [], [], []
        a = 1.0 - RETURN_P * self.psi[0] * self.kx[0]
        for j in range(len(arrivals)):
            xp = sum(entries[i] * self.kx[j - i] for i in range(j))
            if n0:
                xp += n0 * (init_ends[j] - init_ends[j + 1])
            rp = RETURN_P * sum(exits[i] * self.psi[j - i] for i in range(j))
            rp += pending * self.psi0[j]
            e = (arrivals[j] + rp + RETURN_P * self.psi[0] * xp) / a
            entries.append(e)
            exits.append(xp + e * self.kx[0])
            stock.append(sum(entries[i] * self.ks[j - i] for i in range(j + 1)) +
                         (n0 * init_ends[j + 1] if n0 else 0.0))
        return stock, entries, exits


def impulse_response(hz, orient, months=720):
    """Expected month-end stock, months 0..months-1, of the arrivals of month 0 (one on
    average) and of their returns: the filter through which the stock follows its inflow."""
    return Renewal(hz, orient, months).run([1.0] + [0.0] * (months - 1))[0]


class Kernel:
    """One département's fluid model: its renewal, its steady state and its placed persons."""

    def __init__(self, nat, orient, growth):
        self.renewal = Renewal(nat.hz, orient, HORIZON)
        self.shares, _, _, self.pending = steady_state(nat.hz, orient, growth)
        # placed in orientation at the initial seniority: this département's delay and split
        ends = [0.0] * (HORIZON + 1)
        for s, w in nat.quad:
            p = path_from(nat.hz, orient, "orientation", s, HORIZON)
            for m in range(HORIZON + 1):
                _, o, pp, q = p[m * STEPS]
                ends[m] += w * (o + pp + q)
        self.placed = {"orientation": ends, "pro": nat.placed["pro"], "soc": nat.placed["soc"]}

    def initial_ends(self, shares):
        """Month-end stock of one initial person (start of 2016-12) with these state shares,
        index 0 = the start, m + 1 = end of month m."""
        return [sum(shares[s] * self.placed[s][m] for s in shares) for m in range(HORIZON + 1)]


def lognormal_mean_for(hz, observed_days, months=120):
    """The mean of the lognormal delay (sd DELAY_CV x mean) whose entrants oriented before an
    exit have, on average, the observed delay in days: what OARSA B13 measures."""
    dt = 1.0 / STEPS
    mids = [(i + 0.5) * dt for i in range(months * STEPS)]
    stay = [math.exp(-hz.cum("orientation", t)) for t in mids]

    def oriented_mean(mean_days):
        orient = Orientation(mean_days, DELAY_CV * mean_days, 0.5)
        num = den = f_prev = 0.0
        for i, t in enumerate(mids):
            f1 = orient.cdf(t + 0.5 * dt)
            moved = (f1 - f_prev) * stay[i]
            num += moved * t
            den += moved
            f_prev = f1
        return num / den * DPM

    lo, hi = 0.5 * observed_days, 4.0 * observed_days
    for _ in range(16):
        mid = 0.5 * (lo + hi)
        if oriented_mean(mid) < observed_days:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def calibrate(nat, row, profile):
    """Initial count and inflow rates (per month, before the monthly profile) of 2016-12 to
    2017-12 and from 2018-01 so that the expected stock is the 31 December counts of 2016, 2017
    and 2018; the initial stock's state shares and pending returns are the steady state's."""
    mean = round(lognormal_mean_for(nat.hz, row["delay"]), 1)
    orient = Orientation(mean, round(DELAY_CV * mean, 1), round(row["pro"], 4))
    kern = Kernel(nat, orient, nat.growth)
    sh = kern.shares
    row["initial_shares"] = {"orientation": round(sh["o"], 4), "pro": round(sh["p"], 4)}
    row["initial_shares"]["soc"] = round(1.0 - row["initial_shares"]["orientation"] -
                                         row["initial_shares"]["pro"], 4)
    shares = row["initial_shares"]
    init = kern.initial_ends(shares)
    prof = [profile[month_of(k)[1] - 1] for k in range(HORIZON)]
    first = [prof[k] if k <= 12 else 0.0 for k in range(HORIZON)]
    second = [prof[k] if k > 12 else 0.0 for k in range(HORIZON)]
    zero = [0.0] * HORIZON
    s_init = kern.renewal.run(zero, 1.0, init, kern.pending)[0]
    s_a = kern.renewal.run(first)[0]
    s_b = kern.renewal.run(second)[0]
    f = row["f"]
    det = s_init[0] * s_a[12] - s_init[12] * s_a[0]
    n0 = (f[2016] * s_a[12] - f[2017] * s_a[0]) / det
    lam_a = (s_init[0] * f[2017] - s_init[12] * f[2016]) / det
    lam_b = (f[2018] - n0 * s_init[24] - lam_a * s_a[24]) / s_b[24]
    if n0 <= 0 or lam_a <= 0 or lam_b <= 0:
        raise InputError("département %s: no positive inflow reproduces its counts "
                         "(initial %.0f, inflow %.1f and %.1f a month)" %
                         (row["code"], n0, lam_a, lam_b))
    row["initial"] = int(round(n0))
    row["pending"] = int(round(n0 * kern.pending))
    row["inflow"] = (sig(lam_a), sig(lam_b))
    row["orient"] = orient
    n0r, pr = row["initial"], row["pending"]
    arrivals = [row["inflow"][0] * first[k] + row["inflow"][1] * second[k] for k in range(HORIZON)]
    stock, entries, _ = kern.renewal.run(arrivals, n0r, init, pr)
    row["fluid"] = stock
    row["fluid_entries"] = entries
    row["b2_model"] = b2_model(nat, orient)
    return row


def b2_model(nat, orient):
    """Share oriented among the persons with seniority under 6 months (entries constant over
    the last 6 months; OARSA B2 observes it at 31 December)."""
    path = path_from(nat.hz, orient, "orientation", 0.0, 6)
    num = den = 0.0
    for (_, o0, p0, q0), (_, o1, p1, q1) in zip(path, path[1:]):
        num += 0.5 * (p0 + q0 + p1 + q1)
        den += 0.5 * (o0 + p0 + q0 + o1 + p1 + q1)
    return num / den


# ---- Drivers ----------------------------------------------------------------------------------

ALL_GROWTH_YEARS = list(range(2010, 2019))
DROPPED = ALL_GROWTH_YEARS.index(lib.BREAK_YEAR)
GROWTH_YEARS = [y for y in ALL_GROWTH_YEARS if y != lib.BREAK_YEAR]


def panel_var(r):
    """Large-N expected pooled variance of yearly growths 2010-2018 (the 2016 growth left out)
    after the two-way demeaning, for log-stock autocovariances r at lags of 0..10 years: what
    scripts/drees_growth.py's pooled residual estimator expects (its panel_expectations)."""
    n = len(ALL_GROWTH_YEARS)
    cov = [[2 * r[abs(i - j)] - r[abs(i - j + 1)] - r[abs(i - j - 1)] for j in range(n)]
           for i in range(n)]
    keep = [i for i in range(n) if i != DROPPED]
    g = [[cov[i][j] for j in keep] for i in keep]
    t = len(g)
    m = [[(1.0 if i == j else 0.0) - 1.0 / t for j in range(t)] for i in range(t)]
    mg = [[sum(m[i][k] * g[k][j] for k in range(t)) for j in range(t)] for i in range(t)]
    e = [[sum(mg[i][k] * m[k][j] for k in range(t)) for j in range(t)] for i in range(t)]
    return sum(e[i][i] for i in range(t)) / (t - 1)


class StockFilter:
    """The model's log stock as a linear filter of a log-AR(1) driver on its inflow:
    s(t) = sum_u k(u) x(t - u), k the impulse response of the stock to a month's arrivals
    (returns included) over its sum; and the demographic noise of the same stock."""

    def __init__(self, impulse):
        total = sum(impulse)
        self.k = [v / total for v in impulse]
        n = len(self.k)
        self.c = [sum(self.k[u] * self.k[u + l] for u in range(n - l)) for l in range(n)]
        tail, acc = [], 0.0
        for v in reversed(impulse):
            acc += v
            tail.append(acc)
        tail.reverse()
        # M/G/infinity: Cov(N(t), N(t+h)) = lambda sum_{a >= h} impulse(a); log scale, size 1
        self.poisson = [tail[12 * y] / total if 12 * y < n else 0.0 for y in range(11)]

    def autocov(self, phi):
        """Log-stock autocovariances at 0..10 years per unit yearly innovation sd."""
        a = phi ** (1.0 / 12.0)
        var_x = 1.0 / (1.0 - phi * phi)
        n = len(self.c)
        out = []
        for y in range(11):
            h = 12 * y
            out.append(var_x * sum(a ** abs(h + l) * self.c[abs(l)] for l in range(1 - n, n)))
        return out

    def growth_sd(self, phi):
        r = self.autocov(phi)
        return math.sqrt(2.0 * (r[0] - r[1]))

    def panel_sd(self, phi):
        return math.sqrt(panel_var(self.autocov(phi)))


def interpolate(grid, x):
    """Linear interpolation in a sorted list of (x, y)."""
    lo = max((p for p in grid if p[0] <= x), default=grid[0])
    hi = min((p for p in grid if p[0] >= x), default=grid[-1])
    w = 0.0 if hi[0] == lo[0] else (x - lo[0]) / (hi[0] - lo[0])
    return lo[1] + w * (hi[1] - lo[1])


CYCLE_DF = 7  # the REML of the 8 national year effects 2010-2015, 2017-2018 (docs/data.md §4.4)


def cycle_phi_se(g, tag):
    """Standard error of the cycle's persistence: the width of its 90 % likelihood-ratio interval
    over 2 x 1.645 (docs/data.md §4.4)."""
    row = g["rows"][("FR-metro", "cycle_driver_phi" + tag)]
    return (float(row["ci90_high"]) - float(row["ci90_low"])) / (2 * 1.6449)


def drivers(g, nat):
    """The national cycle and the per-département residual driver (docs/data.md §4), moved from
    the one-compartment stock of scripts/drees_growth.py to this model's stock: the persistence of
    the row T = 2, 3, 4 years nearest the model's first-year response, the innovation sd that
    gives this model's stock the same growth sd (cycle) or pooled residual variance
    a + b / S net of the model's own demographic noise (residual)."""
    duration = min((2.0, 3.0, 4.0), key=lambda x: abs(x - nat.t_eff))
    tag = "_T%g" % duration
    filt = StockFilter(nat.impulse)
    out = {"T": duration,
           "cycle_phi": growth_stat(g, "FR-metro", "cycle_driver_phi" + tag),
           "cycle_sigma_T": growth_stat(g, "FR-metro", "cycle_driver_sigma" + tag),
           "cycle_phi_se": cycle_phi_se(g, tag),
           "local_phi": growth_stat(g, "FR-metro", "residual_net_poisson_driver_phi" + tag),
           "floor": growth_stat(g, "FR-metro", "residual_var_floor"),
           "per_inverse_size": growth_stat(g, "FR-metro", "residual_var_per_inverse_size")}
    grid = sorted((phi, sd) for t, phi, sd, _ in g["mapping"] if t == duration)
    out["cycle_growth_sd"] = out["cycle_sigma_T"] * interpolate(grid, out["cycle_phi"])
    out["cycle_sigma"] = out["cycle_growth_sd"] / filt.growth_sd(out["cycle_phi"])
    out["local_panel_sd_per_sigma"] = filt.panel_sd(out["local_phi"])
    out["poisson_panel_var"] = panel_var(filt.poisson)
    return out


def local_sigma(drv, size):
    """Residual driver sd of a département of mean size S: the pooled residual variance of the
    size fit, a + b / S, net of the model's own demographic noise, through the model's stock."""
    var = drv["floor"] + (drv["per_inverse_size"] - drv["poisson_panel_var"]) / size
    return math.sqrt(max(var, 0.0)) / drv["local_panel_sd_per_sigma"]


# ---- Writing the model --------------------------------------------------------------------------

def pop(code):
    return "d" + code.lower()


def wrap(key, items, width=96):
    """key = a, b, c, ... over indented continuation lines (inih holds 196 characters)."""
    lines, cur = [], key + " ="
    for i, item in enumerate(items):
        piece = " " + item + ("," if i + 1 < len(items) else "")
        if len(cur) + len(piece) > width:
            lines.append(cur)
            cur = "   "
        cur += piece
    lines.append(cur)
    return "\n".join(lines)


def fmt_rate(x):
    return ("%.6g" % x)


def hazard_text(hz, state):
    rates = ", ".join("%gm:%s" % (start, fmt_rate(r)) for start, r in zip(PIECES, hz.rate[state]))
    return "hazard piecewise(entry; %s)/m" % rates


def departement_sections(row, hz, drv):
    code, p = row["code"], pop(row["code"])
    name = row["name"]
    o = row["orient"]
    sh = row["initial_shares"]
    init_total = row["initial"] + row["pending"]
    shares = {"orientation": sh["orientation"] * row["initial"] / init_total,
              "pro": sh["pro"] * row["initial"] / init_total,
              "soc": sh["soc"] * row["initial"] / init_total}
    s_or, s_pro, s_soc = (round(shares[k], 5) for k in ("orientation", "pro", "soc"))
    s_ret = round(1.0 - s_or - s_pro - s_soc, 5)
    js = hz.job_share
    out = []
    out.append("; ==== %s %s " % (code, name) + "=" * max(0, 84 - len(code) - len(name)))
    out.append("; 31/12 foyers 2016 / 2017 / 2018: %d / %d / %d; adults per foyer (2018) %.4f" %
               (row["f"][2016], row["f"][2017], row["f"][2018], row["adults_per_foyer"]))
    out.append("; orientation: entrants oriented after %.1f d on average (%s): lognormal mean "
               "%.1f d;" % (row["delay"], row["delay_source"], o.mean_days))
    out.append("; professional track %.4f of those oriented (%s)" % (o.pro, row["pro_source"]))
    out.append("")
    out.append("[population %s]" % p)
    out.append("label = %s — foyers allocataires du RSA" % name)
    out.append("territory = %s" % code)
    out.append("entry = %s_orientation" % p)
    out.append("; calibrated: 31/12 counts of 2016, 2017, 2018 (docs/france.md)")
    out.append("inflow.rate = 2016-12:%s/m, 2018-01:%s/m" % (fmt_rate(row["inflow"][0]),
                                                            fmt_rate(row["inflow"][1])))
    out.append("inflow.profile = table(profil_entrees.csv)")
    out.append("inflow.drivers = cycle * local_%s" % p)
    out.append("; %d foyers in the RSA and %d pending returns (state %s_returning)" %
               (row["initial"], row["pending"], p))
    out.append("initial.count = %d" % init_total)
    out.append("initial.state = %s_orientation:%.5f, %s_pro:%.5f, %s_soc:%.5f, "
               "%s_returning:%.5f" % (p, s_or, p, s_pro, p, s_soc, p, s_ret))
    out.append("initial.seniority = table(anciennete_initiale.csv)")
    out.append("")
    out.append("[state %s_orientation]" % p)
    out.append("population = %s" % p)
    out.append("label = %s — en attente d'orientation" % name)
    out.append("on.oriented = after lognormal(mean=%.1fd, sd=%.1fd) -> %s_pro:%.4f, %s_soc:%.4f"
               % (o.mean_days, o.sd_days, p, o.pro, p, 1.0 - o.pro))
    out.append("on.exit = %s -> %s_exit_job:%.4f, %s_exit_other:%.4f" %
               (hazard_text(hz, "orientation"), p, js["orientation"], p,
                1 - js["orientation"]))
    out.append("")
    out.append("[state %s_pro]" % p)
    out.append("population = %s" % p)
    out.append("label = %s — parcours professionnel" % name)
    out.append("on.exit = %s -> %s_exit_job:%.4f, %s_exit_other:%.4f" %
               (hazard_text(hz, "pro"), p, js["pro"], p, 1 - js["pro"]))
    out.append("")
    out.append("[state %s_soc]" % p)
    out.append("population = %s" % p)
    out.append("label = %s — parcours social ou socio-professionnel" % name)
    out.append("on.exit = %s -> %s_exit_job:%.4f, %s_exit_other:%.4f" %
               (hazard_text(hz, "soc"), p, js["soc"], p, 1 - js["soc"]))
    out.append("on.reorient = hazard %g/m -> %s_pro" % (REORIENT, p))
    out.append("")
    for exit_state, label in (("exit_job", "sorti vers l'emploi"),
                              ("exit_other", "sorti pour un autre motif")):
        out.append("[state %s_%s]" % (p, exit_state))
        out.append("population = %s" % p)
        out.append("label = %s — %s" % (name, label))
        out.append("outside = yes")
        out.append("on.return = with $retour after exponential(mean=%gm) -> %s_orientation" %
                   (RETURN_MEAN, p))
        out.append("")
    out.append("[state %s_returning]" % p)
    out.append("population = %s" % p)
    out.append("label = %s — sorti avant 2016-12, retour à venir" % name)
    out.append("outside = yes")
    out.append("on.return = after exponential(mean=%gm) -> %s_orientation" % (RETURN_MEAN, p))
    out.append("")
    out.append("[driver local_%s]" % p)
    out.append("label = %s — écart propre au département" % name)
    out.append("process = log-ar1")
    out.append("sd = %.4f" % local_sigma(drv, row["size"]))
    out.append("persistence = %.3f" % drv["local_phi"])
    out.append("from = %s" % DRIVER_FROM)
    out.append("")
    out.append("[cost allocation_%s]" % p)
    out.append("label = %s — allocation RSA" % name)
    out.append("funder = departement")
    out.append("per = person-month")
    out.append("states = %s_orientation, %s_pro, %s_soc" % (p, p, p))
    out.append("; spending / foyer-months, %s, at the montant forfaitaire of 2016-12" %
               row["amount_source"])
    out.append("amount = %s" % amount_text(row["amount"]))
    out.append("indexation = table(indice_montant_forfaitaire.csv)")
    out.append("")
    apf = row["adults_per_foyer"]
    for track in ("pro", "soc"):
        out.append("[staff referents_%s_%s]" % (track, p))
        out.append("label = %s — référents, parcours %s" %
                   (name, "professionnel" if track == "pro" else "social"))
        out.append("states = %s_%s" % (p, track))
        out.append("; %g adults per référent / %.4f adults per foyer" %
                   (CASELOAD_ADULTS[track], apf))
        out.append("caseload = %.2f" % (CASELOAD_ADULTS[track] / apf))
        out.append("")
    out.append("[indicator oriente_2_mois_%s]" % p)
    out.append("label = %s — entrants orientés en moins de deux mois" % name)
    out.append("kind = delay")
    out.append("from = entry %s" % p)
    out.append("to = state %s_pro, %s_soc" % (p, p))
    out.append("within = 2m")
    out.append("")
    out.append("[indicator sorties_emploi_%s]" % p)
    out.append("label = %s — part des sorties vers l'emploi" % name)
    out.append("kind = ratio")
    out.append("numerator = in.%s_exit_job" % p)
    out.append("denominator = exits.%s" % p)
    out.append("")
    out.append("[indicator allocation_%s]" % p)
    out.append("label = %s — allocation RSA" % name)
    out.append("kind = count")
    out.append("unit = euros")
    out.append("of = cost.allocation_%s" % p)
    out.append("")
    return out


def model_text(title, codes, rows, nat, drv, observations):
    hz = nat.hz
    out = []
    out.append("; %s" % title)
    out.append("; Written by scripts/make_france.py from data/drees/ (do not edit: regenerate).")
    out.append("; Persons are foyers allocataires.  Method, sources and calibration: "
               "docs/france.md.")
    out.append("")
    out.append("[model]")
    out.append("name = %s" % title)
    out.append("start = %d-%02d" % START)
    out.append("; 2016-12 to 2027-12")
    out.append("horizon = %d" % HORIZON)
    out.append("")
    out.append("; Exit hazards by seniority, shared by every département: PARAMETERS.md §2 "
               "(0.0561, 0.0328,")
    out.append("; 0.0205, 0.0097 a month) x %.3f (national scale: %.0f %% of the steady-state "
               "stock is off" % (nat.scale, 100 * STOCK_EXIT_RATE))
    out.append("; the RSA a year later, DREES ER 1073) x the Drôme model's state multipliers "
               "(job + other):")
    out.append("; orientation 0.30 + 0.45, professional 0.70 + 0.45, social 0.25 + 0.45.")
    out.append("")
    out.append("[parameter retour]")
    out.append("label = Probabilité de revenir au RSA après une sortie")
    out.append("; PARAMETERS.md §2 (ASSUMPTION): 20 % back within 12 months, 30 % within 24")
    out.append("value = %g" % RETURN_P)
    out.append("")
    out.append("[driver cycle]")
    out.append("label = Cycle national")
    out.append("; docs/data.md §4.2 (T = %g years): persistence %.2f; sd giving this model's "
               "stock a yearly" % (drv["T"], drv["cycle_phi"]))
    out.append("; growth sd of %.2f %% (docs/france.md)" % (100 * drv["cycle_growth_sd"]))
    out.append("process = log-ar1")
    out.append("; uncertain as estimated (docs/data.md §4.4): the sd from %d degrees of freedom, the"
               % CYCLE_DF)
    out.append("; persistence with the standard error of its likelihood-ratio interval")
    out.append("sd = uncertain sd-inv-chi2(sd=%.4f, df=%d, max=1)" % (drv["cycle_sigma"], CYCLE_DF))
    out.append("persistence = uncertain normal(mean=%.2f, sd=%.3f, min=0, max=1)"
               % (drv["cycle_phi"], drv["cycle_phi_se"]))
    out.append("from = %s" % DRIVER_FROM)
    out.append("")
    out.append("[funder departement]")
    out.append("label = Départements")
    out.append("")
    p_all = [pop(c) for c in codes]
    out.append("[indicator sorties_emploi]")
    out.append("label = Part des sorties vers l'emploi, ensemble des départements")
    out.append("kind = ratio")
    out.append(wrap("numerator", ["in.%s_exit_job" % p for p in p_all]))
    out.append(wrap("denominator", ["exits.%s" % p for p in p_all]))
    out.append("")
    out.append("[indicator foyers_france]")
    out.append("label = Foyers allocataires du RSA, ensemble des départements")
    out.append("kind = count")
    out.append("unit = number")
    out.append(wrap("of", ["stock.%s" % p for p in p_all]))
    out.append("")
    with_spending = [c for c in codes if c != MAYOTTE]
    if with_spending:
        out.append("[indicator allocation_france]")
        out.append("label = Allocation RSA, ensemble des départements%s" %
                   (" (hors Mayotte)" if MAYOTTE in codes else ""))
        out.append("kind = count")
        out.append("unit = euros")
        out.append(wrap("of", ["cost.allocation_%s" % pop(c) for c in with_spending]))
        out.append("")
    if all(c in codes for c in CORSE_PARTS):
        out.append("[indicator allocation_corse]")
        out.append("label = Allocation RSA, Collectivité de Corse (2A + 2B)")
        out.append("kind = count")
        out.append("unit = euros")
        out.append("of = cost.allocation_d2a, cost.allocation_d2b")
        out.append("")
    if observations:
        out.append("[observations]")
        out.append("file = table(%s)" % observations)
        out.append("")
    for code in codes:
        out += departement_sections(rows[code], hz, drv)
    return "\n".join(out).rstrip("\n") + "\n"


def observation_rows(codes, rows, d, france):
    out = []
    for code in codes:
        row, p = rows[code], pop(code)
        for i in range(24):
            year, month = 2017 + i // 12, i % 12 + 1
            if month == 12:
                continue
            out.append(("stock.%s" % p, "%d-%02d" % (year, month), "%.0f" % row["monthly"][i],
                        "", SRC_MONTHLY))
        for year in (2016, 2017, 2018):
            out.append(("stock.%s" % p, "%d-12" % year, "%.0f" % row["f"][year],
                        "%d%%" % TOL_STOCK, SRC_FOYERS))
        for year, value in sorted(row["spending"].items()):
            out.append(("cost.allocation_%s" % p, "%d" % year, "%.0f" % value,
                        "%d%%" % TOL_ALLOC, SRC_ALLOC))
        for year, value in zip((2017, 2018), row["b13"]):
            if value is not None:
                out.append(("indicator.oriente_2_mois_%s.days" % p, "%d" % year,
                            "%.0f" % value, "", SRC_B13))
    if all(c in codes for c in CORSE_PARTS):
        out.append(("indicator.allocation_corse", "2018", "%.0f" % d["corse_2018"],
                    "%d%%" % TOL_ALLOC, SRC_ALLOC + " (Collectivité de Corse, 20)"))
    if france:
        for year in (2016, 2017, 2018):
            out.append(("indicator.foyers_france", "%d-12" % year,
                        "%.0f" % sum(rows[c]["f"][year] for c in codes), "%d%%" % TOL_FRANCE,
                        SRC_FOYERS + " (somme des départements)"))
        for year in (2017, 2018):
            out.append(("indicator.allocation_france", "%d" % year,
                        "%.0f" % d["france_alloc"][year], "%d%%" % TOL_FRANCE,
                        SRC_ALLOC + " (France hors Mayotte)"))
    return out


def write_file(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def write_csv(path, header, rows):
    lib.write_csv(path, header, rows)


def write_model(out_dir, d, rows, nat, drv, profile, national_pro):
    """models/france/ and its test/ folder."""
    write_csv(os.path.join(out_dir, "anciennete_initiale.csv"), ["upper", "weight"],
              [("%dm" % u, "%.5f" % w) for u, w in nat.table])
    write_csv(os.path.join(out_dir, "profil_entrees.csv"), ["month", "factor"],
              [(m + 1, "%.4f" % f) for m, f in enumerate(profile)])
    write_csv(os.path.join(out_dir, "indice_montant_forfaitaire.csv"), ["date", "factor"],
              [("%d-%02d" % START, "1.000000")] +
              [("%d-%02d" % ym, "%.6f" % (a / MONTANT[0][1])) for ym, a in MONTANT
               if ym > START])
    write_csv(os.path.join(out_dir, "observations.csv"),
              ["variable", "period", "value", "tolerance", "source"],
              observation_rows(DEPARTEMENTS, rows, d, True))
    write_file(os.path.join(out_dir, "rsa.ini"),
               model_text("France — RSA par département", DEPARTEMENTS, rows, nat, drv,
                          "observations.csv"))
    write_csv(os.path.join(out_dir, "departements.csv"), DEPT_HEADER,
              [dept_row(rows[c]) for c in DEPARTEMENTS])
    # the reduced model for the tests, and each of its départements alone, from the same code
    test_dir = os.path.join(out_dir, "test")
    tables = ("anciennete_initiale.csv", "profil_entrees.csv", "indice_montant_forfaitaire.csv")
    for name in tables:
        with open(os.path.join(out_dir, name), encoding="utf-8") as f:
            write_file(os.path.join(test_dir, name), f.read())
    write_csv(os.path.join(test_dir, "observations.csv"),
              ["variable", "period", "value", "tolerance", "source"],
              observation_rows(TEST_DEPARTEMENTS, rows, d, False))
    names = ", ".join(rows[c]["name"] for c in TEST_DEPARTEMENTS)
    write_file(os.path.join(test_dir, "rsa3.ini"),
               model_text("France réduite — %s" % names, TEST_DEPARTEMENTS, rows, nat, drv,
                          "observations.csv"))
    for code in TEST_DEPARTEMENTS:
        write_file(os.path.join(test_dir, "%s.ini" % pop(code)),
                   model_text("France réduite — %s seul" % rows[code]["name"], [code], rows,
                              nat, drv, None))


DEPT_HEADER = ["code", "population", "name", "foyers_2016", "foyers_2017", "foyers_2018",
               "adults_per_foyer_2018", "initial_foyers", "pending_returns",
               "inflow_2017_per_month", "inflow_2018_per_month", "oriented_delay_days",
               "delay_source", "lognormal_mean_days", "pro_share", "pro_source", "b2_observed_pct",
               "b2_model_pct", "allocation_2017", "allocation_2018", "allocation_source",
               "local_driver_sd", "fluid_2016", "fluid_2017", "fluid_2018"]


def dept_row(row):
    return [row["code"], pop(row["code"]), row["name"], "%.0f" % row["f"][2016],
            "%.0f" % row["f"][2017], "%.0f" % row["f"][2018], "%.4f" % row["adults_per_foyer"],
            row["initial"], row["pending"], fmt_rate(row["inflow"][0]),
            fmt_rate(row["inflow"][1]), "%.1f" % row["delay"], row["delay_source"],
            "%.1f" % row["orient"].mean_days,
            "%.4f" % row["orient"].pro, row["pro_source"],
            "%.1f" % (sum(row["b2"]) / len(row["b2"])) if row["b2"] else "",
            "%.1f" % (100 * row["b2_model"]), "%.2f" % row["amount"][2017],
            "%.2f" % row["amount"].get(2018, row["amount"][2017]), row["amount_source"],
            "%.4f" % row["local_sd"], "%.0f" % row["fluid"][0], "%.0f" % row["fluid"][12],
            "%.0f" % row["fluid"][24]]


# ---- The calibration table of a run -------------------------------------------------------------

def read_manifest(run_dir):
    """The population labels (in order) and the observation table of a run's manifest.ini."""
    path = os.path.join(run_dir, "manifest.ini")
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise InputError("%s: cannot read (%s)" % (path, e.strerror))
    pops, section, table = [], None, None
    for line in lines:
        text = line.strip()
        if text.startswith("["):
            section = text[1:-1].split()
            if section[0] == "population":
                pops.append([section[1], section[1]])
        elif section and "=" in text:
            key, value = (x.strip() for x in text.split("=", 1))
            if section[0] == "population" and key == "label":
                pops[-1][1] = value
            elif section[0] == "observations" and key == "file":
                table = value[len("table("):-1]
    if table is None:
        raise InputError("%s: no [observations] table" % path)
    return pops, os.path.join(run_dir, table)


def report(run_dir, out):
    """Per département: observed foyers at 31/12 2016-2018 and allocation 2017-2018, the run's
    means and relative errors; France; worst and median errors.  Markdown on `out`."""
    pops, obs_path = read_manifest(run_dir)
    obs = {(r["variable"], r["period"]): float(r["value"])
           for _, r in read_table(obs_path, ["variable", "period", "value", "tolerance"])
           if r["tolerance"]}
    means = {}
    for name, col in (("monthly.csv", "month"), ("yearly.csv", "year")):
        for _, r in read_table(os.path.join(run_dir, name), ["variable", col, "mean"]):
            if r["mean"] not in ("", "NA"):
                means[(r["variable"], r[col])] = float(r["mean"])
    lines = ["| code | département | 31/12/2016 | model | error | 31/12/2017 | model | error | "
             "31/12/2018 | model | error | allocation 2017, M€ | model | error | "
             "allocation 2018, M€ | model | error |",
             "|" + "---|" * 17]
    errs = {"stock": [], "alloc": []}
    tot = {}
    for p, label in pops:
        code = p[1:].upper()
        cells = [code, label]
        for year in (2016, 2017, 2018):
            key = ("stock.%s" % p, "%d-12" % year)
            o, m = obs[key], means[key]
            tot.setdefault(year, [0.0, 0.0])
            tot[year][0] += o
            tot[year][1] += m
            errs["stock"].append((abs(m / o - 1), code, "31/12/%d" % year))
            cells += ["%.0f" % o, "%.0f" % m, "%+.2f %%" % (100 * (m / o - 1))]
        for year in (2017, 2018):
            key = ("cost.allocation_%s" % p, "%d" % year)
            if key in obs:
                o, m = obs[key], means[key]
                errs["alloc"].append((abs(m / o - 1), code, str(year)))
                cells += ["%.2f" % (o / 1e6), "%.2f" % (m / 1e6), "%+.2f %%" % (100 * (m / o - 1))]
            else:
                cells += ["", "%.2f" % (means[key] / 1e6), ""]
        lines.append("| " + " | ".join(cells) + " |")
    summary = []
    for year in (2016, 2017, 2018):
        o, m = tot[year]
        summary.append("France, foyers at 31/12/%d: observed %.0f, model %.0f (%+.2f %%)" %
                       (year, o, m, 100 * (m / o - 1)))
    for key, what in ((("indicator.allocation_france", "2017"), "France, allocation 2017"),
                      (("indicator.allocation_france", "2018"), "France, allocation 2018"),
                      (("indicator.allocation_corse", "2018"), "Corse (2A + 2B), allocation "
                                                               "2018")):
        if key in obs and key in means:
            o, m = obs[key], means[key]
            summary.append("%s: observed %.2f M€, model %.2f M€ (%+.2f %%)" %
                           (what, o / 1e6, m / 1e6, 100 * (m / o - 1)))
    for kind, label, tol in (("stock", "foyers at 31/12 2016-2018", TOL_STOCK),
                             ("alloc", "allocation 2017-2018", TOL_ALLOC)):
        e = sorted(errs[kind])
        if e:
            summary.append("%s: median |error| %.2f %%, worst %.2f %% (%s, %s); %d of %d within "
                           "%d %%" % (label, 100 * e[len(e) // 2][0], 100 * e[-1][0], e[-1][1],
                                      e[-1][2], sum(1 for x in e if x[0] <= tol / 100.0), len(e),
                                      tol))
    out.write("\n".join("- " + x for x in summary) + "\n\n")
    out.write("\n".join(lines) + "\n")


# ---- Main ---------------------------------------------------------------------------------------

def build(data_dir):
    d = load(data_dir)
    rows, national_pro = derive(d)
    g = d["growth"]
    growth = growth_stat(g, "FR-metro", "mean_growth")
    profile = [growth_stat(g, "FR-metro", "implied_inflow_factor_T3_%02d" % m)
               for m in range(1, 13)]
    total = sum(profile)
    profile = [round(12.0 * f / total, 4) for f in profile]
    nat = National(growth, national_pro)
    drv = drivers(g, nat)
    for code in DEPARTEMENTS:
        calibrate(nat, rows[code], profile)
        rows[code]["local_sd"] = local_sigma(drv, rows[code]["size"])
    return d, rows, nat, drv, profile, national_pro


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Write the national RSA model models/france/ (and its reduced test models) "
                    "from the DREES series, or print the calibration table of a run.")
    parser.add_argument("--data", default=lib.DATA_DIR,
                        help="folder of the four DREES CSV files, with derived/growth.csv and "
                             "derived/driver_mapping.csv (default: data/drees)")
    parser.add_argument("--out", default=MODEL_DIR,
                        help="folder to write the model into (default: models/france)")
    parser.add_argument("--report", metavar="RUN_DIR",
                        help="instead: print the calibration table of a run of the model "
                             "(its manifest, observations, monthly.csv and yearly.csv) in "
                             "Markdown")
    args = parser.parse_args(argv)
    try:
        if args.report:
            report(args.report, sys.stdout)
            return 0
        d, rows, nat, drv, profile, national_pro = build(args.data)
        write_model(args.out, d, rows, nat, drv, profile, national_pro)
    except InputError as e:
        print("make_france.py: %s" % e, file=sys.stderr)
        return 1
    summary(rows, nat, drv, national_pro)
    return 0


def summary(rows, nat, drv, national_pro):
    fl = {y: sum(r["fluid"][k] for r in rows.values()) for y, k in ((2016, 0), (2017, 12),
                                                                      (2018, 24))}
    ob = {y: sum(r["f"][y] for r in rows.values()) for y in (2016, 2017, 2018)}
    print("hazard scale %.3f: stock off the RSA a year later %.1f %% (target %.0f %%); entrants "
          "out within 12 months %.1f %% (PACA %.1f %%); steady-state stock %.1f %% under 2 years "
          "and %.1f %% 2-5 years (OARSA 2016: %.1f %% and %.1f %%); mean spell %.1f months; "
          "first-year response T %.2f years -> driver row T = %g" %
          (nat.scale, 100 * nat.stock_exit, 100 * STOCK_EXIT_RATE, 100 * nat.entrant_exit_12m,
           100 * ENTRANT_EXIT_12M, 100 * nat.share_2y, 100 * nat.share_2_5y,
           100 * SENIORITY_UNDER_2Y, 100 * SENIORITY_2_5Y, nat.mean_spell, nat.t_eff, drv["T"]))
    print("cycle: persistence %.2f, sd %.4f (growth sd %.4f); local: persistence %.3f, sd per "
          "unit panel sd %.4f, Poisson panel var %.4f" %
          (drv["cycle_phi"], drv["cycle_sigma"], drv["cycle_growth_sd"], drv["local_phi"],
           drv["local_panel_sd_per_sigma"], drv["poisson_panel_var"]))
    print("national professional share (fallback) %.4f" % national_pro)
    both = [r for r in rows.values() if r["b2"]]
    print("OARSA B2, oriented among the stock under 6 months (%d départements): observed %.1f %%, "
          "model %.1f %% (means)" % (len(both), sum(sum(r["b2"]) / len(r["b2"]) for r in both) /
                                     len(both), 100 * sum(r["b2_model"] for r in both) / len(both)))
    for y in (2016, 2017, 2018):
        print("France 31/12/%d: observed %.0f, fluid model %.0f" % (y, ob[y], fl[y]))
    print("initial foyers %d, pending returns %d" %
          (sum(r["initial"] for r in rows.values()), sum(r["pending"] for r in rows.values())))


if __name__ == "__main__":
    sys.exit(main())
