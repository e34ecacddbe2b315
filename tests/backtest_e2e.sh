#!/bin/sh
# backtest_e2e — `parcours backtest` as a user meets it: exit codes and messages for bad
# options, the files it writes (backtest.csv with a row per scored forecast, the summary,
# the fitted values, the chart) on the Drôme backtest model of models/ara/backtest/.
# usage: sh tests/backtest_e2e.sh bin/parcours
suite=backtest-e2e
. "$(dirname "$0")/lib.sh"

model=$root/models/ara/backtest/rsa_26_2017.ini
obs=$root/models/ara/backtest/observed_26.csv
fit=population.rsa.inflow.rate=663/y:9942/y

check "backtest --help: exit 0" status_is 0 "$bin" backtest --help
check "backtest without --observed: exit 2" status_is 2 "$bin" backtest "$model" --origins 2012-12
check "backtest without --origins: exit 2" status_is 2 "$bin" backtest "$model" --observed "$obs"
check "an origin 2012-13: exit 1" status_is 1 "$bin" backtest "$model" --observed "$obs" \
    --origins 2012-13 --out bad
check "the message names --origins" grep -q "^parcours: --origins: '2012-13' is not a month" err.txt
check "an origin outside the observations: exit 1" status_is 1 "$bin" backtest "$model" \
    --observed "$obs" --origins 2012-06 --out bad
check "the message names the origin" grep -q -- "--origins 2012-06: no population's stock" err.txt
check "a horizon 0: exit 1" status_is 1 "$bin" backtest "$model" --observed "$obs" \
    --origins 2012-12 --horizons 0 --out bad
check "the message names --horizons" grep -q -- "--horizons: '0' is not a whole number" err.txt
check "a fit window across the 2016 break: exit 1" status_is 1 "$bin" backtest "$model" \
    --observed "$obs" --origins 2016-12 --breaks 2016-12 --fit "$fit" --out bad
check "the message names the break" grep -q "spans the series break 2016-12" err.txt
printf 'variable,period,value\nstock.rsa,2012,10770\n' >yearly.csv
check "a yearly period: exit 1" status_is 1 "$bin" backtest "$model" --observed yearly.csv \
    --origins 2012-12 --out bad
check "the message gives file:line: key" grep -q "yearly.csv:2: period: expected a month" err.txt
check "nothing written after bad input" test ! -e bad

check "Drôme backtest, two origins, inflow fitted: exit 0" status_is 0 "$bin" backtest "$model" \
    --observed "$obs" --origins 2013-12,2017-12 --breaks 2016-12 --fit "$fit" --reps 40 \
    --fit-reps 6 --threads 2 --quiet --out bt
cp out.txt summary.txt
# 2013-12: 12 and 24 months (2015-12); 2017-12: 12 months (2018-12; 2019-12 is not observed)
check "backtest.csv has 3 rows" sh -c '[ "$(tail -n +2 bt/backtest.csv | wc -l)" -eq 3 ]'
check "backtest.csv columns" \
    grep -q "^variable,origin,horizon,month,observed,origin_value,mean,p05,p25,p50,p75,p95,in50,in90,pit,crps,crps_rel,error_median,error_naive$" bt/backtest.csv
check "the 2018-12 row holds the DREES count 12077 and the origin's 11917" \
    grep -q "^stock.rsa,2017-12,12,2018-12,12077,11917," bt/backtest.csv
check "bands are ordered and the PIT lies in [0, 1]" awk -F, 'NR > 1 && !($8 <= $9 && $9 <= $10 &&
    $10 <= $11 && $11 <= $12 && $15 >= 0 && $15 <= 1) { bad = 1 } END { exit bad }' bt/backtest.csv
check "the summary has 12, 24 and all" \
    sh -c 'cut -d, -f1,2 bt/backtest-summary.csv | tr "\n" " " | grep -q "^horizon,n 12,2 24,1 all,3 $"'
check "the fitted values, one per origin" sh -c '[ "$(tail -n +2 bt/backtest-fit.csv | wc -l)" -eq 2 ]'
check "the chart" test -s bt/backtest.png -a -s bt/backtest.svg
check "the printed summary" grep -q "^all  *3 " summary.txt
check "threads 1 gives the same backtest.csv" sh -c '"$0" backtest "$1" --observed "$2" \
    --origins 2013-12,2017-12 --breaks 2016-12 --fit "$3" --reps 40 --fit-reps 6 --threads 1 \
    --quiet --out bt1 >/dev/null && cmp bt/backtest.csv bt1/backtest.csv' "$bin" "$model" "$obs" "$fit"

# The folder is written whole (folder.h): its listing names what parcours wrote; a
# second backtest replaces it; a folder holding a file parcours did not write is
# refused before any run, the file kept, nothing else written.
check "the folder lists what it holds" grep -q "^backtest-summary.csv$" bt1/parcours-files.txt
check "a second backtest replaces the first" "$bin" backtest "$model" --observed "$obs" \
    --origins 2017-12 --horizons 12 --reps 10 --threads 1 --quiet --out bt1
check "... which holds only its own rows" sh -c '[ "$(tail -n +2 bt1/backtest.csv | wc -l)" -eq 1 ]'
mkdir -p mine && echo "notes" > mine/thesis.txt
"$bin" backtest "$model" --observed "$obs" --origins 2017-12 --horizons 12 --reps 10 --quiet \
    --out mine >refused.txt 2>&1
check "a folder with a file parcours did not write: exit 1" test $? -eq 1
check "... naming the file" grep -q "thesis.txt" refused.txt
check "... kept, nothing written beside it" sh -c '[ "$(ls mine)" = thesis.txt ]'

# a horizon past the data at every origin: said, not printed as nan
"$bin" backtest "$model" --observed "$obs" --origins 2017-12 --horizons 12,24 --reps 10 \
    --threads 1 --out bt24 >bt24.txt 2>&1
check "a horizon with nothing to score is said so" grep -q "^24 m  *0 .*(nothing to score)" bt24.txt
check "... and no nan printed" sh -c '! grep -qi nan bt24.txt'

finish
