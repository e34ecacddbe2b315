"""Write the Auvergne-Rhône-Alpes models (RSA, IAE) and the zones blanches scenario.

Python 3 standard library only.  For each of the 12 départements:
models/ara/rsa.ini has the RSA foyers (orientation, allocation and insertion spending: the blocks
of scripts/rsa_block.py, with the inflows and orientation parameters that
scripts/calibrate_rsa.py fitted, models/ara/calage_rsa.csv), and models/ara/iae.ini the IAE
posts of the 2019 programme of 002_d1e1ab45c9fe1d67.txt by structure type (resources
iae_<type>_<d>), the demand for them, the queues, the aide au poste (tables models/ara/aide_poste/)
and the co-financing.  The files are generated: edit this script (or the tables it
reads), not them.

    python3 scripts/ara_model.py            # write the files, print the IAE table
    python3 scripts/ara_model.py --check    # exit 1 if a file differs from what it would write
"""

import argparse
import csv
import os
import sys

sys.dont_write_bytecode = True
import drees_lib as lib  # noqa: E402
import model_inputs as mi  # noqa: E402
import rsa_block  # noqa: E402

ARA_DIR = os.path.join(lib.ROOT, "models", "ara")
RSA_MODEL = os.path.join(ARA_DIR, "rsa.ini")
IAE_MODEL = os.path.join(ARA_DIR, "iae.ini")
SCENARIO = os.path.join(lib.ROOT, "scenarios", "ara", "zones-blanches.ini")

# Structure types, in the order of the resource names and of the tables.
TYPES = ("aci", "ei", "ai", "etti")
TYPE_LABELS = {"aci": "ACI", "ei": "EI", "ai": "AI", "etti": "ETTI"}
# Parcours lengths (months): ACI and EI about 12, AI and ETTI 6-8 (DARES, L'IAE en 2021).
LENGTH = {"aci": 12.0, "ei": 12.0, "ai": 7.0, "etti": 7.0}
# Employment 6 months after an IAE parcours by type: 45 % of all leavers (DARES, leavers of
# 2021), AI and ETTI above EI and ACI (same source); the split is an assumption.
EMPLOYMENT = {"aci": 0.375, "ei": 0.425, "ai": 0.525, "etti": 0.575}
# Persons present per ETP by type, all at one date (end of 2019, DARES, "L'insertion par
# l'activité économique en 2019"): 134,300 salariés, of whom ACI 39 %, AI 39 %, EI 12 %,
# ETTI 10 %, for 82,700 ETP.  The ETP per salarié of ACI (0.74: the usual 26-hour CDDI of 35),
# EI (0.85) and ETTI (0.60) are assumptions (ranges in docs/models.md); the AI's is what is left
# of the 82,700 ETP (0.42: short mises à disposition).
SALARIES_2019 = 134300
ETP_2019 = 82700
SALARIE_SHARES_2019 = {"aci": 0.39, "ei": 0.12, "ai": 0.39, "etti": 0.10}
ETP_PER_SALARIE = {"aci": 0.74, "ei": 0.85, "etti": 0.60}


def persons_per_etp():
    """{type: persons present per ETP} at the end of 2019 (see ETP_PER_SALARIE)."""
    salaries = {k: SALARIES_2019 * SALARIE_SHARES_2019[k] for k in TYPES}
    etp = {k: salaries[k] * ETP_PER_SALARIE[k] for k in ETP_PER_SALARIE}
    etp["ai"] = ETP_2019 - sum(etp.values())
    return {k: salaries[k] / etp[k] for k in TYPES}


PERSONS_PER_ETP = persons_per_etp()
# Regional demand for IAE: 1.15 times the posts' throughput (assumption; the level is uncertain
# through the driver demande_iae), shared among départements as their yearly RSA entries from
# 2019 (models/ara/calage_rsa.csv, fitted to the DREES counts: the flows of the RSA model).
DEMAND_RATIO = 1.15
# 88 % of the montant forfaitaire a month per ACI ETP co-financed by the Département (décret
# 27/06/2014).
COFINANCING_SHARE = 0.88
# Residual of a département's stock growth, net of its Poisson noise, T = 3 years (docs/data.md
# §4.2, pooled over the metropolitan départements: sigma 7.1 %, persistence 0.16).
LOCAL_SD = 0.071
# The Hautes-Alpes' own residual net of Poisson noise, T = 3 years (docs/data.md §4.2: 10.6 %,
# size fit 9.7 %).
HAUTES_ALPES_LOCAL_SD = 0.106
NAMES = {
    "01": "Ain", "03": "Allier", "07": "Ardèche", "15": "Cantal", "26": "Drôme", "38": "Isère",
    "42": "Loire", "43": "Haute-Loire", "63": "Puy-de-Dôme", "69": "Rhône", "73": "Savoie",
    "74": "Haute-Savoie",
}


def overdispersion(code, calage):
    """Coefficient of variation of a monthly gamma multiplier of the inflow that adds to the
    Poisson noise of the stock the month-to-month noise the DREES monthly series shows beyond it
    (docs/data.md, monthly stock: change sd after seasonal factors, Poisson change sd at T = 3
    years, rounding sd), for the département's mean stock of 2018 and mean monthly inflow."""
    g = {}
    for row in lib.read_rows(os.path.join("derived", "growth.csv")):
        if row["territory"] == code and row["value"]:
            g[row["statistic"]] = float(row["value"])
    extra = (g["monthly_change_sd_deseasonalised"] ** 2 - g["monthly_poisson_change_sd_T3"] ** 2 -
             g["monthly_rounding_sd"] ** 2)
    if extra <= 0:
        return 0.0
    c = calage[code]
    monthly = (float(c["inflow_2017"]) + float(c["inflow_2018"])) / 24.0
    return round(extra ** 0.5 * TERRITORIES[code].mean_stock[2018] / monthly, 3)


def read_calage():
    with open(os.path.join(ARA_DIR, "calage_rsa.csv"), newline="", encoding="utf-8") as f:
        return {r["code"]: r for r in csv.DictReader(f)}


def iae_figures():
    """Per département and type: ETP (002), places, ETP per place, throughput a year; the ACI's
    conseil départemental and État ETP; the département's totals."""
    out = {}
    for code, (ei, etti, ai, aci, aci_cd, aci_etat) in mi.IAE_ETP.items():
        etp = {"aci": aci, "ei": ei, "ai": ai, "etti": etti}
        places = {k: max(1, round(etp[k] * PERSONS_PER_ETP[k])) for k in TYPES}
        thr = {k: places[k] * 12.0 / LENGTH[k] for k in TYPES}
        out[code] = {"etp": etp, "places": places, "throughput": thr,
                     "weight": {k: etp[k] / places[k] for k in TYPES},
                     "aci_cd": aci_cd, "aci_etat": aci_etat,
                     "total_etp": sum(etp.values()), "total_places": sum(places.values()),
                     "total_throughput": sum(thr.values())}
    return out


def rsa_entries():
    """{code: RSA entries a year from 2019} of models/ara/rsa.ini (models/ara/calage_rsa.csv:
    the mean of the inflows fitted for 2017 and 2018)."""
    calage = read_calage()
    return {c: (float(calage[c]["inflow_2017"]) + float(calage[c]["inflow_2018"])) / 2.0
            for c in mi.ARA_SLUGS}


def demand(iae):
    """({code: demand a year of all publics}, {code: RSA entries a year}): the regional demand
    (DEMAND_RATIO x the posts' throughput) shared as the RSA entries."""
    entries = rsa_entries()
    total_e = sum(entries.values())
    total_thr = sum(v["total_throughput"] for v in iae.values())
    return {c: DEMAND_RATIO * total_thr * entries[c] / total_e for c in mi.ARA_SLUGS}, entries


def shares(weights):
    """Destination shares of weights (a dict by type), rounded to 4 decimals, summing to 1."""
    total = sum(weights.values())
    out = {k: round(weights[k] / total, 4) for k in TYPES}
    big = max(TYPES, key=lambda k: out[k])
    out[big] = round(1.0 - sum(out[k] for k in TYPES if k != big), 4)
    return out


def regional_throughput_shares(iae):
    return shares({k: sum(v["throughput"][k] for v in iae.values()) for k in TYPES})


RSA_HEADER = """; Auvergne-Rhône-Alpes — the RSA foyers of the 12 départements: orientation, allocation and
; insertion spending, held to the DREES series (observations.csv).
;
; GENERATED by scripts/ara_model.py from data/drees/ (through scripts/model_inputs.py) and
; models/ara/calage_rsa.csv (scripts/calibrate_rsa.py): edit the script, not this file.  Sources,
; ranges and derivations: docs/models.md, section 3.
;
; Per département (population rsa_<d>): foyers (DREES) from 31/12/2016; entrants await an
; orientation (to Pôle emploi, the Département or another body) or stall without one; exits
; fall with seniority; a returning foyer is a new arrival.  Allocation: the DREES amount per
; foyer-month as a share of the montant forfaitaire; insertion: the DREES amount per foyer.
; The IAE of the same départements is models/ara/iae.ini (a separate file, so that sizing and
; allocating IAE posts do not simulate 160,000 foyers each time).

[model]
name = Auvergne-Rhône-Alpes — foyers du RSA par département
; the DREES counts of 31/12/2016, so that 2017-2018 are observed
start = 2017-01
; 2017-01 to 2024-12
horizon = 96

[observations]
file = table(observations.csv)

; National cycle of RSA entries, shared by the 12 départements (docs/data.md §4, T = 3 years);
; it moves after the last observed month.
[driver cycle]
label = Cycle national des entrées au RSA
process = log-ar1
sd = uncertain sd-inv-chi2(sd=0.0851, df=7, max=1)
persistence = uncertain normal(mean=0.86, sd=0.249, min=0, max=1)
from = 2018-12
"""

IAE_HEADER = """; Auvergne-Rhône-Alpes — insertion par l'activité économique (IAE) in the 12 départements,
; by structure type: the posts of the 2019 programme, the demand for them, queues and funding.
;
; GENERATED by scripts/ara_model.py from 002_d1e1ab45c9fe1d67.txt, the DREES foyer counts
; (data/drees/) and the RSA entries of models/ara/rsa.ini: edit the script, not this file.
; Sources, ranges and derivations: docs/models.md, section 4.
;
; Names: resource iae_<type>_<d> (type aci, ei, ai, etti; <d> the département: iae_aci_ain),
; so that the prefix iae_ selects every post, iae_aci_ the ACI of the 12 départements; a
; département's four types are the list iae_aci_<d>, iae_ei_<d>, iae_ai_<d>, iae_etti_<d>.
; Population iae_<d>; states salarie_<type>_<d>, attente_<type>_<d>; costs
; aide_poste_<type>_<d>, modulee_<type>_<d>, cofinancement_aci_<d>.
;
; Per département and type:
;   places      = ETP (002 l.32-43) x persons present per ETP of the type (end of 2019: ACI
;                 1.351, EI 1.176, AI 2.361, ETTI 1.667), rounded; etp.weight = ETP / places,
;                 so that the funded ETP (capacity x etp.weight) are 002's
;   stay        = ACI, EI 12 months; AI, ETTI 7 months (gamma, shape 3)
;   employment  = share of leavers in employment by type (ACI 37.5 %, EI 42.5 %, AI 52.5 %,
;                 ETTI 57.5 %: assumption around DARES's 45 %)
;   demand      = 1.15 x the regional throughput (assumption, times the uncertain level
;                 demande_iae), shared as the départements' RSA entries a year (rsa.ini), then
;                 between the types: the département's own mix of throughput (poids_offre_locale)
;                 or the regional one (poids_profil_regional), in uncertain proportions
;   aide au poste (FIE) = the socle of the type by date (tables aide_poste/, euros per funded
;                 ETP-year; ACI: on its "dont ETP ETAT" share only) plus the part modulée (0-10 %
;                 of the socle, uncertain)
;   co-financing = ACI only: its "dont ETP CD" share x 12 x 88 % of the montant forfaitaire per
;                 funded ETP-year (décret 27/06/2014)

[model]
name = Auvergne-Rhône-Alpes — IAE par type de structure et département
; the 2019 programme of 002_d1e1ab45c9fe1d67.txt
start = 2019-01
; 2019-01 to 2024-12
horizon = 72

[observations]
file = table(observations_iae.csv)

; Demand for IAE relative to the posts' throughput: one uncertain level per replication (the
; same driver as models/drome/rsa.ini): x drawn once from N(0, 0.15^2), a multiplier with median
; 1 and 90 % range [0.78, 1.28] that does not move over the horizon.
[driver demande_iae]
label = Demande d'IAE rapportée au débit des postes (niveau incertain)
process = log-ar1
sd = 0.0021213
persistence = 0.9999
start = stationary

[parameter part_modulee]
label = Part modulée de l'aide au poste (part du montant socle)
value = uncertain uniform(min=0, max=0.10)

; How a département's demand divides between the types (assumption): in proportion to its own
; posts' throughput (prescribers follow the local offer) or to the region's (the publics' needs
; do not depend on the offer).  The two weights are drawn independently and rescaled: the share
; following the local offer is a / (a + b), from 0 to 1, 0.5 on average.
[parameter poids_offre_locale]
label = Poids de l'offre locale dans la répartition de la demande entre types
value = uncertain uniform(min=0, max=1)

[parameter poids_profil_regional]
label = Poids du profil régional dans la répartition de la demande entre types
value = uncertain uniform(min=0, max=1)

; Assumption (3-12 months, as models/drome/rsa.ini, same draw): a prescription not taken up
; lapses.
[parameter abandon_iae]
label = Durée après laquelle une prescription IAE non satisfaite est abandonnée (mois)
value = uncertain triangular(min=3, mode=6, max=12)

; Assumption (0.01-0.05/m): another solution found while waiting.
[parameter autre_solution_iae]
label = Autre solution trouvée pendant l'attente d'un poste IAE (par mois)
value = uncertain uniform(min=0.01, max=0.05)
"""


def iae_block(code, slug, f, demand_rate, entries, entries_total, regional):
    name = NAMES[code]
    local = shares(f["throughput"])
    etp = f["etp"]
    lines = [
        "; ---- %s: IAE ----" % name,
        "; ETP (002): ACI %.2f (of which CD %.2f, État %.2f), EI %.2f, AI %.2f, ETTI %.2f; total %.2f" % (
            etp["aci"], f["aci_cd"], f["aci_etat"], etp["ei"], etp["ai"], etp["etti"],
            f["total_etp"]),
        "; RSA entries a year from 2019 (rsa.ini) %.0f: %.2f %% of the region; throughput %.0f a year" % (
            entries, 100 * entries / entries_total, f["total_throughput"]),
        "",
        "[population iae_%s]" % slug,
        "label = %s — publics orientés vers l'IAE" % name,
        "territory = %s" % code,
        "entry = prescription_%s" % slug,
        "; %.2f %% of 1.15 x the regional throughput (see the header)" % (
            100 * entries / entries_total),
        "inflow.rate = %.0f/y" % demand_rate,
        "inflow.drivers = demande_iae",
        "; assumption: three years from an empty population reach the steady state of posts and queue",
        "warmup = 3y",
        "",
        "[state prescription_%s]" % slug,
        "population = iae_%s" % slug,
        "label = %s — prescription vers l'IAE" % name,
        "on.type = after fixed(0d) -> offre_locale_%s:$poids_offre_locale, "
        "profil_regional_%s:$poids_profil_regional" % (slug, slug),
        "",
        "[state offre_locale_%s]" % slug,
        "population = iae_%s" % slug,
        "label = %s — prescription selon l'offre du département" % name,
        "; the throughput of the département's posts by type",
        "on.type = after fixed(0d) -> " + ", ".join(
            "salarie_%s_%s:%.4f" % (k, slug, local[k]) for k in TYPES),
        "",
        "[state profil_regional_%s]" % slug,
        "population = iae_%s" % slug,
        "label = %s — prescription selon le profil régional" % name,
        "; the throughput of the region's posts by type",
        "on.type = after fixed(0d) -> " + ", ".join(
            "salarie_%s_%s:%.4f" % (k, slug, regional[k]) for k in TYPES),
        "",
        "[state emploi_%s]" % slug,
        "population = iae_%s" % slug,
        "label = %s — en emploi après l'IAE" % name,
        "outside = yes",
        "",
        "[state sortie_%s]" % slug,
        "population = iae_%s" % slug,
        "label = %s — autre sortie de l'IAE" % name,
        "outside = yes",
        "",
    ]
    for k in TYPES:
        t = TYPE_LABELS[k]
        lines += [
            "[state attente_%s_%s]" % (k, slug),
            "population = iae_%s" % slug,
            "label = %s — en attente d'un poste en %s" % (name, t),
            "on.give_up = after fixed(${abandon_iae}m) -> out",
            "on.other = hazard ${autre_solution_iae}/m -> out",
            "",
            "[state salarie_%s_%s]" % (k, slug),
            "population = iae_%s" % slug,
            "label = %s — salarié en %s" % (name, t),
            "resource = iae_%s_%s" % (k, slug),
            "queue = attente_%s_%s" % (k, slug),
            "on.end = after gamma(shape=3, mean=%.0fm) -> emploi_%s:%.3f, sortie_%s:%.3f" % (
                LENGTH[k], slug, EMPLOYMENT[k], slug, 1 - EMPLOYMENT[k]),
            "",
            "[resource iae_%s_%s]" % (k, slug),
            "label = %s — %s" % (t, name),
            "unit = postes",
            "; %.2f ETP x %.3f persons per ETP; etp.weight = %.2f / %d" % (
                etp[k], PERSONS_PER_ETP[k], etp[k], f["places"][k]),
            "capacity = %d" % f["places"][k],
            "etp.weight = %.6f" % f["weight"][k],
            "",
        ]
        table = "aide_poste/aci_%s.csv" % slug if k == "aci" else "aide_poste/%s.csv" % k
        note = ("; the socle on the État's share of the ACI ETP (%.2f of %.2f), euros per funded "
                "ETP-year" % (f["aci_etat"], etp["aci"]) if k == "aci" else
                "; the socle of the type, euros per funded ETP-year")
        lines += [
            "[cost aide_poste_%s_%s]" % (k, slug),
            "label = %s — %s : aide au poste (FIE, montant socle)" % (t, name),
            "funder = etat",
            "per = unit-year",
            "resource = iae_%s_%s" % (k, slug),
            note,
            "amount = 1",
            "indexation = table(%s)" % table,
            "",
            "[cost modulee_%s_%s]" % (k, slug),
            "label = %s — %s : aide au poste (FIE, part modulée)" % (t, name),
            "funder = etat",
            "per = unit-year",
            "resource = iae_%s_%s" % (k, slug),
            "amount = $part_modulee",
            "indexation = table(%s)" % table,
            "",
        ]
        if k == "aci" and f["aci_cd"] > 0:
            lines += [
                "[cost cofinancement_aci_%s]" % slug,
                "label = ACI — %s : cofinancement départemental" % name,
                "funder = departement",
                "per = unit-year",
                "resource = iae_aci_%s" % slug,
                "; %.2f CD ETP of %.2f x 12 x 0.88: montants forfaitaires per funded ETP-year" % (
                    f["aci_cd"], etp["aci"]),
                "amount = %.6f" % (f["aci_cd"] / etp["aci"] * 12 * COFINANCING_SHARE),
                "indexation = table(montant_forfaitaire.csv)",
                "",
            ]
        elif k == "aci":
            lines += ["; no ACI ETP co-financed by the Département (002: dont ETP CD 0,00)", ""]
    lines += [
        "[indicator etp_%s]" % slug,
        "label = %s — ETP occupés en IAE" % name,
        "kind = count",
        "unit = number",
        rsa_block.wrap("of", ["etp.iae_%s_%s" % (k, slug) for k in TYPES]),
        "",
    ]
    for key, label, state in (("salaries", "salariés en IAE", "salarie"),
                              ("attente", "en attente d'un poste IAE", "attente")):
        lines += [
            "[indicator %s_%s]" % (key, slug),
            "label = %s — %s" % (name, label),
            "kind = count",
            "unit = number",
            rsa_block.wrap("of", ["stock.%s_%s_%s" % (state, k, slug) for k in TYPES]),
            "",
        ]
    return "\n".join(lines)


def aide_poste_tables(iae):
    """{path relative to models/ara: text}: the socle of EI, AI and ETTI, and of each
    département's ACI on its État share, in euros per funded ETP-year, by date in force."""
    out = {}
    for k in ("ei", "ai", "etti"):
        out[os.path.join("aide_poste", "%s.csv" % k)] = mi.aide_poste_table(k)
    for code, slug in mi.ARA_SLUGS.items():
        f = iae[code]
        out[os.path.join("aide_poste", "aci_%s.csv" % slug)] = mi.aide_poste_table(
            "aci", f["aci_etat"] / f["etp"]["aci"])
    return out


def hautes_alpes_block(territories, calage):
    """The RSA block of models/hautes-alpes/e2c.ini (written there by hand from this output)."""
    t, c = territories[mi.HAUTES_ALPES], calage[mi.HAUTES_ALPES]
    return rsa_block.block({
        "slug": "hautes_alpes", "name": "Hautes-Alpes", "code": mi.HAUTES_ALPES,
        "foyers_2016": int(t.foyers[2016]),
        "inflow": (float(c["inflow_2017"]), float(c["inflow_2018"]),
                   (float(c["inflow_2017"]) + float(c["inflow_2018"])) / 2.0),
        "delay_mean": float(c["delay_mean"]), "stall": float(c["stall"]),
        "route": TARGETS[mi.HAUTES_ALPES][2],
        "initial": tuple(float(c[k]) for k in ("init_orientation", "init_sans_orientation",
                                               "init_pe", "init_cd", "init_autres")),
        "ratio": (t.ratio[2017], t.ratio[2018]),
        "insertion": (t.insertion_per_foyer[2017] / 12, t.insertion_per_foyer[2018] / 12),
        "local_sd": HAUTES_ALPES_LOCAL_SD, "oarsa_note": TARGETS[mi.HAUTES_ALPES][3],
        "overdispersion": overdispersion(mi.HAUTES_ALPES, calage),
    })


def rsa_text(territories, calage):
    parts = [RSA_HEADER]
    for code, slug in mi.ARA_SLUGS.items():
        t, c = territories[code], calage[code]
        p = {
            "slug": slug, "name": NAMES[code], "code": code, "foyers_2016": int(t.foyers[2016]),
            "inflow": (float(c["inflow_2017"]), float(c["inflow_2018"]),
                       (float(c["inflow_2017"]) + float(c["inflow_2018"])) / 2.0),
            "delay_mean": float(c["delay_mean"]), "stall": float(c["stall"]),
            "route": TARGETS[code][2],
            "initial": tuple(float(c[k]) for k in ("init_orientation", "init_sans_orientation",
                                                   "init_pe", "init_cd", "init_autres")),
            "ratio": (t.ratio[2017], t.ratio[2018]),
            "insertion": (t.insertion_per_foyer[2017] / 12, t.insertion_per_foyer[2018] / 12),
            "local_sd": LOCAL_SD, "oarsa_note": TARGETS[code][3],
            "overdispersion": overdispersion(code, calage),
        }
        parts.append(rsa_block.block(p))
    parts.append(rsa_regional())
    parts.append(RSA_FOOTER)
    return "\n".join(parts)


def rsa_regional():
    """The region's own indicators, named as the départements' families (orientes for
    orientes_ain, ...): the first row of a report's table of départements."""
    slugs = list(mi.ARA_SLUGS.values())
    each = lambda fmt: ["%s" % (fmt % x) for x in slugs]  # noqa: E731
    oriented = [fmt % x for x in slugs for fmt in ("stock.pe_%s", "stock.cd_%s", "stock.autres_%s")]
    out = ["; ---- Auvergne-Rhône-Alpes: the 12 départements together ----", ""]
    for name, label, kind, unit, terms in (
            ("foyers", "Foyers allocataires du RSA", "count", "number", each("stock.rsa_%s")),
            ("allocation", "Allocation RSA", "count", "euros", each("cost.allocation_%s"))):
        out += ["[indicator %s]" % name, "label = %s, Auvergne-Rhône-Alpes" % label,
                "kind = %s" % kind, "unit = %s" % unit, rsa_block.wrap("of", terms), ""]
    out += ["[indicator orientes]", "label = Part des foyers orientés, Auvergne-Rhône-Alpes",
            "kind = ratio", rsa_block.wrap("numerator", oriented),
            rsa_block.wrap("denominator", each("stock.rsa_%s")), ""]
    for name, label, state in (("pole_emploi", "part des orientés suivis par Pôle emploi", "pe"),
                               ("departement", "part des orientés suivis par le Département",
                                "cd")):
        out += ["[indicator %s]" % name,
                "label = Auvergne-Rhône-Alpes — %s" % label, "kind = ratio",
                rsa_block.wrap("numerator", each("stock.%s_%%s" % state)),
                rsa_block.wrap("denominator", oriented), ""]
    return "\n".join(out)


def iae_regional():
    """Persons in an IAE post and waiting for one, per département and for the region."""
    slugs = list(mi.ARA_SLUGS.values())
    out = ["; ---- Auvergne-Rhône-Alpes: the 12 départements together ----", ""]
    out += ["[indicator etp]", "label = Auvergne-Rhône-Alpes — ETP occupés en IAE",
            "kind = count", "unit = number",
            rsa_block.wrap("of", ["etp.iae_%s_%s" % (k, x) for x in slugs for k in TYPES]), ""]
    for name, label, state in (("salaries", "salariés en IAE", "salarie"),
                               ("attente", "en attente d'un poste IAE", "attente")):
        terms = ["stock.%s_%s_%s" % (state, k, x) for x in slugs for k in TYPES]
        out += ["[indicator %s]" % name, "label = Auvergne-Rhône-Alpes — %s" % label,
                "kind = count", "unit = number", rsa_block.wrap("of", terms), ""]
    return "\n".join(out)


def iae_text():
    iae = iae_figures()
    dem, entries = demand(iae)
    total_e = sum(entries.values())
    regional = regional_throughput_shares(iae)
    parts = [IAE_HEADER]
    for code, slug in mi.ARA_SLUGS.items():
        parts.append(iae_block(code, slug, iae[code], dem[code], entries[code], total_e, regional))
    parts.append(iae_regional())
    parts.append(IAE_FOOTER)
    return "\n".join(parts)


def iae_observations():
    # "près de 100 millions": a figure rounded to the ten million and said to be near it, read
    # as 95-105 M EUR (5 %).
    return mi.observations_text([
        ("funder.etat", "2019", "100000000", "5.0%",
         "002_d1e1ab45c9fe1d67.txt l.28: près de 100 millions d'euros activés en 2019 (FIE, IAE)"),
    ])


RSA_FOOTER = """; ---- Funder ------------------------------------------------------------------------------------

[funder departement]
label = Départements
"""

IAE_FOOTER = """; ---- Funders ----------------------------------------------------------------------------------

[funder etat]
label = État (FIE, aide au poste)

[funder departement]
label = Départements
"""


# calibrate_rsa.targets of the territories and the territories, filled by main
TARGETS = {}
TERRITORIES = {}


def zones_blanches():
    """The scenario: for each type, each département's ETP move a quarter of the way to its share
    of the type's regional ETP in proportion to demand (RSA entries); places rounded by largest
    remainder so that each type keeps its regional places."""
    iae = iae_figures()
    _, entries = demand(iae)
    total_e = sum(entries.values())
    share = {c: entries[c] / total_e for c in mi.ARA_SLUGS}
    target, places = {}, {}
    for k in TYPES:
        total_etp = sum(v["etp"][k] for v in iae.values())
        total_places = sum(v["places"][k] for v in iae.values())
        raw = {}
        for c in mi.ARA_SLUGS:
            e = iae[c]["etp"][k]
            target[c, k] = e + 0.25 * (total_etp * share[c] - e)
            raw[c] = target[c, k] * iae[c]["places"][k] / e
        p = {c: int(raw[c]) for c in raw}
        left = total_places - sum(p.values())
        for c in sorted(raw, key=lambda c: raw[c] - p[c], reverse=True)[:left]:
            p[c] += 1
        for c in p:
            places[c, k] = p[c]
    region_places = sum(v["total_places"] for v in iae.values())
    lines = [
        "; Auvergne-Rhône-Alpes: IAE posts moved towards the départements least equipped relative to",
        "; demand (002_d1e1ab45c9fe1d67.txt l.85-86: \"garantir un développement équilibré de l'IAE en",
        "; prenant en compte les zones blanches ou faiblement dotées\", and l.113 \"clauses de",
        "; solidarité\" between territories).  GENERATED by scripts/ara_model.py.",
        "[scenario]",
        "label = ARA — rééquilibrage vers les zones blanches",
        "extends = baseline.ini",
        "description = À partir de 2021, pour chaque type de structure (ACI, EI, AI, ETTI), un quart de",
        "    l'écart entre les ETP de chaque département et sa part de la demande d'insertion est comblé,",
        "    à total régional constant par type (%s postes, 8 740 ETP)." % format(
            region_places, ",").replace(",", " "),
        "",
        "; Rule (assumption): for each type, each département's ETP move a quarter of the way towards",
        "; its share of the type's regional ETP in proportion to its demand (models/ara/iae.ini: demand",
        "; in proportion to the RSA entries a year), in the 2021 programming after the tender's study",
        "; (due April 2020, l.120).  Places rounded by largest remainder so that each type keeps its",
        "; regional places (%d in all)." % region_places,
        "; département: demand share; per type ETP 2019 -> 2021 (places 2019 -> 2021)",
    ]
    for code, slug in mi.ARA_SLUGS.items():
        lines.append("; %s: %.2f %%; %s" % (NAMES[code], 100 * share[code], "; ".join(
            "%s %.1f -> %.1f (%d -> %d)" % (TYPE_LABELS[k], iae[code]["etp"][k], target[code, k],
                                           iae[code]["places"][k], places[code, k])
            for k in TYPES)))
    lines.append("[set 2021-01]")
    for k in TYPES:
        for code, slug in mi.ARA_SLUGS.items():
            lines.append("resource.iae_%s_%s.capacity = %d" % (k, slug, places[code, k]))
    return "\n".join(lines) + "\n"



def write_changed(files, check):
    """Writes each path of files (path -> text) whose content differs, unless check;
    returns the paths that differed."""
    stale = []
    for path, text in files.items():
        old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if old != text:
            stale.append(path)
            if not check:
                with open(path, "w", encoding="utf-8", newline="") as f:
                    f.write(text)
    return stale

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--hautes-alpes", action="store_true",
                    help="print the RSA block of the Hautes-Alpes model and exit")
    args = ap.parse_args(argv)
    import calibrate_rsa
    territories = mi.load_territories(list(mi.ARA_SLUGS) + [mi.HAUTES_ALPES])
    TARGETS.update(calibrate_rsa.targets(territories))
    TERRITORIES.update(territories)
    calage = read_calage()
    if args.hautes_alpes:
        print(hautes_alpes_block(territories, calage))
        return 0
    files = {RSA_MODEL: rsa_text(territories, calage), IAE_MODEL: iae_text(),
             SCENARIO: zones_blanches(),
             os.path.join(ARA_DIR, "observations_iae.csv"): iae_observations()}
    seniority = mi.csv_text(("upper", "weight"), [(u, "%.4f" % w) for u, w in rsa_block.seniority_table(
        sum(calibrate_rsa.growth(c) for c in mi.ARA_SLUGS) / len(mi.ARA_SLUGS))])
    profile = mi.csv_text(("month", "factor"), [(m + 1, "%.4f" % v) for m, v in enumerate(
        calibrate_rsa.profile("ARA"))])
    files[os.path.join(ARA_DIR, "anciennete_initiale_rsa.csv")] = seniority
    files[os.path.join(ARA_DIR, "profil_entrees_rsa.csv")] = profile
    ha_dir = os.path.join(lib.ROOT, "models", "hautes-alpes")
    files[os.path.join(ha_dir, "anciennete_initiale_rsa.csv")] = mi.csv_text(
        ("upper", "weight"), [(u, "%.4f" % w) for u, w in rsa_block.seniority_table(
            calibrate_rsa.growth(mi.HAUTES_ALPES))])
    files[os.path.join(ha_dir, "profil_entrees_rsa.csv")] = mi.csv_text(
        ("month", "factor"), [(m + 1, "%.4f" % v) for m, v in enumerate(
            calibrate_rsa.profile("FR-metro"))])
    stale = write_changed(files, args.check)
    iae = iae_figures()
    stale += write_changed({os.path.join(ARA_DIR, rel): text
                            for rel, text in aide_poste_tables(iae).items()}, args.check)
    dem, entries = demand(iae)
    print("code type ETP places ETP/place throughput/yr | demand/yr RSA entries/yr")
    for code in mi.ARA_SLUGS:
        v = iae[code]
        for k in TYPES:
            print("%s %s %.2f %d %.4f %.0f" % (code, k, v["etp"][k], v["places"][k], v["weight"][k],
                                             v["throughput"][k]))
        print("%s all %.2f %d - %.0f | %.0f %.0f" % (code, v["total_etp"], v["total_places"],
                                                    v["total_throughput"], dem[code], entries[code]))
    print("persons per ETP: " + ", ".join("%s %.4f" % (k, PERSONS_PER_ETP[k]) for k in TYPES))
    print("regional demand shares by type: %s" % regional_throughput_shares(iae))
    for path in stale:
        print(("stale: " if args.check else "wrote ") + os.path.relpath(path, lib.ROOT),
              file=sys.stderr)
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
