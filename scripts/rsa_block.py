"""The RSA part of a département in a model file: foyers, orientation, allocation and insertion.

Python 3 standard library only.  Imported by scripts/ara_model.py (which writes the 12 blocks of
models/ara/iae.ini) and scripts/calibrate_rsa.py (which fits their inflows and orientation
parameters to the DREES series).  The Hautes-Alpes model writes the same structure by hand
(models/hautes-alpes/e2c.ini).

A block is a population of foyers that enter awaiting orientation, are oriented to Pôle emploi,
the conseil départemental or another body (other SPE body or outside the SPE), or stall without
an orientation, and leave with a hazard that falls with seniority.  Exits leave the model: a
foyer that comes back is a new arrival (the inflow counts arrivals and returns together).  The
Drôme model (models/drome/rsa.ini) is the detailed version of the same accounting.
"""

import math

# Total exit hazard per month by seniority in the spell: < 1 year, 1-2, 2-4, >= 4 years
# (docs/models.md, "Exit hazards").
EXIT_HAZARD = ((0, 0.0561), (12, 0.0328), (24, 0.0205), (48, 0.0097))
SENIORITY_BINS = (6, 12, 24, 48, 96, 180)


def hazard_text():
    return "piecewise(entry; %s)/m" % ", ".join("%dm:%g" % p for p in EXIT_HAZARD)


def cumulative_hazard(months):
    total, prev_t, prev_h = 0.0, 0, EXIT_HAZARD[0][1]
    for t, h in EXIT_HAZARD[1:]:
        if months <= t:
            return total + prev_h * (months - prev_t)
        total += prev_h * (t - prev_t)
        prev_t, prev_h = t, h
    return total + prev_h * (months - prev_t)


def seniority_table(growth_per_year):
    """upper,weight rows of the seniority of a stock fed by an inflow growing at growth_per_year
    (log) with the exit hazard above: weight of [a, b) proportional to the integral of
    S(s) exp(-g s), S the survival; the tail beyond the last bin is folded into it."""
    g = growth_per_year / 12.0
    step = 0.05

    def mass(a, b):
        n = int(round((b - a) / step))
        return sum(math.exp(-cumulative_hazard(a + (i + 0.5) * step) - g * (a + (i + 0.5) * step))
                   for i in range(n)) * step

    weights, prev = [], 0
    for b in SENIORITY_BINS:
        weights.append(mass(prev, b))
        prev = b
    weights[-1] += mass(SENIORITY_BINS[-1], 1200)
    total = sum(weights)
    return [("%dm" % b, w / total) for b, w in zip(SENIORITY_BINS, weights)]


def wrap(key, items, width=96):
    """key = a, b, c with continuation lines indented by four spaces."""
    lines, line = [], "%s = " % key
    for i, item in enumerate(items):
        piece = item + ("," if i < len(items) - 1 else "")
        if len(line) + len(piece) + 1 > width and not line.endswith("= "):
            lines.append(line.rstrip())
            line = "    "
        line += piece + " "
    lines.append(line.rstrip())
    return "\n".join(lines)


def block(p):
    """Model text of one département.  p: slug, name, code, foyers_2016, inflow (3 rates a year:
    2017, 2018, from 2019), delay_mean (days), stall (per month), route (pe, cd, other),
    initial (orientation, stalled, pe, cd, other shares), ratio (2017, 2018 allocation over the
    mean montant forfaitaire), insertion (€ per foyer-month 2017, 2018), local_sd, the
    overdispersion of the inflow (optional) and the OARSA figures in p['oarsa_note']."""
    s = p["slug"]
    st = {k: "%s_%s" % (k, s) for k in ("orientation", "sans_orientation", "pe", "cd", "autres")}
    ratio_mean = (p["ratio"][0] + p["ratio"][1]) / 2.0
    ins_mean = (p["insertion"][0] + p["insertion"][1]) / 2.0
    out = []
    w = out.append
    w("; ---- %s (%s): RSA foyers ----" % (p["name"], p["code"]))
    w("; DREES: %d foyers at 31/12/2016; allocation %.4f and %.4f of the mean montant" % (
        p["foyers_2016"], p["ratio"][0], p["ratio"][1]))
    w("; forfaitaire in 2017 and 2018; insertion %.2f and %.2f € per foyer-month." % (
        p["insertion"][0], p["insertion"][1]))
    w("; Orientation: %s." % p["oarsa_note"])
    w("")
    w("[population rsa_%s]" % s)
    w("label = %s — foyers allocataires du RSA" % p["name"])
    w("territory = %s" % p["code"])
    w("entry = %s" % st["orientation"])
    w("inflow.rate = 2017-01:%.0f/y, 2018-01:%.0f/y, 2019-01:%.0f/y" % tuple(p["inflow"]))
    w("inflow.profile = table(%s)" % p.get("profile_table", "profil_entrees_rsa.csv"))
    w("inflow.drivers = cycle * local_%s" % s)
    if p.get("overdispersion"):
        w("; month-to-month noise beyond Poisson in the DREES monthly stock (docs/models.md)")
        w("inflow.overdispersion = %.3f" % p["overdispersion"])
    w("initial.count = %d" % p["foyers_2016"])
    names = ("orientation", "sans_orientation", "pe", "cd", "autres")
    shares = ["%.5f" % x for x in p["initial"][:-1]]
    shares.append("%.5f" % (1.0 - sum(float(x) for x in shares)))
    w(wrap("initial.state", ["%s:%s" % (st[n], v) for n, v in zip(names, shares)]))
    w("initial.seniority = table(%s)" % p.get("seniority_table", "anciennete_initiale_rsa.csv"))
    w("")
    w("[driver local_%s]" % s)
    w("label = %s — écart propre au département" % p["name"])
    w("process = log-ar1")
    w("sd = %g" % p["local_sd"])
    w("persistence = 0.16")
    w("")
    labels = {"pe": "accompagné par Pôle emploi", "cd": "accompagné par le Département",
              "autres": "accompagné par un autre organisme",
              "sans_orientation": "sans orientation (dossier en suspens)",
              "orientation": "en attente d'orientation"}
    # destinations first: the engine wants a state defined before a transition names it when
    # the model has several populations
    for n in ("pe", "cd", "autres", "sans_orientation", "orientation"):
        w("[state %s]" % st[n])
        w("population = rsa_%s" % s)
        w("label = %s — %s" % (p["name"], labels[n]))
        if n == "orientation":
            r = p["route"]
            w("on.oriented = after lognormal(mean=%.1fd, sd=%.1fd) ->" % (p["delay_mean"],
                                                                       p["delay_mean"]))
            w("    %s:%.4f, %s:%.4f, %s:%.4f" % (st["pe"], r[0], st["cd"], r[1], st["autres"],
                                              1.0 - round(r[0], 4) - round(r[1], 4)))
            w("on.stalled = hazard %.5f/m -> %s" % (p["stall"], st["sans_orientation"]))
        w("on.exit = hazard %s -> out" % hazard_text())
        w("")
    states = [st[n] for n in names]
    w("[parameter part_allocation_%s]" % s)
    w("label = %s — allocation par foyer rapportée au montant forfaitaire, à partir de 2019"
      % p["name"])
    w("value = uncertain triangular(min=%.4f, mode=%.4f, max=%.4f)" % (
        0.95 * ratio_mean, ratio_mean, 1.05 * ratio_mean))
    w("")
    w("[cost allocation_%s]" % s)
    w("label = %s — allocation RSA" % p["name"])
    w("funder = departement")
    w("per = person-month")
    w(wrap("states", states))
    w("amount = 2017-01:%.4f, 2018-01:%.4f, 2019-01:$part_allocation_%s" % (
        p["ratio"][0], p["ratio"][1], s))
    w("indexation = table(montant_forfaitaire.csv)")
    w("")
    w("[cost insertion_%s]" % s)
    w("label = %s — dépenses d'insertion" % p["name"])
    w("funder = departement")
    w("per = person-month")
    w(wrap("states", states))
    w("amount = 2017-01:%.2f, 2018-01:%.2f, 2019-01:%.2f" % (
        p["insertion"][0], p["insertion"][1], ins_mean))
    w("")
    oriented = ", ".join("stock.%s" % st[n] for n in ("pe", "cd", "autres"))
    w("[indicator orientes_%s]" % s)
    w("label = %s — part des foyers orientés" % p["name"])
    w("kind = ratio")
    w("numerator = %s" % oriented)
    w(wrap("denominator", ["stock.%s" % st[n] for n in names]))
    w("")
    for key, label, state in (("pole_emploi", "part des orientés suivis par Pôle emploi", "pe"),
                              ("departement", "part des orientés suivis par le Département", "cd")):
        w("[indicator %s_%s]" % (key, s))
        w("label = %s — %s" % (p["name"], label))
        w("kind = ratio")
        w("numerator = stock.%s" % st[state])
        w("denominator = %s" % oriented)
        w("")
    w("[indicator orientation_%s]" % s)
    w("label = %s — entrants orientés en moins de deux mois" % p["name"])
    w("kind = delay")
    w("from = entry rsa_%s" % s)
    w("to = state %s, %s, %s" % (st["pe"], st["cd"], st["autres"]))
    w("within = 2m")
    w("")
    w("[indicator allocation_%s]" % s)
    w("label = %s — allocation RSA" % p["name"])
    w("kind = count")
    w("unit = euros")
    w("of = cost.allocation_%s" % s)
    w("")
    return "\n".join(out)
