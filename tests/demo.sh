#!/bin/sh
# demo — the shipped scenarios of the three territories, each turned into a committee report.
#
# Usage: sh tests/demo.sh bin/parcours      (what `make demo` runs)
#
# Runs `parcours report` on the Drôme RSA scenarios (six, Flash emploi
# included: beyond three the charts become small multiples), the Hautes-Alpes
# E2C ones, the Auvergne-Rhône-Alpes IAE ones and the RSA of the 12 départements
# of Auvergne-Rhône-Alpes (with the DREES observations), the first of each list
# being the reference, all with one seed, into out/demo/<report>/, and prints the
# pages to open.  PARCOURS_DEMO_REPS sets the replications per scenario (default
# 20), PARCOURS_DEMO_IAE_REPS those of the IAE model (default 10: its 48 resources
# make many charts); PARCOURS_DEMO_FRANCE_REPS > 0 adds the national report
# charted for the Drôme and the Hautes-Alpes (`make demo-france` uses 4: one
# national replication costs about 4 s of CPU).  The default demo takes about
# 35 s on two cores.
set -eu
BIN=${1:?usage: sh tests/demo.sh path/to/parcours}
REPS=${PARCOURS_DEMO_REPS:-20}
IAE_REPS=${PARCOURS_DEMO_IAE_REPS:-10}
FRANCE_REPS=${PARCOURS_DEMO_FRANCE_REPS:-0}
SEED=${PARCOURS_DEMO_SEED:-2019}
OUT=${PARCOURS_DEMO_OUT:-out/demo}

# report NAME REPS SCENARIO... [-- OPTION...]
report() {
    territory=$1
    reps=$2
    shift 2
    n=0
    for f in "$@"; do
        [ "$f" = -- ] && break
        [ -f "$f" ] || { echo "demo: missing scenario file $f" >&2; exit 1; }
        n=$((n + 1))
    done
    echo "demo: $territory: $n scenarios, $reps replications each" >&2
    rm -rf "$OUT/$territory"
    files=""
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        files="$files $1"
        shift
    done
    [ $# -gt 0 ] && shift
    # shellcheck disable=SC2086 # scenario paths hold no spaces
    "$BIN" report $files "$@" --reps "$reps" --seed "$SEED" --out "$OUT/$territory" >/dev/null
}

start=$(date +%s)
# a report draws its charts in one gnuplot process: two reports at a time keep both cores busy
report drome "$REPS" scenarios/drome/baseline.ini scenarios/drome/orientation-2-mois.ini \
    scenarios/drome/parrainage.ini scenarios/drome/iae-plus-20.ini scenarios/drome/combine.ini \
    scenarios/drome/flash-emploi.ini &
drome=$!
report hautes-alpes "$REPS" scenarios/hautes-alpes/sans-e2c.ini \
    scenarios/hautes-alpes/ouverture-e2c.ini
report ara "$IAE_REPS" scenarios/ara/baseline.ini scenarios/ara/zones-blanches.ini -- --focus 26
report ara-rsa "$REPS" scenarios/ara/rsa.ini -- --focus 26
wait "$drome"
territories="drome hautes-alpes ara ara-rsa"
if [ "$FRANCE_REPS" -gt 0 ]; then
    report france "$FRANCE_REPS" scenarios/france/baseline.ini -- --focus 26,05
    territories="$territories france"
fi
end=$(date +%s)

echo
echo "Reports written in $((end - start)) s. Open them in a browser:"
for territory in $territories; do
    echo "  file://$(cd "$OUT/$territory" && pwd)/index.html"
done
