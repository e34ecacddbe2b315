#!/bin/sh
# calibrate_france — the national model fitted by simulation, département by département.
#
# Usage: sh scripts/calibrate_france.sh OUT_DIR [REPS] [RANKS] [MODEL]
#
# scripts/make_france.py calibrates models/france/rsa.ini with a deterministic (fluid)
# model of each département.  This script checks and refines that fit with the simulator
# itself: for every département of MODEL (default models/france/rsa.ini), its initial
# foyers and its inflow (one rate from the start) are fitted to its foyers at 31/12/2016,
# 2017 and 2018 (models/france/observations.csv).  The départements share no person and no
# place, so `parcours calibrate` gives each its own simplex, all in lock step: one
# simulator call per step for the 101 (docs/fit.md).  With RANKS > 1 (and `make mpi`) the
# calls are shared among MPI ranks: `mpirun -np RANKS bin/parcours-mpi calibrate ...`.
# Writes OUT_DIR/targets.csv, OUT_DIR/fit.ini (the overlay), OUT_DIR/fit-report.csv and
# OUT_DIR/fit.txt (the printed report).
set -eu
out=${1:?usage: sh scripts/calibrate_france.sh OUT_DIR [REPS] [RANKS] [MODEL]}
reps=${2:-4}
ranks=${3:-1}
model=${4:-models/france/rsa.ini}
obs=$(dirname "$model")/observations.csv
mkdir -p "$out"
# targets: the foyers at the end of 2016 (the start month), 2017 and 2018, per département
awk -F, 'NR > 1 && $1 ~ /^stock\.d/ && ($2 == "2016-12" || $2 == "2017-12" || $2 == "2018-12") {
    print $1 "," $2 "," $3 ",1" }' "$obs" | sort -u >"$out/targets.body"
{ echo "variable,when,value,weight"; cat "$out/targets.body"; } >"$out/targets.csv"
rm -f "$out/targets.body"
# free keys: initial foyers and inflow of each population, within 0.6-1.4 of the model's
# (the inflow's range from its first dated value, its start the middle: that value)
free=$(awk '
    /^\[population / { pop = $2; sub(/\]$/, "", pop) }
    pop != "" && /^inflow.rate = / {
        v = $3; sub(/^[0-9-]+:/, "", v); sub(/,$/, "", v); sub(/\/m$/, "", v)
        printf " --free population.%s.inflow.rate=%.4f/m:%.4f/m", pop, 0.6 * v, 1.4 * v }
    pop != "" && /^initial.count = / {
        printf " --free population.%s.initial.count=%d:%d", pop, int(0.6 * $3), int(1.4 * $3 + 1)
        pop = "" }' "$model")
if [ "$ranks" -gt 1 ]; then
    run="mpirun -np $ranks bin/parcours-mpi"
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    threads=1
else
    run="bin/parcours"
    threads=0
fi
# shellcheck disable=SC2086
$run calibrate "$model" --targets "$out/targets.csv" $free --reps "$reps" --seed 1 \
    --threads $threads --tol 0.005 --max-iter 150 --out "$out/fit.ini" --quiet | tee "$out/fit.txt"
