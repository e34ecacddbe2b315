#!/bin/sh
# demo — the shipped scenarios of the three territories, each turned into a committee report.
#
# Usage: sh tests/demo.sh bin/parcours      (what `make demo` runs)
#
# Runs `parcours report` on the Drôme RSA scenarios, the Hautes-Alpes E2C ones
# and the Auvergne-Rhône-Alpes IAE ones (the first of each list is the
# reference), all with one seed, into out/demo/<territory>/, and prints the page
# to open.  PARCOURS_DEMO_REPS sets the replications per scenario (default 50,
# which keeps the whole demo well under two minutes on two cores).
set -eu
BIN=${1:?usage: sh tests/demo.sh path/to/parcours}
REPS=${PARCOURS_DEMO_REPS:-50}
SEED=${PARCOURS_DEMO_SEED:-2019}
OUT=${PARCOURS_DEMO_OUT:-out/demo}

report() {
    territory=$1
    shift
    for f in "$@"; do
        [ -f "$f" ] || { echo "demo: missing scenario file $f" >&2; exit 1; }
    done
    echo "demo: $territory: $# scenarios, $REPS replications each" >&2
    rm -rf "$OUT/$territory"
    "$BIN" report "$@" --reps "$REPS" --seed "$SEED" --out "$OUT/$territory" >/dev/null
}

start=$(date +%s)
report drome scenarios/drome/baseline.ini scenarios/drome/orientation-2-mois.ini \
    scenarios/drome/parrainage.ini scenarios/drome/iae-plus-20.ini scenarios/drome/combine.ini
report hautes-alpes scenarios/hautes-alpes/sans-e2c.ini scenarios/hautes-alpes/ouverture-e2c.ini
report ara scenarios/ara/baseline.ini scenarios/ara/zones-blanches.ini
end=$(date +%s)

echo
echo "Reports written in $((end - start)) s. Open them in a browser:"
for territory in drome hautes-alpes ara; do
    echo "  file://$(cd "$OUT/$territory" && pwd)/index.html"
done
