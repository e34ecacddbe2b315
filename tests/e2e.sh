#!/bin/sh
# e2e — the `parcours` command as a user meets it: exit codes, messages naming
# file:line: key, no output folder after a failure or an interruption, and runs
# reproducible from their manifest and independent of the thread count.
# usage: sh tests/e2e.sh bin/parcours
suite=e2e
. "$(dirname "$0")/lib.sh"

cat > sen.csv <<'CSV'
upper,weight
12m,30
48m,40
120m,30
CSV
cat > model.ini <<'INI'
[model]
name = E2E
start = 2018-01
horizon = 36

[population rsa]
entry = orientation
inflow.rate = 3000/y
initial.count = 4000
initial.state = orientation:0.1, pro:0.6, soc:0.3
initial.seniority = table(sen.csv)

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
capacity = 2018-01:60, 2020-01:80
INI
cat > bad.ini <<'INI'
[model]
name = Bad
start = 2018-01
horizon = 12

[population p]
entry = a

[state a]
on.x = after lognormal(mean=10d, sd=5d) -> b:0.5, c:0.45

[state b]
[state c]
INI

check "no arguments: usage, exit 2" status_is 2 "$bin"
check "--help: exit 0" status_is 0 "$bin" --help
check "unknown command: exit 2" status_is 2 "$bin" frobnicate
check "check --help: exit 0" status_is 0 "$bin" check --help
check "run --help: exit 0" status_is 0 "$bin" run --help
check "check on a valid model: exit 0" status_is 0 "$bin" check model.ini
check "check prints the resolved transitions" grep -q "on.exit: piecewise hazard on the entry clock" out.txt
check "check on a bad model: exit 1" status_is 1 "$bin" check bad.ini
check "the message names file:line: key and the expectation" \
    grep -q "bad.ini:10: on.x: shares sum to 0.95, expected 1" err.txt
check "run of a bad model: exit 1" status_is 1 "$bin" run bad.ini --out badrun --quiet
check "no output folder after a failed run" test ! -e badrun
check "missing file: exit 1" status_is 1 "$bin" run nothere.ini --quiet
check "--reps 0 (out of range): exit 2" status_is 2 "$bin" run model.ini --reps 0 --out r0 --quiet
check "--reps abc: exit 2" status_is 2 "$bin" run model.ini --reps abc --out r0 --quiet
check "--seed -1: exit 2" status_is 2 "$bin" run model.ini --seed -1 --out r0 --quiet
check "a usage error shows the usage text" grep -q "^usage: parcours run FILE" err.txt
check "unknown option: exit 2" status_is 2 "$bin" run model.ini --bogus
check "nothing written by refused runs" test ! -e r0

check "run with 1 thread" status_is 0 "$bin" run model.ini --reps 16 --seed 5 --threads 1 --out t1 --quiet
check "run with 2 threads" status_is 0 "$bin" run model.ini --reps 16 --seed 5 --threads 2 --out t2 --quiet
for f in monthly.csv yearly.csv replications.csv survival.csv; do
    check "$f identical with 1 and 2 threads" cmp t1/$f t2/$f
done
check "rerun from the manifest" status_is 0 "$bin" run t1/manifest.ini --out t3 --quiet
for f in monthly.csv yearly.csv replications.csv survival.csv; do
    check "$f reproduced bitwise from the manifest" cmp t1/$f t3/$f
done
check "the manifest carries its tables" test -f t1/tables/1-sen.csv
check "--reps=N --seed=S --threads=0 (all cores)" \
    status_is 0 "$bin" run model.ini --reps=4 --seed=5 --threads=0 --out=eq --quiet
check "--name=VALUE runs as --name VALUE" sh -c '"$0" run model.ini --reps 4 --seed 5 --out sp --quiet &&
    cmp eq/monthly.csv sp/monthly.csv' "$bin"
check "default output folder out/NAME" status_is 0 "$bin" run model.ini --reps 2 --quiet
check "out/model written" test -f out/model/monthly.csv

# An interrupted run leaves nothing behind.
sed -e 's/^initial.count = 4000/initial.count = 400000/' -e 's/^horizon = 36/horizon = 12/' \
    model.ini > slow.ini
"$bin" run slow.ini --reps 500 --threads 1 --out big --quiet >/dev/null 2>&1 &
pid=$!
sleep 1
kill -TERM $pid 2>/dev/null
wait $pid 2>/dev/null
check "an interrupted run leaves no folder" test ! -e big
check "and no temporary folder" sh -c '! ls -d big.tmp-* 2>/dev/null | grep -q .'

finish
