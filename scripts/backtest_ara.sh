#!/bin/sh
# backtest_ara — the ARA RSA backtest of docs/backtest.md: for each of the 12 départements,
# forecasts of the foyers from the origins 2011-12 to 2014-12 and 2017-12 at 12 and 24
# months, the inflow rate fitted to the year before each origin, scored against the DREES
# counts of 31 December; then the pooled table (scripts/backtest_pool.py).
#
# usage: sh scripts/backtest_ara.sh [OUT] [REPS] [THREADS] [MODELS]
#   OUT      results folder (default models/ara/backtest/results)
#   REPS     replications of each forecast (default 400)
#   THREADS  threads (default 2)
#   MODELS   the models' folder with its departements.csv (default models/ara/backtest;
#            scripts/backtest_france.sh gives the 96 metropolitan départements)
# The models are made by scripts/backtest_ara_models.py, one per département and origin (the
# drivers are estimated from the counts up to the origin): one backtest each, into
# OUT/CODE/ORIGIN/.  About 15 s of CPU per département of the size of the Drôme with the
# defaults (2 minutes for the Rhône).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/models/ara/backtest/results}
reps=${2:-400}
threads=${3:-2}
bin=${PARCOURS:-$root/bin/parcours}
dir=${4:-$root/models/ara/backtest}
mkdir -p "$out"
tail -n +2 "$dir/departements.csv" | while IFS=, read -r code name origin file observed low high; do
    echo "backtest_ara: $code $name $origin" >&2
    # the folder is written whole by parcours (earlier results replaced); the printed
    # summary goes beside it, then into it
    rm -rf "$out/$code/$origin"
    mkdir -p "$out/$code"
    "$bin" backtest "$dir/$file" --observed "$dir/$observed" --origins "$origin" \
        --horizons 12,24 --breaks 2016-12 --fit "population.rsa.inflow.rate=$low:$high" \
        --reps "$reps" --seed 1 --threads "$threads" --quiet --out "$out/$code/$origin" \
        >"$out/$code/$origin.txt" 2>&1 ||
        { cat "$out/$code/$origin.txt" >&2; exit 1; }
    mv "$out/$code/$origin.txt" "$out/$code/$origin/summary.txt"
done
python3 "$root/scripts/backtest_pool.py" "$out"/*/*/backtest.csv >"$out/pooled.csv"
cat "$out/pooled.csv"
