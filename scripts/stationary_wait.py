#!/usr/bin/env python3
"""Elapsed wait of the persons present in a waiting state of a stationary flow.

Persons enter the state at a constant rate and leave it at the first of its competing
transitions, of joint survival S(a) at time a in the state.  Those present at a given day
(an M/G/infinity queue in steady state) have waited a with density S(a) / E[T], E[T] the
integral of S (the backward recurrence time): writes it as a table of bins `upper,weight`
for `initial.seniority.STATE` (format.md).

The entries are not at a constant rate over the year: the new foyers follow the model's
monthly profile (profil_entrees.csv), the returns do not (1,967 new foyers and about 1,470
returns a year in 2017, a model run), so the density is weighted by the entry rate a days
before the start (1 January): lambda(-a) S(a).

Those awaiting orientation are the most recent entrants: the population's seniority table
(anciennete_initiale.csv, that of all the foyers present) is written again without them
(--population-table): their share of the foyers present (orientation 5.485 % of the initial
persons, 69.608 % of whom are in the RSA) times their distribution is taken out of each bin.

The Drôme's `orientation` state (models/drome/rsa.ini): the orientation delay
lognormal(mean=107.5d, sd=107.5d), the exits to a job (emploi_attente at its mode,
0.01683/m, then 0.00984, 0.00615, 0.00291/m from 12, 24, 48 months of seniority) and the
other exits (0.02805, 0.0164, 0.01025, 0.00485/m) on the entry clock (entry into the RSA =
entry into this state), and the stalled files (0.0059/m).

Usage: python3 scripts/stationary_wait.py > models/drome/attente_orientation_initiale.csv
       python3 scripts/stationary_wait.py --population-table > models/drome/anciennete_initiale.csv
"""
import math
import sys

DAYS_PER_MONTH = 365.25 / 12
MEAN, SD = 107.5, 107.5  # days
STARTS = [0, 12, 24, 48]  # months
JOB = [0.01683, 0.00984, 0.00615, 0.00291]  # per month
OTHER = [0.02805, 0.0164, 0.01025, 0.00485]
STALL = 0.0059
PROFILE = [1.1980, 1.2032, 1.2519, 1.1787, 0.9050, 0.5587, 0.3853, 0.5290, 0.8970, 1.2381,
           1.3628, 1.2923]  # profil_entrees.csv, January to December
NEW, RETURNS = 1967.0, 1470.0  # a year
IN_ORIENTATION = 0.05485 / (1 - 0.15502 - 0.14890)  # of the foyers present at the start
# anciennete_initiale.csv as calibrated (all the foyers present): upper (months), weight
POPULATION = [(6, 0.1311), (12, 0.0946), (24, 0.1318), (48, 0.1681), (96, 0.2002),
              (180, 0.2742)]
STEP_MONTHS = 0.5
LAST_MONTHS = 36  # S is below 1e-4 there


def lognormal_q(a):
    if a <= 0:
        return 1.0
    s2 = math.log1p((SD / MEAN) ** 2)
    mu, sigma = math.log(MEAN) - s2 / 2, math.sqrt(s2)
    return 0.5 * math.erfc((math.log(a) - mu) / (sigma * math.sqrt(2)))


def exit_hazard(months):
    i = max(k for k, s in enumerate(STARTS) if s <= months)
    return JOB[i] + OTHER[i] + STALL


def survival(days, h=0.25):
    """S(a): the delay law's survival times the exits' (integrated by steps of h days)."""
    cum, t = 0.0, 0.0
    while t < days:
        dt = min(h, days - t)
        cum += exit_hazard((t + dt / 2) / DAYS_PER_MONTH) / DAYS_PER_MONTH * dt
        t += dt
    return lognormal_q(days) * math.exp(-cum)


def entry_rate(days_before):
    """Entries a day, days_before the start (1 January), relative units."""
    months_before = days_before / DAYS_PER_MONTH
    month = 11 - int(math.floor(months_before)) % 12  # 0 = January: December just before
    return NEW * PROFILE[month] + RETURNS


def weight(a):
    return entry_rate(a) * survival(a)


def main():
    steps = int(round(LAST_MONTHS / STEP_MONTHS))
    uppers = [(k + 1) * STEP_MONTHS * DAYS_PER_MONTH for k in range(steps)]
    # weight of a bin: integral of S over it (Simpson), the density up to 1/E[T]
    # weight of a bin: the integral of the density over it (Simpson on 1-day steps: the
    # entry rate steps at month ends)
    bins = []
    lo, total, mean = 0.0, 0.0, 0.0
    for up in uppers:
        w, a = 0.0, lo
        while a < up:
            b = min(a + 1.0, up)
            w += (b - a) / 6 * (weight(a) + 4 * weight((a + b) / 2) + weight(b))
            a = b
        bins.append((up, w))
        total += w
        mean += w * (lo + up) / 2
        lo = up
    print(f"mean elapsed wait {mean / total:.1f} days", file=sys.stderr)
    print("upper,weight")
    if "--population-table" not in sys.argv[1:]:
        for up, w in bins:
            print(f"{up / DAYS_PER_MONTH:g}m,{w / total:.6f}")
        return
    lo = 0.0
    for up_months, w in POPULATION:
        up = up_months * DAYS_PER_MONTH
        inside = sum(wb for ub, wb in bins if lo < ub <= up + 1e-6) / total
        print(f"{up_months}m,{w - IN_ORIENTATION * inside:.4f}")
        lo = up


if __name__ == "__main__":
    main()
