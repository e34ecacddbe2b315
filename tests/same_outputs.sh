#!/bin/sh
# same_outputs — two builds of parcours give byte-identical run files on every shipped scenario.
#
# Usage: sh tests/same_outputs.sh OLD_BIN NEW_BIN [REPS]
#
# A change meant to leave results alone (a restructuring, a speed-up) is held
# to this: every scenario under scenarios/ is run by both binaries with the same
# seed, at 1 and at 2 threads, and monthly.csv, yearly.csv and replications.csv
# must be identical byte for byte.  The Drôme scenarios carry uncertain
# parameters; the Hautes-Alpes and ARA ones do not, so both paths are covered.
# Build OLD_BIN from an earlier commit, e.g.
#   git worktree add /tmp/ref abd2ea4 && make -C /tmp/ref bin/parcours
set -eu
OLD=${1:?usage: sh tests/same_outputs.sh OLD_BIN NEW_BIN [REPS]}
NEW=${2:?usage: sh tests/same_outputs.sh OLD_BIN NEW_BIN [REPS]}
REPS=${3:-8}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/parcours-same-XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM

passed=0
failed=0
for scenario in scenarios/*/*.ini; do
    name=$(echo "$scenario" | tr '/.' '__')
    for threads in 1 2; do
        "$OLD" run "$scenario" --reps "$REPS" --seed 7 --threads "$threads" --quiet \
            --out "$WORK/old-$name-$threads" >/dev/null
        "$NEW" run "$scenario" --reps "$REPS" --seed 7 --threads "$threads" --quiet \
            --out "$WORK/new-$name-$threads" >/dev/null
        for file in monthly.csv yearly.csv replications.csv; do
            if cmp -s "$WORK/old-$name-$threads/$file" "$WORK/new-$name-$threads/$file"; then
                passed=$((passed + 1))
            else
                failed=$((failed + 1))
                echo "FAIL $scenario ($threads threads): $file differs"
            fi
        done
    done
done
echo "same-outputs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
