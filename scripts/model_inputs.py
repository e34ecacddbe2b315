"""Model inputs derived from the DREES series: amounts per foyer, initial stocks, observed tables.

Python 3 standard library only.  Reads data/drees/ (through drees_lib and the derived
departements.csv that drees_derive.py writes) and writes, for the three shipped models:

    models/<territory>/montant_forfaitaire.csv   the montant forfaitaire in force, in euros
    models/drome/aide_poste_<type>.csv           the État's aide au poste per funded ETP-year
    models/<territory>/observations.csv          the observed series each model is held to

and prints the figures the model files take (initial stocks, allocation per foyer as a share of
the montant forfaitaire, OARSA orientation).  Deterministic; rerun it when new DREES series are
added to data/drees/ (docs/models.md, "Regenerating the inputs").

    python3 scripts/model_inputs.py            # write the tables, print the summary
    python3 scripts/model_inputs.py --check    # compare the tables on disk, write nothing
"""

import argparse
import csv
import io
import os
import sys

sys.dont_write_bytecode = True
import drees_lib as lib  # noqa: E402  (same folder)

MODELS = os.path.join(lib.ROOT, "models")

# Montant forfaitaire of the RSA for a single person without child (metropolitan France), in
# euros a month, by date in force: the revalorisation décrets (1 April each year since 2016,
# CSS L161-25; +1.62 % on 1 September 2017, last step of the 2013-2017 plan; +4 % on 1 July
# 2022, loi pouvoir d'achat art. 9).  2026: the CCSS forecast (+0.9 %).  Sources per row in
# docs/models.md, section "Montant forfaitaire".
MONTANT_FORFAITAIRE = [
    ("2016-09", 535.17), ("2017-04", 536.78), ("2017-09", 545.48), ("2018-04", 550.93),
    ("2019-04", 559.74), ("2020-04", 564.78), ("2021-04", 565.34), ("2022-04", 575.52),
    ("2022-07", 598.54), ("2023-04", 607.75), ("2024-04", 635.71), ("2025-04", 646.52),
    ("2026-04", 652.33),
]

# Aide au poste, montant socle per full-time post (metropole), euros a year, by date in force
# (arrêtés of 28/02/2017, 05/02/2018, 27/02/2019, 2020, 21/12/2021, 2022, 05/12/2022, 2023, 04/12/2024; no
# arrêté found after November 2024: held flat).  Sources per row in docs/models.md.
AIDE_AU_POSTE = {
    #            ACI     EI      AI    ETTI
    "2017-01": (19655, 10237, 1331, 4351),
    "2018-01": (19897, 10363, 1347, 4405),
    "2019-01": (20199, 10520, 1367, 4472),
    "2020-01": (20441, 10646, 1383, 4299),
    "2021-10": (21096, 10988, 1428, 4437),
    "2022-01": (21286, 11087, 1441, 4253),
    "2022-05": (21850, 11381, 1479, 4366),
    "2022-08": (22289, 11609, 1509, 4454),
    "2023-01": (22692, 11819, 1536, 4535),
    "2023-05": (23196, 12081, 1570, 4636),
    "2024-11": (23921, 12459, 1619, 4781),
}
IAE_TYPES = ("aci", "ei", "ai", "etti")

# 002_d1e1ab45c9fe1d67.txt l.32-43: ETP of the 2019 programme per département, EI, ETTI, AI,
# ACI total, of which conseil départemental and État (the EI, ETTI and AI columns are headed
# "Physique" but hold fractions that add up with the ACI to "total ETP prog ARA 8739,70", l.48).
IAE_ETP = {
    "01": (71.07, 18.92, 134.25, 383.64, 50.03, 333.60),
    "03": (106.12, 123.19, 273.06, 204.03, 30.64, 173.39),
    "07": (12.80, 63.15, 50.44, 175.57, 24.25, 151.32),
    "15": (13.00, 21.34, 60.05, 171.82, 19.30, 152.51),
    "26": (123.48, 38.80, 159.84, 365.74, 50.09, 315.65),
    "38": (230.86, 96.03, 421.95, 440.02, 74.29, 365.73),
    "42": (137.74, 140.17, 226.41, 266.10, 21.93, 244.17),
    "43": (31.39, 42.20, 76.79, 198.09, 26.20, 171.89),
    "63": (102.08, 157.14, 175.98, 279.71, 0.00, 279.71),
    "69": (579.58, 276.84, 430.70, 639.10, 111.77, 527.33),
    "73": (358.51, 33.47, 21.83, 168.78, 0.00, 168.78),
    "74": (172.56, 27.16, 80.51, 357.74, 52.82, 304.91),
}
# 002 l.56: bénéficiaires du RSA 28,66 % of the salariés present at 31/12/2017 (ARA).
RSA_SHARE_OF_SALARIES = 0.2866
# DARES, "L'insertion par l'activité économique en 2019": 134,300 salariés present and 82,700
# ETP at the end of 2019 (France): persons present per ETP at one date.
PERSONS_PER_ETP = 134300 / 82700

DROME, HAUTES_ALPES = "26", "05"
FIRST_MONTH = (2017, 1)


def month_key(year, month):
    return "%04d-%02d" % (year, month)


def schedule_at(schedule, key):
    """Value of a dated schedule [(YYYY-MM, value), ...] in force at month key."""
    value = schedule[0][1]
    for date, v in schedule:
        if date <= key:
            value = v
    return value


def mf_mean(year):
    """Mean over the months of year of the montant forfaitaire in force on the 1st."""
    return sum(schedule_at(MONTANT_FORFAITAIRE, month_key(year, m)) for m in range(1, 13)) / 12.0


def read_derived():
    """{(code, year): row dict} of data/drees/derived/departements.csv."""
    path = os.path.join(lib.DERIVED_DIR, "departements.csv")
    with open(path, newline="", encoding="utf-8") as f:
        return {(r["code"], int(r["year"])): r for r in csv.DictReader(f)}


def number(row, column):
    text = row[column].strip()
    return float(text) if text else None


class Territory:
    """What the DREES files say about one département for 2016-2018."""

    def __init__(self, code, derived, monthly, names):
        self.code, self.name = code, names[code]
        rows = {y: derived[(code, y)] for y in (2016, 2017, 2018)}
        self.foyers = {y: number(rows[y], "foyers_31dec") for y in rows}
        self.adults = {y: number(rows[y], "adults_31dec") for y in rows}
        self.allocation = {y: 1000 * number(rows[y], "allocation_keur") for y in (2017, 2018)}
        self.insertion = {y: 1000 * number(rows[y], "insertion_keur") for y in (2017, 2018)}
        self.per_foyer = {y: number(rows[y], "allocation_eur_per_foyer_month")
                          for y in (2017, 2018)}
        self.insertion_per_foyer = {y: number(rows[y], "insertion_eur_per_foyer_year")
                                    for y in (2017, 2018)}
        self.mean_stock = {y: number(rows[y], "foyers_mean_year") for y in (2017, 2018)}
        # allocation per foyer-month over the mean montant forfaitaire of the year
        self.ratio = {y: self.per_foyer[y] / mf_mean(y) for y in (2017, 2018)}
        self.monthly = {k: v for k, v in monthly.get(code, {}).items()}
        fields = ("oarsa_share_oriented_pct", "oarsa_oriented_to_pole_emploi_pct",
                  "oarsa_oriented_to_other_spe_pct", "oarsa_oriented_to_conseil_departemental_pct",
                  "oarsa_oriented_outside_spe_pct", "oarsa_delay_entry_to_orientation_days",
                  "oarsa_share_oriented_seniority_lt6m_pct",
                  "oarsa_share_oriented_seniority_6to12m_pct",
                  "oarsa_share_oriented_seniority_ge1y_pct")
        self.oarsa = {y: {f: number(rows[y], f) for f in fields} for y in (2017, 2018)}

    def adults_per_foyer(self):
        return sum(self.adults[y] for y in (2017, 2018)) / sum(self.foyers[y] for y in (2017, 2018))


def load_territories(codes):
    derived = read_derived()
    monthly = lib.read_monthly_foyers()
    _, names = lib.read_annual_foyers()
    return {code: Territory(code, derived, monthly, names) for code in codes}


# ---- tables ----------------------------------------------------------------------------------

def csv_text(header, rows):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue()


def montant_forfaitaire_table():
    return csv_text(("date", "factor"), [(d, "%.2f" % v) for d, v in MONTANT_FORFAITAIRE])


def aide_poste_table(kind, share=1.0):
    """The socle of one structure type in euros per funded ETP-year, times share (the État's
    share of the ETP when a département co-finances some of them)."""
    i = IAE_TYPES.index(kind)
    return csv_text(("date", "factor"),
                    [(d, "%.2f" % (v[i] * share)) for d, v in sorted(AIDE_AU_POSTE.items())])


MONTHLY_SOURCE = ("DREES, Suivi mensuel des prestations de solidarité, tableau 2 "
                  "(foyers at month end, rounded to 10)")
ANNUAL_SOURCE = "DREES, Minima sociaux : données départementales, tableau 11 (foyers at 31/12)"
SPENDING_SOURCE = "DREES, Dépenses d'aide sociale départementale, séries longues, tableau RSA-RMI %d"
OARSA_SOURCE = "DREES, OARSA : principaux indicateurs, tableau %s"


def pct(x):
    return "%.1f%%" % x


def rsa_observations(t, names, years=(2017, 2018), monthly_years=(2017, 2018)):
    """Observation rows of one département's RSA part.  names maps the roles (stock,
    allocation, insertion, oriented, pe, cd, other_spe, outside_spe, delay) to the model's
    variables; a role mapped to None is left out.  Tolerances (relative, as the table wants
    them) are those of the checks: foyers at 31/12 within names['stock_tol'], allocation
    within names['allocation_tol'], insertion 15 %, share oriented 3 points, orientation
    to Pôle emploi / conseil départemental 5 points, mean delay 10 % (left empty when
    names['orientation_checked'] is false: the RSA blocks of the ARA and the Hautes-Alpes take
    their orientation parameters from OARSA 2018 and are held to the counts and the spending)."""
    rows = []
    for y in monthly_years:
        for m in range(1, 13):
            if m == 12 and t.foyers.get(y) is not None:
                rows.append((names["stock"], month_key(y, 12), "%d" % t.foyers[y],
                             pct(100 * names["stock_tol"]), ANNUAL_SOURCE))
            elif (y, m) in t.monthly:
                rows.append((names["stock"], month_key(y, m), "%d" % t.monthly[(y, m)], "",
                             MONTHLY_SOURCE))
    for y in years:
        rows.append((names["allocation"], "%d" % y, "%.0f" % t.allocation[y],
                     pct(100 * names["allocation_tol"]), SPENDING_SOURCE % 3 + " (gross allocation)"))
    for y in years:
        if names.get("insertion"):
            rows.append((names["insertion"], "%d" % y, "%.0f" % t.insertion[y], pct(15),
                         SPENDING_SOURCE % 4 + " (gross insertion)"))
    for y in years:
        o = t.oarsa[y]
        share = o["oarsa_share_oriented_pct"]
        checked = names.get("orientation_checked", True)
        if share is not None and names.get("oriented"):
            rows.append((names["oriented"], month_key(y, 12), "%.2f" % (share / 100),
                         pct(int(300 / share * 10) / 10.0) if checked else "",
                         OARSA_SOURCE % "B1"))
        for role, field, table, tol in (("pe", "oarsa_oriented_to_pole_emploi_pct", "B5", 5),
                                        ("other_spe", "oarsa_oriented_to_other_spe_pct", "B6", None),
                                        ("cd", "oarsa_oriented_to_conseil_departemental_pct", "B7", 5),
                                        ("outside_spe", "oarsa_oriented_outside_spe_pct", "B8", None)):
            v = o[field]
            if v is None or not names.get(role):
                continue
            tol_text = pct(int(100 * tol / v * 10) / 10.0) if tol and v > 0 and checked else ""
            rows.append((names[role], month_key(y, 12), "%.2f" % (v / 100), tol_text,
                         OARSA_SOURCE % table))
        delay = o["oarsa_delay_entry_to_orientation_days"]
        if delay is not None and names.get("delay") and y in names.get("delay_years", years):
            held = checked and y in names.get("delay_checked_years", years)
            source = OARSA_SOURCE % "B13"
            if checked and not held:
                source += ("; no tolerance: a delay indicator counts only the persons who entered "
                           "after the start, so the model's first year has no long delays")
            rows.append((names["delay"], "%d" % y, "%.0f" % delay, pct(10) if held else "",
                         source))
    return rows


def observations_text(rows):
    return csv_text(("variable", "period", "value", "tolerance", "source"), rows)


DROME_NAMES = {
    "stock": "stock.rsa", "stock_tol": 0.02, "allocation": "indicator.depenses_allocation",
    "allocation_tol": 0.03, "insertion": "indicator.depenses_insertion",
    "oriented": "indicator.part_orientes", "pe": "indicator.part_pole_emploi",
    "other_spe": "indicator.part_autre_spe", "cd": "indicator.part_departement",
    "outside_spe": "indicator.part_hors_spe", "delay": "indicator.oriente_2_mois.days",
    "delay_checked_years": (2017, 2018),
}


# The Drôme's groups in seed 001 (001_5f25dcd47cc81775.txt): the age bands of its RSA
# beneficiaries in 2017 (l.248-252) and the territories' shares of the foyers (l.261-264).
# Tolerances: the age shares are whole percents (half a point: 2 % of 24); the model's 26_49
# band leaves the seed's 25-year-olds (about 2.8 points, assumption) to moins_26, hence 6 %; the
# territories' shares are within 5 % (the smallest, 11.9 %, has a per-replication sd of 2 %).
SEED_001 = "001_5f25dcd47cc81775.txt"
DROME_SEED_ROWS = [
    ("share.rsa[age=plus_50]", "2017", "0.24", "4.0%",
     SEED_001 + " l.250 (2017): over-50s 24 % of RSA beneficiaries; whole percents"),
    ("share.rsa[age=26_49]", "2017", "0.70", "6.0%",
     SEED_001 + " l.252 (2017): 25-49 year-olds 70 %; the model's band leaves the 25-year-olds "
     "(about 2.8 points, assumption) to moins_26"),
] + [("share.rsa[territoire=%s]" % value, "2017", share, "5.0%",
      SEED_001 + " l.261-264: %s %s %% of the foyers" % (name, share_pct))
     for value, share, name, share_pct in (
         ("grand_valentinois", "0.337", "Grand Valentinois", "33.7"),
         ("drome_des_collines", "0.261", "Drôme des Collines", "26.1"),
         ("montelimar", "0.144", "Montélimar-Marsanne-Dieulefit", "14.4"),
         ("tricastin_baronnies", "0.138", "Tricastin-Baronnies", "13.8"),
         ("vallee_drome", "0.119", "Vallée de la Drôme", "11.9"))]


def ara_names(slug):
    return {
        "orientation_checked": False, "stock": "stock.rsa_%s" % slug, "stock_tol": 0.03,
        "allocation": "cost.allocation_%s" % slug, "allocation_tol": 0.05,
        "insertion": "cost.insertion_%s" % slug,
        "oriented": "indicator.orientes_%s" % slug, "pe": "indicator.pole_emploi_%s" % slug,
        "cd": "indicator.departement_%s" % slug, "delay": "indicator.orientation_%s.days" % slug,
        "delay_years": (2018,),
    }


ARA_SLUGS = {
    "01": "ain", "03": "allier", "07": "ardeche", "15": "cantal", "26": "drome", "38": "isere",
    "42": "loire", "43": "haute_loire", "63": "puy_de_dome", "69": "rhone", "73": "savoie",
    "74": "haute_savoie",
}


def outputs(territories):
    """{path relative to models/: text} of every table this script writes."""
    out = {}
    for folder in ("drome", "hautes-alpes", "ara"):
        out[os.path.join(folder, "montant_forfaitaire.csv")] = montant_forfaitaire_table()
    # The Drôme's RSA posts: the État pays the socle on the EI, AI and ETTI posts and on the ACI
    # posts the département does not co-finance (002 l.36: ACI 365,74 ETP of which CD 50,09).
    ei, etti, ai, aci, aci_cd, _ = IAE_ETP[DROME]
    aci_rsa = aci * RSA_SHARE_OF_SALARIES
    for kind in IAE_TYPES:
        share = 1.0 - aci_cd / aci_rsa if kind == "aci" else 1.0
        out[os.path.join("drome", "aide_poste_%s.csv" % kind)] = aide_poste_table(kind, share)
    # The ARA tables (models/ara/aide_poste/) are written by scripts/ara_model.py.
    out[os.path.join("drome", "observations.csv")] = observations_text(
        rsa_observations(territories[DROME], DROME_NAMES) + DROME_SEED_ROWS)
    out[os.path.join("hautes-alpes", "observations.csv")] = observations_text(
        rsa_observations(territories[HAUTES_ALPES], ara_names("hautes_alpes")))
    rows = []
    for code, slug in ARA_SLUGS.items():
        rows += rsa_observations(territories[code], ara_names(slug))
    out[os.path.join("ara", "observations.csv")] = observations_text(rows)
    return out


def summary(territories):
    lines = ["code name: foyers 31/12 2016 2017 2018 | adults/foyer | allocation ratio to the "
             "montant forfaitaire 2017 2018 | insertion per foyer-year 2017 2018 | OARSA 2018"]
    for code, t in sorted(territories.items(), key=lambda kv: lib.dept_sort_key(kv[0])):
        o = t.oarsa[2018]
        lines.append("%s %s: %d %d %d | %.4f | %.4f %.4f | %.0f %.0f | oriented %s pe %s "
                     "spe %s cd %s hors %s delay %s" % (
                         code, t.name, t.foyers[2016], t.foyers[2017], t.foyers[2018],
                         t.adults_per_foyer(), t.ratio[2017], t.ratio[2018],
                         t.insertion_per_foyer[2017], t.insertion_per_foyer[2018],
                         o["oarsa_share_oriented_pct"], o["oarsa_oriented_to_pole_emploi_pct"],
                         o["oarsa_oriented_to_other_spe_pct"],
                         o["oarsa_oriented_to_conseil_departemental_pct"],
                         o["oarsa_oriented_outside_spe_pct"],
                         o["oarsa_delay_entry_to_orientation_days"]))
    lines.append("mean montant forfaitaire 2017 %.2f, 2018 %.2f; persons per ETP %.4f" % (
        mf_mean(2017), mf_mean(2018), PERSONS_PER_ETP))
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="compare the tables on disk with what the data give; write nothing")
    args = ap.parse_args(argv)
    territories = load_territories(list(ARA_SLUGS) + [HAUTES_ALPES])
    stale = []
    for rel, text in sorted(outputs(territories).items()):
        path = os.path.join(MODELS, rel)
        old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if old == text:
            continue
        stale.append(rel)
        if not args.check:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(text)
    print(summary(territories))
    if args.check:
        for rel in stale:
            print("stale: models/%s" % rel, file=sys.stderr)
        return 1 if stale else 0
    for rel in stale:
        print("wrote models/%s" % rel, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
