"""Shared helpers for the DREES scripts: file locations, readers, territories, small statistics.

Python 3 standard library only. Imported by scripts/drees_derive.py and scripts/drees_growth.py,
which Python finds because they live in the same folder.
"""

import csv
import math
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA_DIR = os.path.join(ROOT, "data", "drees")
DERIVED_DIR = os.path.join(DATA_DIR, "derived")

FIRST_YEAR = 2009
LAST_YEAR = 2018
YEARS = list(range(FIRST_YEAR, LAST_YEAR + 1))
# First year of the new CNAF series: the 31 December counts up to 2015 are the RSA socle only.
BREAK_YEAR = 2016

OVERSEAS = ("971", "972", "973", "974", "976")

# Régions of 2016, metropolitan France.  Codes as in the DREES files.
REGIONS = {
    "ARA": ("Auvergne-Rhône-Alpes",
            "01 03 07 15 26 38 42 43 63 69 73 74"),
    "BFC": ("Bourgogne-Franche-Comté", "21 25 39 58 70 71 89 90"),
    "BRE": ("Bretagne", "22 29 35 56"),
    "CVL": ("Centre-Val de Loire", "18 28 36 37 41 45"),
    "COR": ("Corse", "2A 2B"),
    "GES": ("Grand Est", "08 10 51 52 54 55 57 67 68 88"),
    "HDF": ("Hauts-de-France", "02 59 60 62 80"),
    "IDF": ("Île-de-France", "75 77 78 91 92 93 94 95"),
    "NOR": ("Normandie", "14 27 50 61 76"),
    "NAQ": ("Nouvelle-Aquitaine", "16 17 19 23 24 33 40 47 64 79 86 87"),
    "OCC": ("Occitanie", "09 11 12 30 31 32 34 46 48 65 66 81 82"),
    "PDL": ("Pays de la Loire", "44 49 53 72 85"),
    "PAC": ("Provence-Alpes-Côte d'Azur", "04 05 06 13 83 84"),
}
REGION_OF = {code: reg for reg, (_, codes) in REGIONS.items() for code in codes.split()}
ARA = REGIONS["ARA"][1].split()
FOCUS = ["26", "05"]


def data_path(name, data_dir=None):
    return os.path.join(data_dir or DATA_DIR, name)


def read_rows(name, data_dir=None):
    """All rows of one DREES CSV file as dicts of strings (the files are UTF-8, CRLF)."""
    with open(data_path(name, data_dir), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def to_float(text):
    """A published cell as a float, or None when it is empty (ND / NR / / in the source)."""
    text = text.strip()
    return float(text) if text else None


def dept_sort_key(code):
    """01 < ... < 19 < 2A < 2B < 21 < ... < 95 < 971 ...; other codes (20, FR) by text."""
    if code in ("2A", "2B"):
        return (20.0 + (0.1 if code == "2A" else 0.2), code)
    try:
        return (float(code), code)
    except ValueError:
        return (1e9, code)


def read_annual_foyers(data_dir=None):
    """{(code, year): (foyers, adults)} for the cells that are published, and {code: name}."""
    values, names = {}, {}
    for row in read_rows("rsa_foyers_annuel.csv", data_dir):
        code, year = row["departement"], int(row["annee"])
        names[code] = row["nom"]
        foyers, adults = to_float(row["foyers_31dec"]), to_float(row["adultes_31dec"])
        if foyers is not None:
            values[(code, year)] = (foyers, adults)
    return values, names


def read_monthly_foyers(data_dir=None):
    """{code: {(year, month): foyers}} of the monthly series (rounded to 10 in the source)."""
    out = {}
    for row in read_rows("rsa_foyers_mensuel.csv", data_dir):
        value = to_float(row["foyers_fin_de_mois"])
        if value is None:
            continue
        year, month = (int(p) for p in row["mois"].split("-"))
        out.setdefault(row["departement"], {})[(year, month)] = value
    return out


def write_csv(path, header, rows):
    """Write rows (sequences) under header; floats are written as given (format them first)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])


def fmt(value, digits):
    """A number rounded to digits decimals as text, or None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return "%.*f" % (digits, value)


# ---- Statistics ------------------------------------------------------------------------------

def sample_sd(xs):
    xs = list(xs)
    m = sum(xs) / len(xs)
    return math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1))


def quantile(xs, p):
    """Quantile by linear interpolation between order statistics (R type 7, Excel PERCENTILE)."""
    s = sorted(xs)
    h = (len(s) - 1) * p
    lo = int(math.floor(h))
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (h - lo) * (s[hi] - s[lo])


def _gamma_p(a, x):
    """Regularised lower incomplete gamma P(a, x) (series / continued fraction)."""
    if x <= 0:
        return 0.0
    gln = math.lgamma(a)
    if x < a + 1:
        term = total = 1.0 / a
        ap = a
        for _ in range(10000):
            ap += 1
            term *= x / ap
            total += term
            if abs(term) < abs(total) * 1e-15:
                break
        return total * math.exp(-x + a * math.log(x) - gln)
    b = x + 1 - a
    c = 1e300
    d = 1 / b
    h = d
    for i in range(1, 10000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = 1e-300 if abs(d) < 1e-300 else d
        c = b + an / c
        c = 1e-300 if abs(c) < 1e-300 else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15:
            break
    return 1.0 - math.exp(-x + a * math.log(x) - gln) * h


def chi2_quantile(p, df):
    """Quantile of the chi-square distribution with df degrees of freedom (bisection)."""
    lo, hi = 0.0, max(10.0, df * 10.0)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if _gamma_p(df / 2.0, mid / 2.0) < p:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def sd_interval(sd, df, level=0.90):
    """Interval for a standard deviation estimated with df degrees of freedom (normal data,
    independent observations)."""
    tail = (1 - level) / 2
    return (sd * math.sqrt(df / chi2_quantile(1 - tail, df)),
            sd * math.sqrt(df / chi2_quantile(tail, df)))


def solve(matrix, rhs):
    """Solve a small dense linear system by Gaussian elimination with partial pivoting."""
    n = len(matrix)
    a = [list(map(float, row)) + [float(b)] for row, b in zip(matrix, rhs)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        a[col], a[pivot] = a[pivot], a[col]
        if abs(a[col][col]) < 1e-300:
            raise ValueError("singular system")
        for r in range(n):
            if r != col:
                f = a[r][col] / a[col][col]
                if f:
                    for k in range(col, n + 1):
                        a[r][k] -= f * a[col][k]
    return [a[i][n] / a[i][i] for i in range(n)]


def invert(matrix):
    n = len(matrix)
    cols = [solve(matrix, [1.0 if i == j else 0.0 for i in range(n)]) for j in range(n)]
    return [[cols[j][i] for j in range(n)] for i in range(n)]


def cholesky(matrix):
    n = len(matrix)
    low = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1):
            s = matrix[i][j] - sum(low[i][k] * low[j][k] for k in range(j))
            if i == j:
                low[i][i] = math.sqrt(max(s, 0.0))
            else:
                low[i][j] = s / low[j][j] if low[j][j] > 0 else 0.0
    return low
