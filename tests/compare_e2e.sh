#!/bin/sh
# compare_e2e — `parcours compare`, `parcours sensitivity` and `run --precision`
# as a user meets them: the files they write, paired differences of exactly
# zero for an identical scenario, a variance-reduction factor above 1, seeds
# and replication counts recorded in the manifests, tornado rows sorted by
# swing, and bad input refused with exit 1 and a message that names the
# problem (file:line: key for model files).
# usage: sh tests/compare_e2e.sh bin/parcours
suite=compare-e2e
. "$(dirname "$0")/lib.sh"
# every statistic of differences.csv (columns 9 to 17) is 0 or NA
all_zero() {
    awk -F, 'NR > 1 { for (i = 9; i <= 17; i++) if ($i != "0" && $i != "NA") bad++ }
             END { exit bad > 0 || NR < 2 }' "$1"
}
# a column of a CSV file (by header name) at the row where column 3 is $3 and 4 is $4
value_of() { # value_of FILE COLUMN VARIABLE PERIOD_KIND
    awk -F, -v col="$2" -v var="$3" -v kind="$4" '
        NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
        $3 == var && $4 == kind { print $c; exit }' "$1"
}

cat > model.ini <<'INI'
[model]
name = Comparaison
start = 2018-01
horizon = 48

[population rsa]
entry = orientation
inflow.rate = 3000/y
initial.count = 3000
initial.state = orientation:0.1, pro:0.6, soc:0.3

[state orientation]
on.oriented = after lognormal(mean=94d, sd=60d) -> pro:0.62, soc:0.38

[state pro]
on.exit = hazard piecewise(entry; 0m:0.0561, 12m:0.0328, 24m:0.0205, 48m:0.0097)/m -> gone
on.iae = hazard 0.01/m -> iae

[state soc]
on.exit = hazard 0.012/m -> gone

[state iae]
resource = places
queue = waiting
on.end = after gamma(shape=4, mean=300d) -> gone:0.5, pro:0.5

[state waiting]
on.renege = after fixed(6m) -> pro

[state gone]
outside = yes
on.back = with 0.25 after exponential(mean=8m) -> orientation

[resource places]
capacity = 60

[cost allocation]
funder = departement
per = person-month
states = orientation, pro, soc, waiting
amount = 500
INI
cat > same.ini <<'INI'
[scenario]
label = La même chose
extends = model.ini
INI
cat > faster.ini <<'INI'
[scenario]
label = Orientation en moins de deux mois
extends = model.ini

[set 2019-01]
state.orientation.on.oriented = after lognormal(mean=35d, sd=13d) -> pro:0.62, soc:0.38
INI
sed -e 's/^horizon = 48/horizon = 36/' model.ini > shorter.ini
cat > uncertain.ini <<'INI'
[model]
name = Incertain
start = 2018-01
horizon = 24

[parameter rate]
value = uncertain uniform(min=80, max=120)

[parameter mu]
value = uncertain lognormal(mean=0.1, sd=0.01)

[population p]
entry = a
inflow.rate = $rate/m
initial.count = 500

[state a]
on.out = hazard ${mu}/m -> out
on.svc = hazard 0.02/m -> s

[state s]
resource = r
queue = w
on.end = after gamma(shape=3, mean=4m) -> out

[state w]
on.renege = after fixed(3m) -> a

[resource r]
capacity = 20
INI
sed -e 's/sd=0.01)/sd=0)/' uncertain.ini > badlaw.ini

# ---- compare ----------------------------------------------------------------------
check "compare --help: exit 0" status_is 0 "$bin" compare --help
check "compare without --out: exit 2" status_is 2 "$bin" compare model.ini same.ini --reps 4
check "compare with one scenario: exit 2" status_is 2 "$bin" compare model.ini --reps 4 --out x
check "compare --reps 0 (out of range): exit 2" status_is 2 "$bin" compare model.ini same.ini --reps 0 --out x

check "compare an identical scenario" \
    status_is 0 "$bin" compare model.ini same.ini --reps 8 --seed 4 --out same --quiet
for f in model/monthly.csv model/manifest.ini same/monthly.csv same/manifest.ini differences.csv \
    variance-reduction.csv charts/diff-same-stock.rsa.csv charts/diff-same-cost.total.csv; do
    check "compare writes $f" test -s "same/$f"
done
# a difference that is zero everywhere has its data but no chart: nothing to show
check "no chart of a difference that is zero everywhere" \
    sh -c '! test -e same/charts/diff-same-stock.rsa.png && ! test -e same/charts/diff-same-cost.total.png'
check "differences.csv has the documented columns" sh -c "head -1 same/differences.csv | grep -qx \
    'scenario,base,variable,period_kind,period,n,base_mean,alt_mean,mean,sd,ci_low,ci_high,p05,p25,p50,p75,p95'"
check "differences.csv has month, year and total rows" sh -c \
    "grep -q ',stock.rsa,month,2018-01,' same/differences.csv && \
     grep -q ',stock.rsa,year,2021,' same/differences.csv && grep -q ',stock.rsa,total,,' same/differences.csv"
check "an identical scenario differs by exactly 0 everywhere" all_zero same/differences.csv
check "the scenarios share the seed" sh -c \
    "grep -qx 'seed = 4' same/model/manifest.ini && grep -qx 'seed = 4' same/same/manifest.ini"
check "the key outputs are printed" grep -q "stock.rsa 2021-12" out.txt

check "compare a faster orientation" \
    status_is 0 "$bin" compare model.ini faster.ini --reps 12 --out crn --quiet
check "the table shows the variance reduction" grep -q "reduction" out.txt
factor=$(awk -F, '$3 == "stock.rsa" && $5 == "2021-12" { print $12 }' crn/variance-reduction.csv)
check "common random numbers reduce the variance of the paired difference (factor $factor)" \
    awk -v f="$factor" 'BEGIN { exit !(f > 2) }'
paired_sd=$(value_of crn/differences.csv sd stock.rsa total)
check "the faster orientation lowers the stock, with an interval below 0" \
    awk -v h="$(value_of crn/differences.csv ci_high stock.rsa total)" 'BEGIN { exit !(h < 0) }'

check "compare --independent" \
    status_is 0 "$bin" compare model.ini faster.ini --reps 12 --out ind --independent --quiet
check "--independent: the alternative runs with seed + 1" grep -qx "seed = 2" ind/faster/manifest.ini
independent_sd=$(value_of ind/differences.csv sd stock.rsa total)
check "--independent: the difference varies more ($independent_sd against $paired_sd)" \
    awk -v a="$independent_sd" -v b="$paired_sd" 'BEGIN { exit !(a > b) }'

check "compare --precision 0.2%" status_is 0 "$bin" compare model.ini faster.ini --reps 4 \
    --precision 0.2% --max-reps 400 --out prec --no-reduction
check "compare --precision says how many replications it took" \
    grep -q "precision: the 95 % intervals are within 0.2 % of the mean .* after [0-9]* replications" err.txt
reps=$(sed -n 's/^replications = //p' prec/model/manifest.ini)
check "compare --precision: more than the first batch, $reps replications in both runs" \
    sh -c "test $reps -gt 4 && grep -qx 'replications = $reps' prec/faster/manifest.ini"
check "--no-reduction: no variance-reduction.csv" test ! -e prec/variance-reduction.csv
check "compare --precision abc (malformed): exit 2" \
    status_is 2 "$bin" compare model.ini faster.ini --reps 4 --precision abc --out x
check "the message says what --precision expects" grep -q "percentage" err.txt
check "compare --max-reps without --precision: exit 2" \
    status_is 2 "$bin" compare model.ini faster.ini --reps 4 --max-reps 9 --out x
check "compare scenarios of different horizons: exit 1" \
    status_is 1 "$bin" compare model.ini shorter.ini --reps 2 --out x --quiet
check "the message names the file and the reason" grep -q "shorter.ini.*same start and horizon" err.txt
check "compare a model with an impossible law: exit 1" \
    status_is 1 "$bin" compare uncertain.ini badlaw.ini --reps 2 --out x --quiet
check "the message names file:line: key" \
    grep -q "badlaw.ini:10: value: uncertain lognormal: sd must be > 0" err.txt
check "nothing written by refused comparisons" test ! -e x

# ---- run --precision -------------------------------------------------------------------
check "run --precision 0.5%" status_is 0 "$bin" run model.ini --reps 5 --precision 0.5% --out p1
check "run --precision says how many replications it took" \
    grep -q "within 0.5 % of the mean .* after [0-9]* replications" err.txt
n=$(sed -n 's/^replications = //p' p1/manifest.ini)
check "the manifest records the $n replications" test "$n" -gt 5
check "the manifest reproduces the run bitwise" status_is 0 "$bin" run p1/manifest.ini --out p2 --quiet
check "monthly.csv reproduced" cmp p1/monthly.csv p2/monthly.csv
check "replications.csv reproduced" cmp p1/replications.csv p2/replications.csv
check "run --precision unreachable stops at --max-reps" \
    status_is 0 "$bin" run model.ini --reps 5 --precision 0.001% --max-reps 12 --out p3
check "and says so" grep -q "not reached" err.txt
check "p3 has 12 replications" grep -qx "replications = 12" p3/manifest.ini
check "run --precision 0% (out of range): exit 2" status_is 2 "$bin" run model.ini --precision 0% --out x

# ---- sensitivity ---------------------------------------------------------------------------
check "sensitivity --help: exit 0" status_is 0 "$bin" sensitivity --help
check "sensitivity, one at a time" status_is 0 "$bin" sensitivity uncertain.ini \
    --vary rate=90:110 --vary mu=0.08:0.12 --vary resource.r.capacity=10:30 \
    --output stock.p@2019 --reps 10 --out sens --quiet
for f in tornado.csv tornado.png tornado.svg; do
    check "sensitivity writes $f" test -s "sens/$f"
done
check "tornado.csv is sorted by swing" awk -F, 'NR > 2 && $12 > prev { bad = 1 } NR > 1 { prev = $12 }
    END { exit bad || NR != 4 }' sens/tornado.csv
check "the tornado table is printed" grep -q "rank" out.txt
check "sensitivity --sobol" status_is 0 "$bin" sensitivity uncertain.ini --output stock.p \
    --sobol 32 --bootstrap 100 --out sobol --quiet
check "sobol.csv: one row per uncertain parameter" sh -c \
    "test \$(wc -l < sobol/sobol.csv) -eq 3 && grep -q '^rate,' sobol/sobol.csv && grep -q '^mu,' sobol/sobol.csv"
check "the Sobol table is printed" grep -q "Sobol indices" out.txt
check "sensitivity with an unknown key: exit 1" status_is 1 "$bin" sensitivity uncertain.ini \
    --vary resource.nowhere.capacity=1:2 --output stock.p --out x
check "the message names the key" grep -q "resource.nowhere.capacity: unknown key" err.txt
check "sensitivity with an unknown key in a known section: exit 1" status_is 1 "$bin" sensitivity \
    uncertain.ini --vary resource.r.size=1:2 --output stock.p --out x
check "the message names the key" grep -q "size: unknown key in \[resource r\]" err.txt
check "sensitivity with LOW >= HIGH: exit 1" status_is 1 "$bin" sensitivity uncertain.ini \
    --vary rate=110:90 --output stock.p --out x
check "the message says LOW must be below HIGH" grep -q "rate=110:90: LOW must be below HIGH" err.txt
check "sensitivity with an unknown output: exit 1" status_is 1 "$bin" sensitivity uncertain.ini \
    --vary rate=90:110 --output stock.nobody --out x
check "the message names the variable" grep -q "no variable stock.nobody" err.txt
check "sensitivity --sobol without uncertain parameters: exit 1" \
    status_is 1 "$bin" sensitivity model.ini --sobol 8 --output stock.rsa --out x
check "the message says why" grep -q "no uncertain parameter" err.txt
check "sensitivity of a model with an impossible law: exit 1" \
    status_is 1 "$bin" sensitivity badlaw.ini --vary rate=90:110 --output stock.p --out x
check "the message names file:line: key" \
    grep -q "badlaw.ini:10: value: uncertain lognormal: sd must be > 0" err.txt
check "sensitivity without --vary or --sobol: exit 2" \
    status_is 2 "$bin" sensitivity uncertain.ini --output stock.p
check "nothing written by refused runs" test ! -e x

finish
