#!/usr/bin/env python3
"""Derive per-département and national yearly figures from the DREES RSA series.

Reads the four CSV files of data/drees/ and writes data/drees/derived/departements.csv: one row
per département x year 2009-2018 (foyers and adults at 31 December, mean foyers over the year,
allocation and insertion spending and their amounts per foyer, OARSA indicators), one row per
year for Corse as a whole (code 20) and one national row per year (code FR).  Prints a summary
for the Drôme, the Hautes-Alpes and the Auvergne-Rhône-Alpes départements and checks the Drôme's
2017 figures against the published ones (exit status 1 if they do not match).
Method and caveats: docs/data.md.
"""

import argparse
import os
import sys

sys.dont_write_bytecode = True  # keep the checkout clean: no __pycache__ beside the scripts
import drees_lib as lib  # noqa: E402

OARSA_FIELDS = [
    # (derived column, source column)
    ("oarsa_share_oriented_pct", "part_orientes_pct"),
    ("oarsa_share_oriented_seniority_lt6m_pct", "part_orientes_anc_moins_6m_pct"),
    ("oarsa_share_oriented_seniority_6to12m_pct", "part_orientes_anc_6m_1an_pct"),
    ("oarsa_share_oriented_seniority_ge1y_pct", "part_orientes_anc_1an_plus_pct"),
    ("oarsa_oriented_to_pole_emploi_pct", "orientes_pole_emploi_pct"),
    ("oarsa_oriented_to_other_spe_pct", "orientes_autre_spe_pct"),
    ("oarsa_oriented_to_conseil_departemental_pct", "orientes_conseil_departemental_pct"),
    ("oarsa_oriented_outside_spe_pct", "orientes_hors_spe_pct"),
    ("oarsa_delay_entry_to_orientation_days", "delai_entree_primo_orientation_jours"),
    ("oarsa_delay_orientation_to_cer_days", "delai_orientation_primo_cer_jours"),
]

HEADER = [
    "code", "name", "kind", "region", "year", "series", "series_break",
    "foyers_31dec", "adults_31dec", "adults_per_foyer",
    "foyers_mean_year", "foyers_mean_method",
    "allocation_keur", "allocation_eur_per_foyer_month",
    "insertion_keur", "insertion_eur_per_foyer_year",
] + [name for name, _ in OARSA_FIELDS] + ["n_departements", "notes"]

CORSE = "20"
CORSE_PARTS = ("2A", "2B")


def load(data_dir):
    """Everything the derivation needs, keyed by (code, year)."""
    annual, names = lib.read_annual_foyers(data_dir)
    monthly = lib.read_monthly_foyers(data_dir)
    spending, spend_names = {}, {}
    for row in lib.read_rows("rsa_depenses_annuel.csv", data_dir):
        key = (row["departement"], int(row["annee"]))
        spend_names[row["departement"]] = row["nom"]
        spending[key] = (lib.to_float(row["allocation_brute_keur"]),
                         lib.to_float(row["insertion_brute_keur"]))
    oarsa = {}
    for row in lib.read_rows("oarsa_orientation.csv", data_dir):
        oarsa[(row["departement"], int(row["annee"]))] = [lib.to_float(row[src])
                                                          for _, src in OARSA_FIELDS]
    return annual, names, monthly, spending, spend_names, oarsa


def mean_foyers(code, year, annual, monthly):
    """(mean number of foyers over the year, method) or (None, reason).

    The mean of the 12 month-ends when the monthly series covers the year (2017, 2018); else the
    mean of 31 December of year-1 and of year, which for 2016 straddles the series break."""
    months = monthly.get(code, {})
    values = [months.get((year, m)) for m in range(1, 13)]
    if all(v is not None for v in values):
        return sum(values) / 12.0, "monthly"
    prev, cur = annual.get((code, year - 1)), annual.get((code, year))
    if prev is None or cur is None:
        return None, ""
    method = "dec_pair_across_break" if year == lib.BREAK_YEAR else "dec_pair"
    return (prev[0] + cur[0]) / 2.0, method


def per_foyer(allocation, insertion, foyers_mean):
    """(€ of allocation per foyer per month, € of insertion per foyer per year); None when the
    spending is missing, zero or negative, or the mean stock unknown."""
    alloc = ins = None
    if foyers_mean:
        if allocation is not None and allocation > 0:
            alloc = allocation * 1000.0 / (12.0 * foyers_mean)
        if insertion is not None and insertion > 0:
            ins = insertion * 1000.0 / foyers_mean
    return alloc, ins


def build_rows(data_dir):
    annual, names, monthly, spending, spend_names, oarsa = load(data_dir)
    codes = sorted({code for code, _ in annual} | set(names), key=lib.dept_sort_key)
    rows = []      # dicts, in output order
    by_key = {}

    for code in codes:
        for year in lib.YEARS:
            notes = []
            cell = annual.get((code, year))
            foyers, adults = cell if cell else (None, None)
            if cell is None:
                if code in lib.OVERSEAS:
                    notes.append("no RSA count: the RSA started in 2011 (971-974) / 2012 (976)")
                else:
                    notes.append("foyers not published")
            fmean, method = mean_foyers(code, year, annual, monthly)
            if method == "dec_pair_across_break":
                notes.append("mean of 31/12/2015 (RSA socle) and 31/12/2016 (new series)")
            allocation, insertion = spending.get((code, year), (None, None))
            if code in CORSE_PARTS and year >= 2018:
                allocation = insertion = None
                notes.append("2018 spending published for Corse as a whole (row 20)")
            elif (code, year) not in spending:
                notes.append("spending not published")
            if year == 2009 and allocation:
                notes.append("2009 spending covers a partial RSA year (RSA from June 2009)")
            if insertion is not None and insertion <= 0 and (code, year) in spending:
                notes.append("insertion spending %s as published" %
                             ("negative" if insertion < 0 else "zero"))
            if allocation is not None and allocation == 0 and code in lib.OVERSEAS:
                notes.append("allocation 0: RSA not yet in force")
            alloc_pf, ins_pf = per_foyer(allocation, insertion, fmean)
            row = {
                "code": code, "name": names.get(code, spend_names.get(code, "")),
                "kind": "departement", "region": lib.REGION_OF.get(code, "DOM"),
                "year": year, "foyers_31dec": foyers, "adults_31dec": adults,
                "foyers_mean_year": fmean, "foyers_mean_method": method,
                "allocation_keur": allocation, "insertion_keur": insertion,
                "allocation_eur_per_foyer_month": alloc_pf,
                "insertion_eur_per_foyer_year": ins_pf,
                "oarsa": oarsa.get((code, year)),
                "n_departements": None, "notes": notes,
            }
            if code == "69" and year >= 2015 and (code, year) not in oarsa:
                notes.append("no OARSA row for 69")
            rows.append(row)
            by_key[(code, year)] = row

    # Corse as a whole: foyers of 2A + 2B, spending and OARSA of the Collectivité (code 20).
    corse_rows = []
    for year in lib.YEARS:
        parts = [by_key[(c, year)] for c in CORSE_PARTS]
        def total(field):
            vals = [p[field] for p in parts]
            return None if any(v is None for v in vals) else sum(vals)
        fmean = total("foyers_mean_year")
        allocation, insertion = spending.get((CORSE, year), (None, None))
        alloc_pf, ins_pf = per_foyer(allocation, insertion, fmean)
        notes = ["foyers = 2A + 2B; spending and OARSA of the Collectivité de Corse (20);"
                 " not added again in FR"]
        if year == lib.BREAK_YEAR:
            notes.append("mean of 31/12/2015 (RSA socle) and 31/12/2016 (new series)")
        corse_rows.append({
            "code": CORSE, "name": "Corse (2A + 2B)", "kind": "collectivite", "region": "COR",
            "year": year, "foyers_31dec": total("foyers_31dec"),
            "adults_31dec": total("adults_31dec"), "foyers_mean_year": fmean,
            "foyers_mean_method": parts[0]["foyers_mean_method"],
            "allocation_keur": allocation, "insertion_keur": insertion,
            "allocation_eur_per_foyer_month": alloc_pf, "insertion_eur_per_foyer_year": ins_pf,
            "oarsa": oarsa.get((CORSE, year)), "n_departements": 2, "notes": notes,
        })

    national = [national_row(year, codes, by_key, spending) for year in lib.YEARS]
    for row in rows + corse_rows + national:
        row["series"] = "rsa_socle" if row["year"] < lib.BREAK_YEAR else "cnaf_2016"
        row["series_break"] = 1 if row["year"] == lib.BREAK_YEAR else 0
        f, a = row["foyers_31dec"], row["adults_31dec"]
        row["adults_per_foyer"] = a / f if f and a is not None else None
    return rows + corse_rows + national


def national_row(year, codes, by_key, spending):
    """Sums over départements.  Foyers, adults and mean foyers: over the départements that have
    the figure.  Spending: over the spending file, Corse through its row 20 (= 2A + 2B up to
    2017).  Amounts per foyer: over the départements that have both the spending (> 0 for the
    allocation, as published for insertion) and the mean stock."""
    def have(field):
        return [c for c in codes if by_key[(c, year)][field] is not None]
    missing_foyers = [c for c in codes if by_key[(c, year)]["foyers_31dec"] is None]
    foyers = sum(by_key[(c, year)]["foyers_31dec"] for c in have("foyers_31dec"))
    adults = sum(by_key[(c, year)]["adults_31dec"] for c in have("adults_31dec"))
    with_mean = have("foyers_mean_year")
    fmean = sum(by_key[(c, year)]["foyers_mean_year"] for c in with_mean)

    spend_units = [c for c in codes if c not in CORSE_PARTS] + [CORSE]
    def mean_of(unit):
        if unit == CORSE:
            vals = [by_key[(c, year)]["foyers_mean_year"] for c in CORSE_PARTS]
            return None if any(v is None for v in vals) else sum(vals)
        return by_key[(unit, year)]["foyers_mean_year"]
    allocation = insertion = 0.0
    no_spending = []
    alloc_num = alloc_den = ins_num = ins_den = 0.0
    for unit in spend_units:
        cell = spending.get((unit, year))
        if cell is None:
            no_spending.append(unit)
            continue
        alloc, ins = cell
        allocation += alloc or 0.0
        insertion += ins or 0.0
        m = mean_of(unit)
        if m:
            if alloc and alloc > 0:
                alloc_num += alloc
                alloc_den += m
            if ins is not None:
                ins_num += ins
                ins_den += m
    missing_mean = [c for c in codes if c not in with_mean]
    notes = ["sums over départements; Corse spending through row 20"]
    if missing_foyers:
        notes.append("foyers/adults without %s (RSA not yet in force)" % " ".join(missing_foyers))
    if missing_mean and len(missing_mean) < len(codes):
        notes.append("mean foyers without %s" % " ".join(missing_mean))
    if no_spending:
        notes.append("spending without %s (not published)" % " ".join(no_spending))
    if alloc_den:
        notes.append("per-foyer amounts over the départements with both spending and mean"
                     " foyers (%.0f foyers on average)" % alloc_den)
    if year == lib.BREAK_YEAR:
        notes.append("mean of 31/12/2015 (RSA socle) and 31/12/2016 (new series)")
    return {
        "code": "FR", "name": "France (sum of départements)", "kind": "national",
        "region": "", "year": year, "foyers_31dec": foyers, "adults_31dec": adults,
        "foyers_mean_year": fmean if with_mean else None,
        "foyers_mean_method": "sum" if with_mean else "",
        "allocation_keur": allocation, "insertion_keur": insertion,
        "allocation_eur_per_foyer_month":
            alloc_num * 1000.0 / (12.0 * alloc_den) if alloc_den else None,
        "insertion_eur_per_foyer_year": ins_num * 1000.0 / ins_den if ins_den else None,
        "oarsa": None, "n_departements": len(codes) - len(missing_foyers), "notes": notes,
    }


def to_csv_row(row):
    oarsa = row["oarsa"] or [None] * len(OARSA_FIELDS)
    return [
        row["code"], row["name"], row["kind"], row["region"], row["year"], row["series"],
        row["series_break"],
        lib.fmt(row["foyers_31dec"], 0), lib.fmt(row["adults_31dec"], 0),
        lib.fmt(row["adults_per_foyer"], 4),
        lib.fmt(row["foyers_mean_year"], 1), row["foyers_mean_method"],
        lib.fmt(row["allocation_keur"], 3), lib.fmt(row["allocation_eur_per_foyer_month"], 2),
        lib.fmt(row["insertion_keur"], 3), lib.fmt(row["insertion_eur_per_foyer_year"], 2),
    ] + [lib.fmt(v, 0) for v in oarsa] + [row["n_departements"], "; ".join(row["notes"])]


def check_drome(rows):
    """The Drôme's published 2017-2018 figures (data/drees/README.md, project brief)."""
    get = {(r["code"], r["year"]): r for r in rows}
    d17, d18 = get[("26", 2017)], get[("26", 2018)]
    checks = [
        ("foyers 31/12/2017", d17["foyers_31dec"], 11917, "%.0f"),
        ("adults 31/12/2017", d17["adults_31dec"], 13428, "%.0f"),
        ("allocation 2017, M€", round(d17["allocation_keur"] / 1000, 1), 66.0, "%.1f"),
        ("allocation 2018, M€", round(d18["allocation_keur"] / 1000, 1), 67.2, "%.1f"),
        ("insertion 2017, M€", round(d17["insertion_keur"] / 1000, 1), 5.9, "%.1f"),
        ("insertion 2018, M€", round(d18["insertion_keur"] / 1000, 1), 5.8, "%.1f"),
    ]
    ok = True
    for label, got, want, form in checks:
        good = abs(got - want) < 1e-9
        ok &= good
        print("check Drôme %-22s %8s  expected %8s  %s" %
              (label, form % got, form % want, "ok" if good else "MISMATCH"))
    return ok


def summary(rows):
    get = {(r["code"], r["year"]): r for r in rows}
    def show(v, form):
        return form % v if v is not None else "-"
    print("\nDrôme, Hautes-Alpes, Auvergne-Rhône-Alpes (ARA = sum of its 12 départements)")
    print("%-4s %-22s %4s %8s %8s %9s %8s %8s %7s %8s" %
          ("code", "name", "year", "foyers", "adults", "mean", "alloc", "€/f/mo",
           "insert", "€/f/yr"))
    print("%-4s %-22s %4s %8s %8s %9s %8s %8s %7s %8s" %
          ("", "", "", "31/12", "31/12", "foyers", "M€", "", "M€", ""))
    for code in lib.FOCUS + [c for c in lib.ARA if c not in lib.FOCUS] + ["ARA"]:
        for year in range(2015, 2019):
            if code == "ARA":
                parts = [get[(c, year)] for c in lib.ARA]
                def tot(field):
                    return sum(p[field] for p in parts)
                alloc, ins, fmean = tot("allocation_keur"), tot("insertion_keur"), \
                    tot("foyers_mean_year")
                r = {"name": "Auvergne-Rhône-Alpes", "foyers_31dec": tot("foyers_31dec"),
                     "adults_31dec": tot("adults_31dec"), "foyers_mean_year": fmean,
                     "allocation_keur": alloc, "insertion_keur": ins,
                     "allocation_eur_per_foyer_month": alloc * 1000 / (12 * fmean),
                     "insertion_eur_per_foyer_year": ins * 1000 / fmean}
            else:
                r = get[(code, year)]
            print("%-4s %-22s %4d %8s %8s %9s %8s %8s %7s %8s%s" % (
                code, r["name"][:22], year, show(r["foyers_31dec"], "%.0f"),
                show(r["adults_31dec"], "%.0f"), show(r["foyers_mean_year"], "%.1f"),
                show(r["allocation_keur"] and r["allocation_keur"] / 1000, "%.2f"),
                show(r["allocation_eur_per_foyer_month"], "%.2f"),
                show(r["insertion_keur"] and r["insertion_keur"] / 1000, "%.2f"),
                show(r["insertion_eur_per_foyer_year"], "%.1f"),
                "  (mean straddles the 2016 break)" if year == lib.BREAK_YEAR else ""))
    print("\nFrance (sum of départements)")
    for year in lib.YEARS:
        r = get[("FR", year)]
        print("FR   %4d foyers %9s adults %9s allocation %7s M€  %7s €/foyer/month  "
              "insertion %6s M€" % (
                  year, show(r["foyers_31dec"], "%.0f"), show(r["adults_31dec"], "%.0f"),
                  show(r["allocation_keur"] / 1000, "%.1f"),
                  show(r["allocation_eur_per_foyer_month"], "%.2f"),
                  show(r["insertion_keur"] / 1000, "%.1f")))


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Derive per-département and national yearly RSA figures (foyers, adults, "
                    "mean stock, allocation and insertion per foyer, OARSA) from the DREES "
                    "series in data/drees/.  Writes data/drees/derived/departements.csv and "
                    "prints a summary for the Drôme, the Hautes-Alpes and ARA.")
    parser.add_argument("--data", default=lib.DATA_DIR,
                        help="folder holding the four DREES CSV files (default: data/drees)")
    parser.add_argument("--out", default=os.path.join(lib.DERIVED_DIR, "departements.csv"),
                        help="output CSV file (default: data/drees/derived/departements.csv)")
    args = parser.parse_args(argv)

    rows = build_rows(args.data)
    lib.write_csv(args.out, HEADER, [to_csv_row(r) for r in rows])
    print("wrote %s (%d rows)" % (os.path.relpath(args.out), len(rows)))
    ok = check_drome(rows)
    summary(rows)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
