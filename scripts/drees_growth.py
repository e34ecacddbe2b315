#!/usr/bin/env python3
"""Growth statistics of the DREES RSA foyer series that a forecast band must reproduce.

From the 31 December counts 2009-2018 of the 96 metropolitan départements: yearly log-growth
g(d,t) = log F(d,t) - log F(d,t-1), without the growth 2015 -> 2016 that crosses the series break,
decomposed as g(d,t) = mu(d) + c(t) + e(d,t) (département trend, national year effect, residual).
Estimates the sd and lag-1 autocorrelation of c and of e (with the small-T bias of the within
estimator corrected), the residual's dependence on the size of the département, its correlation
within régions, the errors of the naive "no change" forecast at 12 and 24 months, the seasonality
and month-to-month noise of the monthly stock 2017-2018, and the parameters (sigma, phi) of a
log-AR(1) driver on the inflow rate of a one-compartment stock that reproduce the yearly statistics.

Writes data/drees/derived/growth.csv, year_effects.csv and driver_mapping.csv.  Deterministic:
every random draw comes from random.Random(--seed).  Method: docs/data.md.
"""

import argparse
import math
import os
import random
import sys

sys.dont_write_bytecode = True  # keep the checkout clean: no __pycache__ beside the scripts
import drees_lib as lib  # noqa: E402

GROWTH_YEARS = [2010, 2011, 2012, 2013, 2014, 2015, 2017, 2018]
ALL_GROWTH_YEARS = list(range(2010, 2019))          # the process runs through 2016 too
DROPPED = ALL_GROWTH_YEARS.index(lib.BREAK_YEAR)    # growth 2015 -> 2016: crosses the break
PAIRS = [(i - 1, i) for i in range(1, len(GROWTH_YEARS))
         if GROWTH_YEARS[i] - GROWTH_YEARS[i - 1] == 1]
T_OBS = len(GROWTH_YEARS)
DURATIONS = (2.0, 3.0, 4.0)
LEVEL = 0.90


class Results:
    """Rows of growth.csv: territory, statistic, value, se, ci90_low, ci90_high, n, method."""

    def __init__(self):
        self.rows = []

    def add(self, territory, statistic, value, se=None, ci=None, n=None, method=""):
        low, high = ci if ci else (None, None)
        self.rows.append([territory, statistic, value, se, low, high, n, method])

    def get(self, territory, statistic):
        for row in self.rows:
            if row[0] == territory and row[1] == statistic:
                return row[2]
        raise KeyError((territory, statistic))

    def row(self, territory, statistic):
        for row in self.rows:
            if row[0] == territory and row[1] == statistic:
                return row
        raise KeyError((territory, statistic))

    def formatted(self):
        out = []
        for row in self.rows:
            cells = list(row)
            for i in (2, 3, 4, 5):
                if isinstance(cells[i], float):
                    cells[i] = "%.6g" % cells[i]
            out.append(cells)
        return out


# ---- Panel and decomposition -------------------------------------------------------------------

def load_panel(data_dir):
    annual, names = lib.read_annual_foyers(data_dir)
    metro = sorted({c for c, _ in annual if c not in lib.OVERSEAS}, key=lib.dept_sort_key)
    for code in metro:
        for year in lib.YEARS:
            if (code, year) not in annual:
                raise SystemExit("missing count %s %d in a metropolitan département" %
                                 (code, year))
    counts = {c: {y: annual[(c, y)][0] for y in lib.YEARS if (c, y) in annual}
              for c in sorted({c for c, _ in annual}, key=lib.dept_sort_key)}
    return metro, counts, names


def growth(counts, code, year):
    series = counts[code]
    if year in series and year - 1 in series:
        return math.log(series[year] / series[year - 1])
    return None


def two_way(panel):
    """panel: list of per-département growth vectors (same years).  Returns (mu, c, e, grand)."""
    n, t = len(panel), len(panel[0])
    mu = [sum(row) / t for row in panel]
    col = [sum(row[j] for row in panel) / n for j in range(t)]
    grand = sum(col) / t
    c = [x - grand for x in col]
    e = [[row[j] - mu[i] - c[j] for j in range(t)] for i, row in enumerate(panel)]
    return mu, c, e, grand


def pooled_sd(e):
    n, t = len(e), len(e[0])
    sse = sum(v * v for row in e for v in row)
    return math.sqrt(sse / ((n - 1) * (t - 1)))


def pooled_acf(e, pairs=PAIRS):
    """Pooled lag-1 autocorrelation: mean cross-product over lag pairs / mean square."""
    t = len(e[0])
    num = sum(row[i] * row[j] for row in e for i, j in pairs) / (len(e) * len(pairs))
    den = sum(v * v for row in e for v in row) / (len(e) * t)
    return num / den


def series_stats(values):
    """(sample sd, lag-1 autocorrelation) of one series over GROWTH_YEARS, demeaned."""
    m = sum(values) / len(values)
    d = [v - m for v in values]
    sd = math.sqrt(sum(v * v for v in d) / (len(d) - 1))
    acf = (sum(d[i] * d[j] for i, j in PAIRS) / len(PAIRS)) / (sum(v * v for v in d) / len(d))
    return sd, acf


# ---- Sampling distributions of the estimators for a Gaussian growth process ---------------------

def observed_part(matrix):
    keep = [i for i in range(len(ALL_GROWTH_YEARS)) if i != DROPPED]
    return [[matrix[i][j] for j in keep] for i in keep]


def ar1_cov(rho):
    n = len(ALL_GROWTH_YEARS)
    return [[rho ** abs(i - j) for j in range(n)] for i in range(n)]


class SeriesSampler:
    """Draws of (sample sd, lag-1 autocorrelation) of the 8 observed growths of a Gaussian
    process with a given 9 x 9 covariance (2010-2018), the same normal draws for every
    covariance (common random numbers) so that quantiles vary smoothly with the parameters."""

    def __init__(self, draws, rng):
        self.z = [[rng.gauss(0.0, 1.0) for _ in ALL_GROWTH_YEARS] for _ in range(draws)]

    def quantiles(self, cov, probs=(0.05, 0.5, 0.95)):
        low = lib.cholesky(cov)
        n = len(cov)
        sds, acfs = [], []
        for z in self.z:
            g = [sum(low[i][k] * z[k] for k in range(i + 1)) for i in range(n)]
            del g[DROPPED]
            sd, acf = series_stats(g)
            sds.append(sd)
            acfs.append(acf)
        return ([lib.quantile(sds, p) for p in probs], [lib.quantile(acfs, p) for p in probs])


def invert_increasing(xs, ys, target):
    """x where the piecewise-linear increasing curve (xs, ys) reaches target; None if outside."""
    for k in range(1, len(xs)):
        y0, y1 = ys[k - 1], ys[k]
        if (y0 - target) * (y1 - target) <= 0 and y1 != y0:
            return xs[k - 1] + (target - y0) * (xs[k] - xs[k - 1]) / (y1 - y0)
    return None


def panel_expectations(cov9):
    """Large-N expectations of the panel estimators (pooled variance with (N-1)(T-1) degrees of
    freedom, pooled lag-1 autocorrelation) for residuals with covariance cov9 over 2010-2018,
    after the two-way within transformation on the 8 observed years."""
    g = observed_part(cov9)
    t = len(g)
    m = [[(1.0 if i == j else 0.0) - 1.0 / t for j in range(t)] for i in range(t)]
    mg = [[sum(m[i][k] * g[k][j] for k in range(t)) for j in range(t)] for i in range(t)]
    e = [[sum(mg[i][k] * m[k][j] for k in range(t)) for j in range(t)] for i in range(t)]
    trace = sum(e[i][i] for i in range(t))
    var = trace / (t - 1)
    acf = (sum(e[i][j] for i, j in PAIRS) / len(PAIRS)) / (trace / t)
    return var, acf


def bisect(f, lo, hi, target, iters=80):
    """Root of increasing f(x) = target on [lo, hi]; None if target is outside [f(lo), f(hi)]."""
    flo, fhi = f(lo), f(hi)
    if not (min(flo, fhi) <= target <= max(flo, fhi)):
        return None
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        if (f(mid) - target) * (flo - target) > 0:
            lo, flo = mid, f(mid)
        else:
            hi = mid
    return 0.5 * (lo + hi)


def reml_parts(series_list, cov8):
    """Restricted (mean-free) Gaussian log-likelihood of series of the 8 observed years sharing
    the correlation structure cov8, each with its own mean, in the form
    loglik(scale) = -(dof log scale^2 + const + quad / scale^2) / 2.  Returns (dof, quad, const)."""
    n = len(cov8)
    low = lib.cholesky(cov8)
    logdet = 2 * sum(math.log(low[i][i]) for i in range(n))
    inv = lib.invert(cov8)
    inv1 = [sum(row) for row in inv]
    total = sum(inv1)
    quad = 0.0
    for y in series_list:
        iy = [sum(inv[i][j] * y[j] for j in range(n)) for i in range(n)]
        quad += sum(y[i] * iy[i] for i in range(n)) - sum(inv1[i] * y[i]
                                                          for i in range(n)) ** 2 / total
    k = len(series_list)
    return k * (n - 1), quad, k * (logdet + math.log(total))


def reml(series_list, cov8):
    """(log-likelihood with the scale concentrated out, REML scale sd)."""
    dof, quad, const = reml_parts(series_list, cov8)
    scale2 = quad / dof
    return -0.5 * (dof * math.log(scale2) + const + dof), math.sqrt(scale2)


def scale_interval(parts, best_scale):
    """90 % profile-likelihood interval of the scale, maximising over the correlation grid
    whose reml_parts are given."""
    def profile(scale):
        return max(-0.5 * (d * math.log(scale * scale) + c + q / (scale * scale))
                   for d, q, c in parts)
    top = profile(best_scale)
    cut = top - 0.5 * lib.chi2_quantile(LEVEL, 1)
    def edge(lo, hi):
        for _ in range(100):
            mid = math.sqrt(lo * hi)
            if (profile(mid) >= cut) == (profile(lo) >= cut):
                lo = mid
            else:
                hi = mid
        return math.sqrt(lo * hi)
    return edge(best_scale / 100.0, best_scale), edge(best_scale * 100.0, best_scale)


def profile_summary(grid, loglik):
    """(index of the maximum, first and last index within the 90 % likelihood-ratio set)."""
    best = max(range(len(grid)), key=lambda i: loglik[i])
    cut = loglik[best] - 0.5 * lib.chi2_quantile(LEVEL, 1)
    inside = [i for i in range(len(grid)) if loglik[i] >= cut]
    return best, inside[0], inside[-1]


# ---- Driver -> stock mapping (one-compartment model, monthly grid) ----------------------------

def stock_log_autocov(phi, duration, sigma=1.0, max_lag_years=10):
    """Autocovariances at 0..max_lag_years years of the log stock s of the linearised monthly model
        x(m+1) = a x(m) + s_e eta,        a = phi^(1/12), yearly innovation sd sigma
        s(m+1) = (1-h) s(m) + h x(m),     h = 1 - exp(-1/(12 T))
    (stock S(m+1) = (1-h) S(m) + lambda/12 exp(x(m)), log-linearised around lambda T)."""
    a = phi ** (1.0 / 12.0)
    h = 1.0 - math.exp(-1.0 / (12.0 * duration))
    var_e = sigma ** 2 * (1 - a * a) / (1 - phi * phi)
    p = var_e / (1 - a * a)
    q = a * h * p / (1 - a * (1 - h))
    r = (2 * h * (1 - h) * q + h * h * p) / (1 - (1 - h) ** 2)
    sigma_state = [[p, q], [q, r]]            # Cov of (x, s), stationary
    step = [[a, 0.0], [h, 1 - h]]
    year = [[1.0, 0.0], [0.0, 1.0]]
    for _ in range(12):
        year = [[sum(step[i][k] * year[k][j] for k in range(2)) for j in range(2)]
                for i in range(2)]
    out, power = [], [[1.0, 0.0], [0.0, 1.0]]
    for _ in range(max_lag_years + 1):
        cov = [[sum(power[i][k] * sigma_state[k][j] for k in range(2)) for j in range(2)]
               for i in range(2)]
        out.append(cov[1][1])
        power = [[sum(year[i][k] * power[k][j] for k in range(2)) for j in range(2)]
                 for i in range(2)]
    return out


def poisson_log_autocov(duration, size, max_lag_years=10):
    """Log-stock autocovariance of the demographic noise of an M/M/infinity stock of mean size
    `size` and mean duration T: Cov(N(t), N(t+u)) = size exp(-u/T), divided by size^2."""
    return [math.exp(-k / duration) / size for k in range(max_lag_years + 1)]


def growth_cov(r):
    """9 x 9 covariance of yearly growths 2010-2018 from the log-stock autocovariances r."""
    n = len(ALL_GROWTH_YEARS)
    def rr(k):
        return r[abs(k)]
    return [[2 * rr(i - j) - rr(i - j + 1) - rr(i - j - 1) for j in range(n)] for i in range(n)]


def population_stats(r):
    var = 2 * (r[0] - r[1])
    return math.sqrt(var), (2 * r[1] - r[0] - r[2]) / var


CHANGE_YEARS = (1, 2, 5, 10)


def change_sds(r):
    """sd of the log-stock change over 1, 2, 5 and 10 years (stationary, unconditional)."""
    return [math.sqrt(max(2 * (r[0] - r[k]), 0.0)) for k in CHANGE_YEARS]


def add_cov(a, b, wa=1.0, wb=1.0):
    return [[wa * x + wb * y for x, y in zip(ra, rb)] for ra, rb in zip(a, b)]


# ---- Sections ---------------------------------------------------------------------------------

def decomposition(metro, counts, res, rng, reps):
    panel = [[growth(counts, d, y) for y in GROWTH_YEARS] for d in metro]
    mu, c, e, grand = two_way(panel)
    n = len(metro)

    res.add("FR-metro", "mean_growth", grand, n=n * T_OBS,
            method="mean over départements and years of yearly log-growth (2016 excluded)")
    for year, value in zip(GROWTH_YEARS, c):
        res.add("FR-metro", "year_effect_%d" % year, value, n=n,
                method="c(t): mean growth of the year over départements minus the mean growth")

    # National cycle c(t): sd and lag-1 autocorrelation.  Eight years: the AR(1) coefficient is
    # estimated by restricted maximum likelihood (the mean estimated), with a likelihood-ratio
    # interval, and checked against a test-inversion interval from simulated estimates.
    sd_c, acf_c = series_stats(c)
    res.add("FR-metro", "cycle_sd", sd_c, ci=lib.sd_interval(sd_c, T_OBS - 1, LEVEL),
            n=T_OBS, method="sample sd of c(t); interval chi-square with 7 df (independent years)")
    res.add("FR-metro", "cycle_acf1", acf_c, n=len(PAIRS),
            method="lag-1 autocorrelation of c(t) over the 6 consecutive pairs (raw)")
    grid = [x / 100.0 for x in range(-95, 100)]
    profile = [reml([c], observed_part(ar1_cov(rho))) for rho in grid]
    best, low, high = profile_summary(grid, [p[0] for p in profile])
    res.add("FR-metro", "cycle_acf1_reml", grid[best], ci=(grid[low], grid[high]), n=T_OBS,
            method="AR(1) coefficient by restricted maximum likelihood (REML, mean estimated); "
                   "likelihood-ratio interval on the grid -0.95..0.99")
    parts = [reml_parts([c], observed_part(ar1_cov(rho))) for rho in grid]
    res.add("FR-metro", "cycle_sd_stationary_reml", profile[best][1],
            ci=scale_interval(parts, profile[best][1]), n=T_OBS,
            method="REML stationary sd of the AR(1); profile-likelihood interval")
    sampler = SeriesSampler(reps, rng)
    sim_grid = [x / 100.0 for x in range(-90, 100, 5)] + [0.99]
    table = [sampler.quantiles(ar1_cov(rho))[1] for rho in sim_grid]
    lo = invert_increasing(sim_grid, [q[2] for q in table], acf_c)
    hi = invert_increasing(sim_grid, [q[0] for q in table], acf_c)
    med = invert_increasing(sim_grid, [q[1] for q in table], acf_c)
    res.add("FR-metro", "cycle_acf1_test_inversion", med,
            ci=(lo if lo is not None else sim_grid[0], hi if hi is not None else sim_grid[-1]),
            n=len(PAIRS),
            method="AR(1) coefficients whose simulated 5-95 %% range of the raw estimate holds "
                   "the observed one; value: median-unbiased estimate (%s)" %
                   ("empty: the observed estimate exceeds the simulated median for every "
                    "coefficient up to 0.99" if med is None else "interpolated"))

    # National aggregate (sum of the 96 départements), for comparison.
    agg = {y: sum(counts[d][y] for d in metro) for y in lib.YEARS}
    agg_g = [math.log(agg[y] / agg[y - 1]) for y in GROWTH_YEARS]
    sd_a, acf_a = series_stats(agg_g)
    res.add("FR-metro-sum", "mean_growth", sum(agg_g) / T_OBS, n=T_OBS,
            method="log-growth of the sum of the 96 metropolitan départements")
    res.add("FR-metro-sum", "growth_sd", sd_a, ci=lib.sd_interval(sd_a, T_OBS - 1, LEVEL),
            n=T_OBS, method="sample sd; chi-square interval, 7 df")
    res.add("FR-metro-sum", "growth_acf1", acf_a, n=len(PAIRS), method="raw lag-1")

    # Residual e: pooled sd (two-way bootstrap), pooled lag-1 autocorrelation (cluster bootstrap),
    # small-T (Nickell) bias corrected exactly for this design.
    sd_e = pooled_sd(e)
    acf_e = pooled_acf(e)
    boot_sd, boot_acf = [], []
    dof_scale = n * T_OBS / ((n - 1) * (T_OBS - 1))
    for _ in range(reps):
        rows = [rng.randrange(n) for _ in range(n)]
        cols = [rng.randrange(T_OBS) for _ in range(T_OBS)]
        mean_square = sum(e[i][j] ** 2 for i in rows for j in cols) / (n * T_OBS)
        boot_sd.append(math.sqrt(mean_square * dof_scale))
        sample = [panel[i] for i in rows]
        boot_acf.append(pooled_acf(two_way(sample)[2]))
    res.add("FR-metro", "residual_sd", sd_e, se=lib.sample_sd(boot_sd),
            ci=(lib.quantile(boot_sd, 0.05), lib.quantile(boot_sd, 0.95)), n=n * T_OBS,
            method="sqrt(SSE / ((N-1)(T-1))); se and interval: bootstrap of the residuals "
                   "resampling départements and years")
    res.add("FR-metro", "residual_acf1_raw", acf_e, se=lib.sample_sd(boot_acf),
            ci=(lib.quantile(boot_acf, 0.05), lib.quantile(boot_acf, 0.95)), n=n * len(PAIRS),
            method="pooled within estimator over the 6 consecutive pairs; bootstrap over "
                   "départements")
    def expected_acf(rho):
        return panel_expectations(ar1_cov(rho))[1]
    corr = bisect(expected_acf, -0.95, 0.99, acf_e)
    corr_lo = bisect(expected_acf, -0.95, 0.99, lib.quantile(boot_acf, 0.05))
    corr_hi = bisect(expected_acf, -0.95, 0.99, lib.quantile(boot_acf, 0.95))
    res.add("FR-metro", "residual_acf1_corrected", corr, ci=(corr_lo, corr_hi), n=n * len(PAIRS),
            method="AR(1) coefficient of e whose large-N expected within estimate (8 years, "
                   "2016 gap, two-way demeaning) equals the raw estimate; bootstrap bounds mapped")
    res.add("FR-metro", "residual_acf1_nickell_approx", (acf_e * (T_OBS - 1) + 1) / (T_OBS - 2),
            n=n * len(PAIRS),
            method="textbook correction rho = (rho_hat (T-1) + 1) / (T-2), T = 8, gap ignored")
    profile = [reml(e, observed_part(ar1_cov(rho))) for rho in grid]
    best, low, high = profile_summary(grid, [p[0] for p in profile])
    res.add("FR-metro", "residual_acf1_reml", grid[best], ci=(grid[low], grid[high]),
            n=n * T_OBS, method="AR(1) coefficient of e by pooled REML (each département's "
                                "mean estimated): a likelihood cross-check of the correction")
    res.add("FR-metro", "residual_sd_share_of_cycle_noise", (sd_e ** 2 / n) / sd_c ** 2,
            n=n, method="var(e)/N over var(c): share of the sample variance of c that is "
                        "averaged département noise")

    # Residual sd by year (cross-sectional dispersion), by région and by département.
    for j, year in enumerate(GROWTH_YEARS):
        col = [e[i][j] for i in range(n)]
        res.add("FR-metro", "residual_sd_%d" % year, math.sqrt(sum(v * v for v in col) / (n - 1)),
                n=n, method="cross-sectional sd of e in that year")
    index = {d: i for i, d in enumerate(metro)}
    dof_one = (T_OBS - 1) * (n - 1) / n
    for reg, (label, codes) in lib.REGIONS.items():
        members = [index[c] for c in codes.split()]
        sse = sum(v * v for i in members for v in e[i])
        dof = dof_one * len(members)
        sd = math.sqrt(sse / dof)
        res.add(reg, "residual_sd", sd, ci=lib.sd_interval(sd, dof, LEVEL),
                n=len(members) * T_OBS,
                method="pooled over the région's départements, %.1f df; chi-square interval "
                       "(independent years)" % dof)
    for d in metro:
        i = index[d]
        sd = math.sqrt(sum(v * v for v in e[i]) / dof_one)
        res.add(d, "residual_sd", sd, ci=lib.sd_interval(sd, dof_one, LEVEL), n=T_OBS,
                method="%.2f df; chi-square interval (independent years)" % dof_one)
        res.add(d, "mean_growth", mu[i], n=T_OBS, method="mu(d): mean yearly log-growth")

    size_effect(metro, counts, e, res, rng, reps)
    within_region(metro, e, res, rng, reps)
    return mu, c, e, grand, (sd_c, acf_c, sd_e, acf_e, boot_sd, boot_acf)


def size_effect(metro, counts, e, res, rng, reps):
    """var(e_d) = a + b / S_d by least squares over départements (S_d: mean count 2009-2018)."""
    n = len(metro)
    x = [1.0 / (sum(counts[d].values()) / len(counts[d])) for d in metro]
    y = [sum(v * v for v in e[i]) / ((T_OBS - 1) * (n - 1) / n) for i in range(n)]
    def fit(idx):
        xs, ys = [x[i] for i in idx], [y[i] for i in idx]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        b = sum((u - mx) * (v - my) for u, v in zip(xs, ys)) / sum((u - mx) ** 2 for u in xs)
        return my - b * mx, b
    a, b = fit(range(n))
    boots = [fit([rng.randrange(n) for _ in range(n)]) for _ in range(reps)]
    ba, bb = [t[0] for t in boots], [t[1] for t in boots]
    res.add("FR-metro", "residual_var_floor", a, se=lib.sample_sd(ba),
            ci=(lib.quantile(ba, 0.05), lib.quantile(ba, 0.95)), n=n,
            method="a in var(e_d) = a + b / S_d (S_d mean 31/12 count 2009-2018), least "
                   "squares over départements; bootstrap over départements")
    res.add("FR-metro", "residual_var_per_inverse_size", b, se=lib.sample_sd(bb),
            ci=(lib.quantile(bb, 0.05), lib.quantile(bb, 0.95)), n=n,
            method="b in var(e_d) = a + b / S_d; pure demographic (Poisson) noise of a stock "
                   "with mean duration T gives b = 2 (1 - exp(-1/T))")
    for duration in DURATIONS:
        poisson_b = 2 * (1 - math.exp(-1 / duration))
        res.add("FR-metro", "residual_dispersion_factor_T%g" % duration, b / poisson_b,
                ci=(lib.quantile(bb, 0.05) / poisson_b, lib.quantile(bb, 0.95) / poisson_b),
                n=n, method="b over its pure-Poisson value %.3f: how many times the demographic "
                            "noise of independent entries and exits" % poisson_b)
    for d in lib.FOCUS + ["69"]:
        s = sum(counts[d].values()) / len(counts[d])
        res.add(d, "residual_sd_size_fit", math.sqrt(max(a + b / s, 0.0)), n=n,
                method="sqrt(a + b / S) with S = %.0f" % s)
    harmonic = n / sum(x)
    res.add("FR-metro", "harmonic_mean_size", harmonic, n=n,
            method="harmonic mean of the mean counts 2009-2018 (the size whose Poisson noise "
                   "equals the pooled average)")


def within_region(metro, e, res, rng, reps):
    """Correlation of e between départements of the same région, same year."""
    index = {d: i for i, d in enumerate(metro)}
    groups = [[index[c] for c in codes.split()] for _, (_, codes) in lib.REGIONS.items()]
    n = len(metro)

    def icc(cols, members_list):
        cross = count = 0.0
        for members in members_list:
            for j in cols:
                s = sum(e[i][j] for i in members)
                sq = sum(e[i][j] ** 2 for i in members)
                cross += s * s - sq
                count += len(members) * (len(members) - 1)
        den = sum(e[i][j] ** 2 for i in range(n) for j in cols) / (n * len(cols))
        return (cross / count) / den

    cols = list(range(T_OBS))
    value = icc(cols, groups)
    boots = [icc([rng.randrange(T_OBS) for _ in cols], groups) for _ in range(reps)]
    res.add("FR-metro", "residual_within_region_corr", value, se=lib.sample_sd(boots),
            ci=(lib.quantile(boots, 0.05), lib.quantile(boots, 0.95)), n=T_OBS,
            method="mean product of e over pairs of départements of the same région and year / "
                   "mean square; bootstrap over years; two-way residuals carry -1/(N-1) = -0.011")
    ara = [index[c] for c in lib.ARA]
    value = icc(cols, [ara])
    boots = [icc([rng.randrange(T_OBS) for _ in cols], [ara]) for _ in range(reps)]
    res.add("ARA", "residual_within_region_corr", value, se=lib.sample_sd(boots),
            ci=(lib.quantile(boots, 0.05), lib.quantile(boots, 0.95)), n=T_OBS,
            method="as for FR-metro, ARA's 12 départements only")


def naive_errors(metro, counts, res, rng, reps):
    """Errors of the no-change forecast: log F(o+h) - log F(o), origins not crossing the break."""
    def origins(h, first, last):
        return [o for o in range(first, last + 1)
                if o + h <= lib.LAST_YEAR and not (o < lib.BREAK_YEAR <= o + h)]
    territories = [("FR-metro", metro), ("ARA", lib.ARA)] + [(d, [d]) for d in lib.FOCUS]
    for label, first, last in (("", 2011, 2016), ("_origins_2009_2017", 2009, 2017)):
        for h in (1, 2):
            orig = origins(h, first, last)
            err = {d: [math.log(counts[d][o + h] / counts[d][o]) for o in orig] for d in metro}
            nat = [sum(err[d][k] for d in metro) / len(metro) for k in range(len(orig))]
            local = {d: [err[d][k] - nat[k] for k in range(len(orig))] for d in metro}
            tag = "naive_error_%dm%s" % (12 * h, label)
            orig_text = "origins %s" % " ".join(str(o) for o in orig)
            for name, table in ((tag, err), (tag + "_local", local)):
                for terr, codes in territories:
                    values = [v for d in codes for v in table[d]]
                    if len(codes) == 1:
                        stats = [("mean", sum(values) / len(values)),
                                 ("sd", lib.sample_sd(values)), ("min", min(values)),
                                 ("median", lib.quantile(values, 0.5)), ("max", max(values))]
                        for stat, value in stats:
                            res.add(terr, "%s_%s" % (name, stat), value, n=len(values),
                                    method=orig_text + "; values too few for quantiles")
                        continue
                    boot = {k: [] for k in ("mean", "sd", "q05", "q50", "q95")}
                    for _ in range(reps):
                        rows = [codes[rng.randrange(len(codes))] for _ in codes]
                        cols = [rng.randrange(len(orig)) for _ in orig]
                        sample = [table[d][k] for d in rows for k in cols]
                        for k, v in zip(boot, summary_stats(sample)):
                            boot[k].append(v)
                    for k, v in zip(boot, summary_stats(values)):
                        res.add(terr, "%s_%s" % (name, k), v, se=lib.sample_sd(boot[k]),
                                ci=(lib.quantile(boot[k], 0.05), lib.quantile(boot[k], 0.95)),
                                n=len(values),
                                method=orig_text + ("; minus the mean over départements of the"
                                                    " same origin" if name.endswith("_local")
                                                    else "") +
                                "; bootstrap resampling départements and origins")
            agg = {y: sum(counts[d][y] for d in metro) for y in lib.YEARS}
            if not label:
                values = [math.log(agg[o + h] / agg[o]) for o in orig]
                res.add("FR-metro-sum", "%s_mean" % tag, sum(values) / len(values),
                        n=len(values), method=orig_text + "; sum of the 96 départements")
                res.add("FR-metro-sum", "%s_sd" % tag, lib.sample_sd(values), n=len(values),
                        method=orig_text + "; sum of the 96 départements")


def summary_stats(values):
    return (sum(values) / len(values), lib.sample_sd(values), lib.quantile(values, 0.05),
            lib.quantile(values, 0.5), lib.quantile(values, 0.95))


# ---- Monthly seasonality --------------------------------------------------------------------

def seasonal_design():
    """24 months 2017-01..2018-12: 12 month dummies, linear and quadratic trend (14 columns)."""
    rows = []
    for m in range(24):
        t = (m - 11.5) / 12.0
        rows.append([1.0 if m % 12 == j else 0.0 for j in range(12)] + [t, t * t - 0.5])
    return rows


# Default monthly factors on RSA inflows (PARAMETERS.md section 8, ASSUMPTION rows; the Drôme's
# are models/drome/profil_entrees.csv).
ASSUMED_INFLOW = {
    "26": [1.10, 1.00, 0.95, 0.95, 0.90, 0.85, 0.90, 0.95, 1.05, 1.10, 1.15, 1.10],
    "05": [0.85, 0.85, 0.95, 1.25, 1.20, 0.95, 0.85, 0.85, 1.10, 1.15, 1.10, 0.90],
}


def periodic_stock(inflow, duration):
    """Log end-of-month stock (centred) in the periodic steady state of
    S(m) = (1-h) S(m-1) + h f(month of m), exits not seasonal."""
    h = 1.0 - math.exp(-1.0 / (12.0 * duration))
    stock = 1.0
    for m in range(12 * 400):
        stock = (1 - h) * stock + h * inflow[m % 12]
    out = []
    for j in range(12):
        stock = (1 - h) * stock + h * inflow[j]
        out.append(math.log(stock))
    centre = sum(out) / 12
    return [v - centre for v in out]


def implied_inflow(factors, duration):
    """Inflow factors (mean 1) that give the end-of-month log-stock factors in that model."""
    h = 1.0 - math.exp(-1.0 / (12.0 * duration))
    level = [math.exp(f) for f in factors]
    raw = [level[j] - (1 - h) * level[j - 1] for j in range(12)]
    mean_raw = sum(raw) / 12
    return [v / mean_raw for v in raw]


def seasonality(data_dir, res, rng, reps):
    monthly = lib.read_monthly_foyers(data_dir)
    x = seasonal_design()
    k = len(x[0])
    xtx = [[sum(r[i] * r[j] for r in x) for j in range(k)] for i in range(k)]
    inv = lib.invert(xtx)
    hat = [[sum(inv[i][j] * x[m][j] for j in range(k)) for m in range(24)] for i in range(k)]
    # Noise variance of the centred seasonal factors: sigma^2 * trace(P V P) / 12.
    v12 = [[inv[i][j] for j in range(12)] for i in range(12)]
    rowm = [sum(v12[i]) / 12 for i in range(12)]
    allm = sum(rowm) / 12
    noise_factor = sum(v12[i][i] - 2 * rowm[i] + allm for i in range(12)) / 12
    dof = 24 - k

    def fit(y):
        beta = [sum(hat[i][m] * y[m] for m in range(24)) for i in range(k)]
        mean_b = sum(beta[:12]) / 12
        factors = [b - mean_b for b in beta[:12]]
        fitted = [sum(x[m][i] * beta[i] for i in range(k)) for m in range(24)]
        resid = [y[m] - fitted[m] for m in range(24)]
        return factors, fitted, resid

    months = [(2017 + m // 12, m % 12 + 1) for m in range(24)]
    series = {}
    for code, values in monthly.items():
        series[code] = [values[mm] for mm in months]
    metro = [c for c in series if c not in lib.OVERSEAS]
    series["FR-metro"] = [sum(series[c][m] for c in metro) for m in range(24)]
    series["ARA"] = [sum(series[c][m] for c in lib.ARA) for m in range(24)]

    amplitudes = []
    order = sorted((c for c in series if c not in ("FR-metro", "ARA")), key=lib.dept_sort_key)
    for code in ["FR-metro", "ARA"] + order:
        level = series[code]
        y = [math.log(v) for v in level]
        factors, fitted, resid = fit(y)
        sigma = math.sqrt(sum(r * r for r in resid) / dof)
        amp = max(factors) - min(factors)
        sd_s = math.sqrt(sum(f * f for f in factors) / 12)
        sd_corr = math.sqrt(max(sum(f * f for f in factors) / 12 - sigma ** 2 * noise_factor,
                                0.0))
        boot_amp, boot_factors = [], []
        for _ in range(reps):
            ystar = [fitted[m] + rng.gauss(0.0, sigma) for m in range(24)]
            f2 = fit(ystar)[0]
            boot_amp.append(max(f2) - min(f2))
            boot_factors.append(f2)
        # Bias-corrected amplitude: the noise adds (mean bootstrap amplitude - amplitude).
        bias = sum(boot_amp) / reps - amp
        mean_size = sum(level) / 24
        deseason = [y[m] - factors[m % 12] for m in range(24)]
        changes = [deseason[m] - deseason[m - 1] for m in range(1, 24)]
        tag = "2017-01..2018-12; log stock = month effect + quadratic trend"
        res.add(code, "season_amplitude", amp,
                ci=(max(2 * amp - lib.quantile(boot_amp, 0.95), 0.0),
                    max(2 * amp - lib.quantile(boot_amp, 0.05), 0.0)),
                n=24, method=tag + "; max - min of the 12 factors (peak to trough); basic "
                                   "(bias-correcting) bootstrap interval from refits with "
                                   "residual-sd noise, floored at 0")
        res.add(code, "season_amplitude_bias_corrected", max(amp - bias, 0.0), n=24,
                method="amplitude minus its simulated noise bias")
        res.add(code, "season_sd", sd_s, n=24, method="sd of the 12 factors (raw)")
        res.add(code, "season_sd_noise_corrected", sd_corr, n=24,
                method="sd of the factors with the residual noise's share removed")
        res.add(code, "season_peak_month", float(1 + factors.index(max(factors))), n=24)
        res.add(code, "season_trough_month", float(1 + factors.index(min(factors))), n=24)
        res.add(code, "monthly_irregular_sd", sigma, ci=lib.sd_interval(sigma, dof, LEVEL),
                n=24, method="residual sd of the log stock, %d df; includes rounding" % dof)
        res.add(code, "monthly_change_sd_deseasonalised", lib.sample_sd(changes), n=23,
                method="sd of month-to-month log change after removing the factors")
        res.add(code, "monthly_rounding_sd", (10.0 / math.sqrt(12.0)) / mean_size *
                (1.0 if code not in ("FR-metro", "ARA") else
                 math.sqrt(len(metro) if code == "FR-metro" else 12)), n=24,
                method="sd of rounding to 10 (uniform) relative to the mean stock %.0f" %
                       mean_size)
        for duration in DURATIONS:
            hm = 1.0 - math.exp(-1.0 / (12.0 * duration))
            res.add(code, "monthly_poisson_change_sd_T%g" % duration,
                    math.sqrt(2 * hm / mean_size), n=24,
                    method="sd of the monthly log change of an M/M/infinity stock of that size")
        if code in ("FR-metro", "ARA", "26", "05"):
            for j, f in enumerate(factors):
                res.add(code, "season_factor_%02d" % (j + 1), f, se=sigma * math.sqrt(
                    v12[j][j] - 2 * rowm[j] + allm), n=24,
                    method="log deviation of the month's stock from the trend")
            for duration in DURATIONS:
                implied = implied_inflow(factors, duration)
                draws = [implied_inflow(f2, duration) for f2 in boot_factors]
                for j in range(12):
                    res.add(code, "implied_inflow_factor_T%g_%02d" % (duration, j + 1),
                            implied[j], se=lib.sample_sd([d[j] for d in draws]), n=24,
                            method="inflow factor (mean 1) that alone would give the observed "
                                   "stock factors in a one-compartment stock, exits not "
                                   "seasonal; se from the refits")
        if code in ASSUMED_INFLOW:
            for duration in DURATIONS:
                stock = periodic_stock(ASSUMED_INFLOW[code], duration)
                res.add(code, "assumed_profile_stock_amplitude_T%g" % duration,
                        max(stock) - min(stock), n=None,
                        method="stock seasonality produced by the default inflow factors "
                               "(PARAMETERS.md section 8, ASSUMPTION) in a one-compartment "
                               "stock; compare season_amplitude")
                res.add(code, "assumed_profile_stock_peak_month_T%g" % duration,
                        float(1 + stock.index(max(stock))), n=None)
                res.add(code, "assumed_profile_stock_trough_month_T%g" % duration,
                        float(1 + stock.index(min(stock))), n=None)
        if code not in ("FR-metro", "ARA"):
            amplitudes.append((code, amp, max(amp - bias, 0.0)))
    metro_amp = [a for c, a, _ in amplitudes if c not in lib.OVERSEAS]
    metro_corr = [b for c, _, b in amplitudes if c not in lib.OVERSEAS]
    res.add("FR-metro", "season_amplitude_departement_median", lib.quantile(metro_amp, 0.5),
            ci=(lib.quantile(metro_amp, 0.05), lib.quantile(metro_amp, 0.95)),
            n=len(metro_amp), method="median over départements; interval = their 5-95 % range")
    res.add("FR-metro", "season_amplitude_bias_corrected_departement_median",
            lib.quantile(metro_corr, 0.5),
            ci=(lib.quantile(metro_corr, 0.05), lib.quantile(metro_corr, 0.95)),
            n=len(metro_corr), method="median over départements; interval = their 5-95 % range")


# ---- Driver mapping -----------------------------------------------------------------------

PHI_GRID = [0.01] + [x / 100.0 for x in range(5, 100, 5)] + [0.97, 0.99]


def driver_mapping(res, stats, cycle, residual, sampler, harmonic_size, focus_sd, focus_size,
                   out_path):
    sd_c, acf_c, sd_e, acf_e, boot_sd, boot_acf = stats
    rows = []
    for duration in DURATIONS:
        for phi in PHI_GRID:
            r = stock_log_autocov(phi, duration)
            pop_sd, pop_acf = population_stats(r)
            cov = growth_cov(r)
            sdq, acfq = sampler.quantiles(cov)
            var_p, acf_p = panel_expectations(cov)
            rows.append(["%g" % duration, "%g" % phi, "%.6f" % pop_sd, "%.4f" % pop_acf,
                         "%.6f" % sdq[1], "%.4f" % acfq[1], "%.6f" % math.sqrt(var_p),
                         "%.4f" % acf_p, "%.6f" % (1 / math.sqrt(1 - phi * phi))] +
                        ["%.6f" % v for v in change_sds(r)])
        tag = "_T%g" % duration
        # National cycle: REML over the persistence, the scale concentrated out.
        fine = [x / 100.0 for x in range(1, 100)]
        covs = [observed_part(growth_cov(stock_log_autocov(phi, duration))) for phi in fine]
        profile = [reml([cycle], cov) for cov in covs]
        best, low, high = profile_summary(fine, [p[0] for p in profile])
        parts = [reml_parts([cycle], cov) for cov in covs]
        res.add("FR-metro", "cycle_driver_phi" + tag, fine[best], ci=(fine[low], fine[high]),
                n=T_OBS, method="yearly persistence by REML of c(t) under the stock model; "
                                "likelihood-ratio interval on the grid 0.01..0.99")
        res.add("FR-metro", "cycle_driver_sigma" + tag, profile[best][1],
                ci=scale_interval(parts, profile[best][1]), n=T_OBS,
                method="yearly innovation sd by REML at that persistence; profile-likelihood "
                       "interval (persistence profiled out)")
        for phi in (0.3, 0.5, 0.7, 0.9):
            k = fine.index(phi)
            res.add("FR-metro", "cycle_driver_sigma%s_phi%.1f" % (tag, phi), profile[k][1],
                    n=T_OBS, method="REML innovation sd with the persistence fixed")
        # Département residual: match the large-N expectations of the panel estimators.
        residual_match(res, "residual", tag, duration, acf_e, sd_e, boot_sd, boot_acf, None)
        residual_match(res, "residual_net_poisson", tag, duration, acf_e, sd_e, boot_sd,
                       boot_acf, harmonic_size)
        profile = [reml(residual, observed_part(growth_cov(stock_log_autocov(phi, duration))))
                   for phi in fine]
        best, low, high = profile_summary(fine, [p[0] for p in profile])
        res.add("FR-metro", "residual_driver_phi_reml" + tag, fine[best],
                ci=(fine[low], fine[high]), n=len(residual) * T_OBS,
                method="pooled REML of e under the stock model (no demographic term): "
                       "likelihood cross-check of the moment match")
        phi_e = res.get("FR-metro", "residual_net_poisson_driver_phi" + tag)
        for code in lib.FOCUS:
            size = focus_size[code]
            if phi_e is None:
                continue
            v_d = panel_expectations(growth_cov(stock_log_autocov(phi_e, duration)))[0]
            v_p = panel_expectations(growth_cov(poisson_log_autocov(duration, size)))[0]
            def sigma_for(sd):
                return math.sqrt(max(sd ** 2 - v_p, 0.0) / v_d)
            own = res.row(code, "residual_sd")
            res.add(code, "residual_net_poisson_driver_sigma" + tag, sigma_for(own[2]),
                    ci=(sigma_for(own[4]), sigma_for(own[5])), n=T_OBS,
                    method="own residual sd %.4f (interval from its chi-square interval), "
                           "size %.0f, pooled persistence %.3f" % (own[2], size, phi_e))
            fit = res.get(code, "residual_sd_size_fit")
            res.add(code, "residual_size_fit_net_poisson_driver_sigma" + tag, sigma_for(fit),
                    n=None, method="residual sd %.4f from var = a + b / S at size %.0f, pooled "
                                   "persistence %.3f" % (fit, size, phi_e))
        # The phi -> 0 end: an independent multiplier each month (inflow.overdispersion).
        h = 1.0 - math.exp(-1.0 / (12.0 * duration))
        var_s = h * h / (1 - (1 - h) ** 2)
        res.add("FR-metro", "white_monthly_multiplier_growth_sd_per_cv" + tag,
                math.sqrt(2 * var_s * (1 - (1 - h) ** 12)), n=None,
                method="yearly growth sd per unit coefficient of variation of an independent "
                       "monthly multiplier of the inflow rate (the format's "
                       "inflow.overdispersion), one-compartment stock")
        # What the matched drivers imply for the spread of stock changes over 1-10 years.
        for name in ("cycle", "residual"):
            phi = res.get("FR-metro", name + "_driver_phi" + tag)
            sigma = res.get("FR-metro", name + "_driver_sigma" + tag)
            if phi is None or sigma is None:
                continue
            sds = change_sds(stock_log_autocov(phi, duration, sigma))
            for k, v in zip(CHANGE_YEARS, sds):
                res.add("FR-metro", "%s_driver_change_sd_%dy%s" % (name, k, tag), v, n=None,
                        method="stationary sd of the log-stock change over %d year(s) implied "
                               "by the matched driver (phi %.3f, sigma %.4f)" % (k, phi, sigma))
    lib.write_csv(out_path, ["T_years", "phi", "growth_sd_per_sigma", "growth_acf1",
                             "single_series_median_sd_per_sigma", "single_series_median_acf1",
                             "panel_expected_sd_per_sigma", "panel_expected_acf1",
                             "driver_stationary_sd_per_sigma"] +
                  ["change_sd_%dy_per_sigma" % k for k in CHANGE_YEARS], rows)


def residual_match(res, name, tag, duration, acf_e, sd_e, boot_sd, boot_acf, size):
    """(phi, sigma) of the driver whose panel estimates equal the observed ones; with size, the
    demographic noise of a stock of that size is part of the residual and sigma covers the rest."""
    cov_p = growth_cov(poisson_log_autocov(duration, size)) if size else None
    var_p = panel_expectations(cov_p)[0] if size else 0.0

    def sigma2(phi, sd):
        return max(sd ** 2 - var_p, 0.0) / panel_expectations(
            growth_cov(stock_log_autocov(phi, duration)))[0]

    def acf(phi, sd=sd_e):
        cov = growth_cov(stock_log_autocov(phi, duration))
        if size:
            cov = add_cov(cov, cov_p, sigma2(phi, sd), 1.0)
        return panel_expectations(cov)[1]

    lo_phi, hi_phi = PHI_GRID[0], PHI_GRID[-1]
    phi = bisect(acf, lo_phi, hi_phi, acf_e)
    lo = bisect(acf, lo_phi, hi_phi, lib.quantile(boot_acf, 0.05))
    hi = bisect(acf, lo_phi, hi_phi, lib.quantile(boot_acf, 0.95))
    method = ("yearly persistence whose large-N expected pooled within estimate equals the "
              "observed one")
    if size:
        method += "; demographic noise of a stock of %.0f foyers included" % size
    res.add("FR-metro", name + "_driver_phi" + tag, phi,
            ci=(lo if lo is not None else lo_phi, hi if hi is not None else hi_phi),
            n=None, method=method + "; bootstrap bounds mapped (grid bounds when open)")
    if phi is not None:
        sig = math.sqrt(sigma2(phi, sd_e))
        ci = (math.sqrt(sigma2(phi, lib.quantile(boot_sd, 0.05))),
              math.sqrt(sigma2(phi, lib.quantile(boot_sd, 0.95))))
    else:
        sig, ci = None, None
    res.add("FR-metro", name + "_driver_sigma" + tag, sig, ci=ci, n=None,
            method="yearly innovation sd giving the observed pooled residual sd at that "
                   "persistence; interval from the residual sd's bootstrap bounds")


def mapping_check(res, rng):
    """Simulate the non-linear monthly model and compare the yearly growth statistics with the
    linearised closed form; with binomial exits and Poisson entries, check the demographic term."""
    def simulate(phi, duration, sigma, size, demographic, years):
        a = phi ** (1.0 / 12.0)
        h = 1.0 - math.exp(-1.0 / (12.0 * duration))
        s_e = sigma * math.sqrt((1 - a * a) / (1 - phi * phi))
        lam = size * h           # mean entries per month at D = 1
        x = rng.gauss(0.0, sigma / math.sqrt(1 - phi * phi))
        stock = float(size)
        logs = []
        burn = int(10 * duration) + 5
        for m in range(12 * (years + burn)):
            if demographic:
                stock = stock - binomial(int(stock), h, rng) + poisson(lam * math.exp(x), rng)
            else:
                stock = (1 - h) * stock + lam * math.exp(x)
            x = a * x + s_e * rng.gauss(0.0, 1.0)
            if m % 12 == 11 and m >= 12 * burn:
                logs.append(math.log(stock))
        g = [logs[i] - logs[i - 1] for i in range(1, len(logs))]
        mg = sum(g) / len(g)
        d = [v - mg for v in g]
        var = sum(v * v for v in d) / len(d)
        acf = sum(d[i] * d[i - 1] for i in range(1, len(d))) / (len(d) - 1) / var
        return math.sqrt(var), acf

    phi, duration, sigma = 0.5, 3.0, 0.10
    years = 20000
    sd_sim, acf_sim = simulate(phi, duration, sigma, 1e6, False, years)
    sd_th, acf_th = population_stats(stock_log_autocov(phi, duration, sigma))
    res.add("check", "nonlinear_growth_sd_T3_phi0.5_sigma0.10", sd_sim, n=years,
            method="simulated deterministic stock; closed form %.5f" % sd_th)
    res.add("check", "nonlinear_growth_acf1_T3_phi0.5_sigma0.10", acf_sim, n=years,
            method="simulated deterministic stock; closed form %.4f" % acf_th)
    kappa, beta = -math.log(phi), 1.0 / duration
    v = sigma ** 2 / (1 - phi * phi)
    r_cont = [v * beta / (beta ** 2 - kappa ** 2) *
              (beta * math.exp(-kappa * u) - kappa * math.exp(-beta * u)) for u in range(3)]
    sd_c, acf_c = population_stats(r_cont)
    res.add("check", "continuous_time_growth_sd_T3_phi0.5_sigma0.10", sd_c, n=None,
            method="Ornstein-Uhlenbeck driver, exponential filter; monthly closed form %.5f"
                   % sd_th)
    res.add("check", "continuous_time_growth_acf1_T3_phi0.5_sigma0.10", acf_c, n=None,
            method="Ornstein-Uhlenbeck driver, exponential filter; monthly closed form %.4f"
                   % acf_th)
    size = 3000.0
    years = 4000
    sd_sim, acf_sim = simulate(phi, duration, sigma, size, True, years)
    r = [u + v for u, v in zip(stock_log_autocov(phi, duration, sigma),
                               poisson_log_autocov(duration, size))]
    sd_th, acf_th = population_stats(r)
    res.add("check", "demographic_growth_sd_T3_phi0.5_sigma0.10_S3000", sd_sim, n=years,
            method="binomial exits, Poisson entries; closed form with the M/M/infinity term "
                   "%.5f" % sd_th)
    res.add("check", "demographic_growth_acf1_T3_phi0.5_sigma0.10_S3000", acf_sim, n=years,
            method="binomial exits, Poisson entries; closed form %.4f" % acf_th)


def poisson(mean, rng):
    """Poisson draw by inversion (means up to a few hundred), normal beyond."""
    if mean > 500:
        return max(0, int(round(rng.gauss(mean, math.sqrt(mean)))))
    u = rng.random()
    k, p = 0, math.exp(-mean)
    cum = p
    while u > cum and p > 0:
        k += 1
        p *= mean / k
        cum += p
    return k


def binomial(n, p, rng):
    """Binomial draw by inversion of the Poisson-like recursion; normal for large means."""
    mean = n * p
    if mean > 500:
        return min(n, max(0, int(round(rng.gauss(mean, math.sqrt(mean * (1 - p)))))))
    q = 1 - p
    u = rng.random()
    k, prob = 0, q ** n
    cum = prob
    while u > cum and k < n:
        prob *= (n - k) / (k + 1) * p / q
        k += 1
        cum += prob
    return k


# ---- Output ---------------------------------------------------------------------------------

def write_year_effects(path, counts, names, metro, mu, c, e, grand):
    rows = []
    index = {d: i for i, d in enumerate(metro)}
    effect = dict(zip(GROWTH_YEARS, c))
    for code in counts:
        for year in range(2010, 2019):
            g = growth(counts, code, year)
            if g is None:
                continue
            in_est = code in index and year in effect
            i = index.get(code)
            j = GROWTH_YEARS.index(year) if year in effect else None
            note = "crosses the 2016 series break" if year == lib.BREAK_YEAR else (
                "" if code in index else "overseas: not in the estimation")
            rows.append([code, names.get(code, ""), lib.REGION_OF.get(code, "DOM"), year,
                         lib.fmt(g, 6),
                         lib.fmt(mu[i], 6) if i is not None else None,
                         lib.fmt(effect.get(year), 6),
                         lib.fmt(e[i][j], 6) if in_est else None,
                         lib.fmt(g - mu[i], 6) if i is not None and year in effect else None,
                         1 if in_est else 0, note])
    for year in range(2010, 2019):
        if year in effect:
            gm = sum(growth(counts, d, year) for d in metro) / len(metro)
            rows.append(["FR-metro", "mean of the 96 metropolitan départements", "", year,
                         lib.fmt(gm, 6), lib.fmt(grand, 6), lib.fmt(effect[year], 6), None,
                         lib.fmt(effect[year], 6), 1, "national year effect c(t)"])
    lib.write_csv(path, ["code", "name", "region", "year", "growth", "mu", "year_effect_c",
                         "residual_e", "departement_deviation", "in_estimation", "note"], rows)


# ---- Drivers estimated from the history up to a year (backtests) ------------------------------

def cut_years(until):
    """The growth years up to `until` (2016, across the break, left out) and their indices in
    ALL_GROWTH_YEARS."""
    years = [y for y in GROWTH_YEARS if y <= until]
    return years, [ALL_GROWTH_YEARS.index(y) for y in years]


def part_of(matrix, keep):
    return [[matrix[i][j] for j in keep] for i in keep]


def panel_expectations_on(cov9, keep, pairs):
    """panel_expectations for the observed years `keep` (indices into 2010-2018) and the lag
    pairs `pairs` (indices into keep)."""
    g = part_of(cov9, keep)
    t = len(g)
    m = [[(1.0 if i == j else 0.0) - 1.0 / t for j in range(t)] for i in range(t)]
    mg = [[sum(m[i][k] * g[k][j] for k in range(t)) for j in range(t)] for i in range(t)]
    e = [[sum(mg[i][k] * m[k][j] for k in range(t)) for j in range(t)] for i in range(t)]
    trace = sum(e[i][i] for i in range(t))
    return trace / (t - 1), (sum(e[i][j] for i, j in pairs) / len(pairs)) / (trace / t)


def drivers_until(metro, counts, until, duration):
    """The drivers of docs/data.md section 4.2 (T = duration) estimated from the counts up to
    31 December `until` only, with what their sampling laws need:

    cycle: REML of the national year effects c(t) under the stock model, as section 4.2;
      sigma with the REML degrees of freedom (years - 1) for its scaled inverse chi-square
      law, the persistence with a standard error read from the width of its 90 % likelihood-
      ratio interval (se = width / 3.29);
    trend: the mean yearly growth (the mu of g = mu + c + e, averaged over départements) by
      generalised least squares under the same covariance, with its standard error;
    local: the département residual net of the Poisson noise of a stock of the harmonic-mean
      size (moment match of section 4.2), sigma with (N - 1)(T - 1) degrees of freedom.
    Returns a list of (driver, statistic, value)."""
    years, keep = cut_years(until)
    if len(years) < 2:
        raise SystemExit("--drivers-until %d: at least two yearly growths are needed "
                         "(counts from 31/12/2009)" % until)
    pairs = [(i - 1, i) for i in range(1, len(years)) if years[i] - years[i - 1] == 1]
    panel = [[growth(counts, d, y) for y in years] for d in metro]
    mu, c, e, grand = two_way(panel)
    n, t = len(metro), len(years)
    fine = [x / 100.0 for x in range(1, 100)]
    covs = [part_of(growth_cov(stock_log_autocov(phi, duration)), keep) for phi in fine]
    profile = [reml([c], cov) for cov in covs]
    best, low, high = profile_summary(fine, [p[0] for p in profile])
    sigma = profile[best][1]
    out = [("cycle", "sigma", sigma), ("cycle", "df", t - 1), ("cycle", "phi", fine[best]),
           ("cycle", "phi_low", fine[low]), ("cycle", "phi_high", fine[high]),
           ("cycle", "phi_se", (fine[high] - fine[low]) / (2 * 1.6449))]
    # GLS mean of the national growth under sigma^2 cov(phi)
    cov = [[sigma * sigma * v for v in row] for row in covs[best]]
    inv = lib.invert(cov)
    ones = [sum(row) for row in inv]
    total = sum(ones)
    national = [grand + x for x in c]
    drift = sum(ones[i] * national[i] for i in range(t)) / total
    out += [("trend", "drift", drift), ("trend", "drift_se", math.sqrt(1 / total)),
            ("trend", "mean_growth", grand), ("trend", "years", t)]
    # département residual net of Poisson, pooled
    sizes = [sum(counts[d][y] for y in range(lib.FIRST_YEAR, until + 1)) /
             (until + 1 - lib.FIRST_YEAR) for d in metro]
    harmonic = n / sum(1.0 / x for x in sizes)
    sd_e = math.sqrt(sum(v * v for row in e for v in row) / ((n - 1) * (t - 1)))
    out += [("local", "residual_sd", sd_e), ("local", "df", (n - 1) * (t - 1))]
    if pairs:
        acf_e = (sum(row[i] * row[j] for row in e for i, j in pairs) / (n * len(pairs))) / (
            sum(v * v for row in e for v in row) / (n * t))
        cov_p = growth_cov(poisson_log_autocov(duration, harmonic))
        var_p = panel_expectations_on(cov_p, keep, pairs)[0]

        def sigma2(phi):
            return max(sd_e ** 2 - var_p, 0.0) / panel_expectations_on(
                growth_cov(stock_log_autocov(phi, duration)), keep, pairs)[0]

        def acf(phi):
            cov_d = add_cov(growth_cov(stock_log_autocov(phi, duration)), cov_p, sigma2(phi), 1.0)
            return panel_expectations_on(cov_d, keep, pairs)[1]
        phi_e = bisect(acf, PHI_GRID[0], PHI_GRID[-1], acf_e)
        if phi_e is None:
            phi_e = PHI_GRID[0] if acf_e < acf(PHI_GRID[0]) else PHI_GRID[-1]
        out += [("local", "acf1_raw", acf_e), ("local", "phi", phi_e),
                ("local", "sigma", math.sqrt(sigma2(phi_e))), ("local", "harmonic_size", harmonic)]
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Yearly growth statistics of the DREES RSA foyer series (national cycle, "
                    "département residual, naive-forecast errors, monthly seasonality) and the "
                    "log-AR(1) inflow-driver parameters that reproduce them.  Writes "
                    "data/drees/derived/growth.csv, year_effects.csv and driver_mapping.csv.")
    parser.add_argument("--data", default=lib.DATA_DIR,
                        help="folder holding the DREES CSV files (default: data/drees)")
    parser.add_argument("--out", default=lib.DERIVED_DIR,
                        help="output folder (default: data/drees/derived)")
    parser.add_argument("--seed", type=int, default=20190101,
                        help="seed of every random draw (default: %(default)s)")
    parser.add_argument("--reps", type=int, default=2000,
                        help="bootstrap and simulation replications (default: %(default)s)")
    parser.add_argument("--drivers-until", type=int, metavar="YEAR",
                        help="only estimate the drivers (cycle, trend, local; T = 3 years) from "
                             "the counts up to 31 December YEAR and print them as CSV "
                             "(driver,statistic,value) on stdout (docs/data.md section 4.4)")
    parser.add_argument("--duration", type=float, default=3.0,
                        help="with --drivers-until: the stock's mean duration T in years "
                             "(default: %(default)s)")
    args = parser.parse_args(argv)

    if args.drivers_until is not None:
        metro, counts, _ = load_panel(args.data)
        print("driver,statistic,value")
        for row in drivers_until(metro, counts, args.drivers_until, args.duration):
            print("%s,%s,%.6g" % row)
        return 0

    rng = random.Random(args.seed)
    res = Results()
    metro, counts, names = load_panel(args.data)
    mu, c, e, grand, stats = decomposition(metro, counts, res, rng, args.reps)
    naive_errors(metro, counts, res, rng, args.reps)
    seasonality(args.data, res, rng, max(200, args.reps // 10))
    sampler = SeriesSampler(args.reps, rng)
    index = {d: i for i, d in enumerate(metro)}
    dof_one = (T_OBS - 1) * (len(metro) - 1) / len(metro)
    focus_sd = {d: math.sqrt(sum(v * v for v in e[index[d]]) / dof_one) for d in lib.FOCUS}
    focus_size = {d: sum(counts[d].values()) / len(counts[d]) for d in lib.FOCUS}
    driver_mapping(res, stats, c, e, sampler, res.get("FR-metro", "harmonic_mean_size"), focus_sd,
                   focus_size, os.path.join(args.out, "driver_mapping.csv"))
    mapping_check(res, rng)

    lib.write_csv(os.path.join(args.out, "growth.csv"),
                  ["territory", "statistic", "value", "se", "ci90_low", "ci90_high", "n",
                   "method"], res.formatted())
    write_year_effects(os.path.join(args.out, "year_effects.csv"), counts, names, metro, mu, c,
                       e, grand)
    report(res)
    return 0


def report(res):
    def v(t, s):
        return res.get(t, s)
    def row(t, s):
        for r in res.rows:
            if r[0] == t and r[1] == s:
                return r
    def show(t, s, scale=100.0, unit="%"):
        r = row(t, s)
        if r is None:
            print("%-14s %-46s %9s" % (t, s, "missing"))
            return
        text = "%-14s %-46s %8.3f%s" % (t, s, r[2] * scale, unit) if r[2] is not None else \
            "%-14s %-46s %9s" % (t, s, "none")
        if r[4] is not None:
            text += "  [%.3f, %.3f]" % (r[4] * scale, r[5] * scale)
        if r[3] is not None:
            text += "  se %.3f" % (r[3] * scale)
        print(text)
    print("Yearly log-growth of foyers at 31/12, 96 metropolitan départements, "
          "2010-2018 without 2016 (values in %, 90 % intervals)")
    for s in ("mean_growth", "cycle_sd", "cycle_sd_stationary_reml"):
        show("FR-metro", s)
    for s in ("cycle_acf1", "cycle_acf1_reml", "cycle_acf1_test_inversion"):
        show("FR-metro", s, 1.0, "")
    for s in ("residual_sd",):
        show("FR-metro", s)
    for s in ("residual_acf1_raw", "residual_acf1_corrected", "residual_acf1_nickell_approx",
              "residual_acf1_reml", "residual_within_region_corr"):
        show("FR-metro", s, 1.0, "")
    show("ARA", "residual_within_region_corr", 1.0, "")
    for t in ("ARA", "PAC"):
        show(t, "residual_sd")
    for t in lib.FOCUS + [c for c in lib.ARA if c not in lib.FOCUS]:
        show(t, "residual_sd")
    print("\nNaive (no change) forecast errors, log change, %")
    for h in (12, 24):
        for t in ("FR-metro", "ARA"):
            for s in ("mean", "sd", "q05", "q50", "q95"):
                show(t, "naive_error_%dm_%s" % (h, s))
        for s in ("sd", "q05", "q50", "q95"):
            show("FR-metro", "naive_error_%dm_local_%s" % (h, s))
        for t in lib.FOCUS:
            for s in ("mean", "sd", "min", "max"):
                show(t, "naive_error_%dm_%s" % (h, s))
    print("\nMonthly stock 2017-2018, %")
    for t in ("FR-metro", "ARA", "26", "05"):
        for s in ("season_amplitude", "season_amplitude_bias_corrected", "monthly_irregular_sd",
                  "monthly_change_sd_deseasonalised", "monthly_rounding_sd"):
            show(t, s)
        print("%-14s peak month %d, trough month %d" % (
            t, v(t, "season_peak_month"), v(t, "season_trough_month")))
    show("FR-metro", "season_amplitude_departement_median")
    print("\nDriver parameters (yearly innovation sd sigma in %, yearly persistence phi)")
    for d in DURATIONS:
        tag = "_T%g" % d
        for name in ("cycle", "residual", "residual_net_poisson"):
            show("FR-metro", name + "_driver_phi" + tag, 1.0, "")
            show("FR-metro", name + "_driver_sigma" + tag)
        show("FR-metro", "residual_driver_phi_reml" + tag, 1.0, "")
        for code in lib.FOCUS:
            show(code, "residual_net_poisson_driver_sigma" + tag)
    print("\nChecks of the monthly closed form (simulation, continuous-time formula)")
    for r in res.rows:
        if r[0] == "check":
            print("%-52s %.5f  (%s)" % (r[1], r[2], r[7]))


if __name__ == "__main__":
    sys.exit(main())
