#!/bin/sh
# backtest_france — the backtest of scripts/backtest_ara.sh over the 96 metropolitan
# départements (docs/backtest.md): the models are written by
# scripts/backtest_ara_models.py --france into OUT/models, then backtested the same way.
#
# usage: sh scripts/backtest_france.sh [OUT] [REPS] [THREADS]
#   OUT      results folder (default /tmp/parcours-backtest-france)
#   REPS     replications of each forecast (default 200)
#   THREADS  threads (default 2)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-/tmp/parcours-backtest-france}
python3 "$root/scripts/backtest_ara_models.py" --france "$out/models" >&2
sh "$root/scripts/backtest_ara.sh" "$out" "${2:-200}" "${3:-2}" "$out/models"
