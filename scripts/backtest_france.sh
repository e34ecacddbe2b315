#!/bin/sh
# backtest_france — the backtest of scripts/backtest_ara.sh over the 96 metropolitan
# départements (docs/backtest.md, section 5): the models are written by
# scripts/backtest_ara_models.py --france into OUT/models (one per département and origin),
# then backtested with the same
# origins, horizons, break and fitted key, with fewer replications (96 départements: about
# 20 s of CPU each, 35 minutes in all).
#
# usage: sh scripts/backtest_france.sh [OUT] [REPS] [THREADS]
#   OUT      results folder (default /tmp/parcours-backtest-france)
#   REPS     replications of each forecast (default 100; each fit call 8, simplex to 0.01)
#   THREADS  threads (default 2)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-/tmp/parcours-backtest-france}
reps=${2:-100}
threads=${3:-2}
bin=${PARCOURS:-$root/bin/parcours}
dir=$out/models
python3 "$root/scripts/backtest_ara_models.py" --france "$dir" >&2
tail -n +2 "$dir/departements.csv" | while IFS=, read -r code name origin file observed low high; do
    echo "backtest_france: $code $name $origin" >&2
    # the folder is written whole by parcours (earlier results replaced); the printed
    # summary goes beside it, then into it
    rm -rf "$out/$code/$origin"
    mkdir -p "$out/$code"
    "$bin" backtest "$dir/$file" --observed "$dir/$observed" --origins "$origin" \
        --horizons 12,24 --breaks 2016-12 \
        --fit "population.rsa.inflow.rate=$low:$high" --fit-reps 8 --tol 0.01 \
        --reps "$reps" --seed 1 --threads "$threads" --quiet --out "$out/$code/$origin" \
        >"$out/$code/$origin.txt" 2>&1 ||
        { cat "$out/$code/$origin.txt" >&2; exit 1; }
    mv "$out/$code/$origin.txt" "$out/$code/$origin/summary.txt"
done
python3 "$root/scripts/backtest_pool.py" "$out"/[0-9]*/*/backtest.csv >"$out/pooled.csv"
cat "$out/pooled.csv"
