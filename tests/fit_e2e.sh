#!/bin/sh
# fit_e2e — `parcours calibrate`, `size` and `allocate` as a user meets them: exit codes
# and messages, an overlay that passes `parcours check` and whose run reproduces the
# fitted values, sizing an M/M/c queue, allocating across the ARA départements.
# usage: sh tests/fit_e2e.sh bin/parcours
suite=fit-e2e
. "$(dirname "$0")/lib.sh"
export PARCOURS_PLOTS="${PARCOURS_PLOTS:-$root/plots}" # the chart templates, wherever the binary was built
# same_as FILE.csv VARIABLE WHEN VALUE: the run's mean of VARIABLE at WHEN equals VALUE
# (to the 7 significant digits both files carry at least).
same_as() {
    awk -F, -v v="$2" -v w="$3" -v x="$4" '
        $2 == v && $3 == w { found = 1; d = $4 - x; if (d < 0) d = -d;
                             s = x < 0 ? -x : x; exit !(d <= 1e-6 * s) }
        END { if (!found) exit 1 }' "$1"
}

drome=$root/scenarios/drome/baseline.ini
ara=$root/models/ara/iae.ini

# ---- calibrate ---------------------------------------------------------------------------
check "calibrate --help: exit 0" status_is 0 "$bin" calibrate --help
check "calibrate without --targets: exit 2" status_is 2 "$bin" calibrate "$drome" \
    --free population.rsa.inflow.rate=2000/y:8000/y --out o.ini
check "calibrate with an unknown option: exit 2" status_is 2 "$bin" calibrate "$drome" --bogus
check "calibrate --reps 0 (out of range): exit 2" status_is 2 "$bin" calibrate "$drome" \
    --targets "$root/models/drome/targets.csv" --free population.rsa.inflow.rate=2000/y:8000/y \
    --out o.ini --reps 0
check "LOW >= HIGH: exit 1" status_is 1 "$bin" calibrate "$drome" \
    --targets "$root/models/drome/targets.csv" --free population.rsa.inflow.rate=8000/y:2000/y \
    --out o.ini
check "the message says LOW must be below HIGH" grep -q "must be below" err.txt
printf 'variable,date_or_year,value,weight\nstock.nowhere,2018-01,10,1\n' > bad.csv
check "a target on an unknown variable: exit 1" status_is 1 "$bin" calibrate "$drome" \
    --targets bad.csv --free population.rsa.inflow.rate=2000/y:8000/y --out o.ini
check "the message names the file, the line and the variable" \
    grep -q "bad.csv:2: variable: unknown variable 'stock.nowhere'" err.txt
check "nothing written by refused calibrations" test ! -e o.ini
cp "$root/models/drome/rsa.ini" "$root/models/drome/"*.csv .
printf '[scenario]\nmodel = rsa.ini\n' > sc.ini
cp rsa.ini rsa.orig
check "an overlay over the model it extends is refused: exit 1" status_is 1 "$bin" calibrate \
    sc.ini --targets targets.csv --free population.rsa.inflow.rate=2000/y:8000/y --out rsa.ini \
    --reps 2 --max-iter 2
check "the message says so, and the model is intact" \
    sh -c 'grep -q "which the overlay extends" err.txt && cmp rsa.ini rsa.orig'

mkdir fit
check "Drôme calibration from a distant start: exit 0" status_is 0 "$bin" calibrate "$drome" \
    --targets "$root/models/drome/targets.csv" \
    --free population.rsa.inflow.rate=2000/y:8000/y:3000/y \
    --free population.rsa.initial.count=15000:30000:25000 \
    --out fit/drome.ini --reps 6 --seed 4 --quiet
cp out.txt calibrate.txt
check "the report says why it stopped" grep -q "^stopped: " calibrate.txt
check "the report counts the simulator calls" grep -q "simulator calls of 6 replications" calibrate.txt
check "the overlay and the fit report are written" test -f fit/drome.ini -a -f fit/drome-report.csv
check "the overlay extends the scenario by a relative path" \
    grep -q "^extends = .*scenarios/drome/baseline.ini$" fit/drome.ini
check "the overlay passes parcours check" status_is 0 "$bin" check fit/drome.ini
check "a run of the overlay" status_is 0 "$bin" run fit/drome.ini --reps 6 --seed 4 --out run --quiet
# Each fitted value of the report is reproduced by the run (same seed and replications).
while IFS=, read -r variable when target weight fitted rest; do
    [ "$variable" = variable ] && continue
    case $when in
    ????-??) file=run/monthly.csv ;;
    *) file=run/yearly.csv ;;
    esac
    check "the run reproduces $variable $when = $fitted" same_as "$file" "$variable" "$when" "$fitted"
    check "$variable $when within 2 % of $target" \
        awk -v a="$fitted" -v b="$target" 'BEGIN { d = (a - b) / b; exit !(d < 0.02 && d > -0.02) }'
done < fit/drome-report.csv

# ---- size --------------------------------------------------------------------------------
cat > mmc.ini <<'INI'
[model]
name = M/M/c
start = 2020-01
horizon = 60

[population p]
entry = service
inflow.rate = 20/m
warmup = 1y

[state service]
resource = servers
queue = waiting
on.done = after exponential(mean=1m) -> out

[state waiting]

[resource servers]
capacity = 30
etp.weight = 0.5

[cost places]
funder = etat
per = unit-year
resource = servers
amount = 10000
INI
check "size --help: exit 0" status_is 0 "$bin" size --help
check "size without --target: exit 2" status_is 2 "$bin" size mmc.ini --resource servers
check "size: Erlang C's 25 servers for P(wait > 0) <= 25 %" status_is 0 "$bin" size mmc.ini \
    --resource servers --target "share(wait.waiting.all > 0) <= 25%" --reps 200 --quiet
check "the capacity and one place below are printed" \
    sh -c 'grep -q "^mmc: 25 places of servers" out.txt && grep -q "one place below *24 places" out.txt'
check "the yearly cost of the funder: 12.5 ETP x 10,000 EUR" grep -q "^2021 *125000 " out.txt
check "size: an unreachable target within --max: exit 1" status_is 1 "$bin" size mmc.ini \
    --resource servers --target "share(wait.waiting.all > 0) <= 0.01%" --max 32 --reps 10 --quiet
check "the message says it is not met at --max" grep -q "not met with 32 places" err.txt
check "size: a target on an unknown variable: exit 1" status_is 1 "$bin" size mmc.ini \
    --resource servers --target "mean(queue.nowhere) <= 5" --quiet
check "size: an unknown resource: exit 1" status_is 1 "$bin" size mmc.ini \
    --resource nothing --target "mean(queue.waiting) <= 5" --quiet
check "size on the Drôme: ACI places for a mean IAE queue of 100 from 2020-01" status_is 0 "$bin" size "$drome" \
    --resource iae_aci --target "mean(queue.iae_queue) <= 100" --from 2020-01 --reps 4 --quiet
check "the period measured is printed" grep -q "measured over 2020-01 to 2026-12" out.txt

# ---- size: several resources, confidence, overlays ----------------------------------------
# Two types of places for one queue: x paid by the État (1,000 EUR a place a year), y by the
# Département (2,500 EUR); each is an M/M/c queue of 10 Erlangs (tests/test_sizing.c).
cat > two.ini <<'INI'
[model]
name = Two types
start = 2020-01
horizon = 36

[population p]
entry = ask
inflow.rate = 20/m
warmup = 1y

[state ask]
on.go = after fixed(1d) -> x:0.5, y:0.5

[state q]

[state x]
label = Places de type x
resource = r_x
queue = q
on.end = after exponential(mean=1m) -> out

[state y]
resource = r_y
queue = q
on.end = after exponential(mean=1m) -> out

[resource r_x]
label = Places de type x
capacity = 20

[resource r_y]
label = Places de type y
capacity = 20

[cost place_x]
funder = etat
per = unit-year
resource = r_x
amount = 1000

[cost place_y]
funder = departement
per = unit-year
resource = r_y
amount = 2500
INI
mkdir sized
check "size two types at once (a pattern): exit 0" status_is 0 "$bin" size two.ini \
    --resource 'r_*' --target "share(wait.q.all > 0) <= 0.339" --reps 100 --seed 5 \
    --out sized/two-sized.ini --quiet
cp out.txt size-two.txt
check "the cheapest pair is Erlang C's (14 and 12 places)" \
    sh -c 'grep -q "^r_x .* 20 *14 " size-two.txt && grep -q "^r_y .* 20 *12 " size-two.txt'
check "the cost by funder is printed with its interval" \
    grep -q "^  etat *14000 \[14000, 14000\]" size-two.txt
check "the cheaper neighbours are printed" grep -q "one place less of r_y (11)" size-two.txt
check "the labels are printed" grep -q "Places de type x" size-two.txt
check "the overlay extends the model and sets the capacities from the start" \
    sh -c 'grep -q "^model = ../two.ini$" sized/two-sized.ini && grep -q "^\[set 2020-01\]$" sized/two-sized.ini &&
           grep -q "^resource.r_x.capacity = 14$" sized/two-sized.ini &&
           grep -q "^resource.r_y.capacity = 12$" sized/two-sized.ini'
check "the overlay passes parcours check" status_is 0 "$bin" check sized/two-sized.ini
check "parcours report takes the overlay as it is" status_is 0 "$bin" report two.ini \
    sized/two-sized.ini --reps 4 --out rep --quiet
check "parcours compare takes it as it is" status_is 0 "$bin" compare two.ini sized/two-sized.ini \
    --reps 4 --out cmp --quiet
check "the overlay's run has the capacities found" \
    awk -F, '$2 == "capacity.r_x" && $3 == "2021-06" { found = 1; exit !($4 == 14) }
             END { if (!found) exit 1 }' cmp/two-sized/monthly.csv
check "size with a confidence target: exit 0" status_is 0 "$bin" size two.ini \
    --resource 'r_*' --target "share(wait.q.all > 0) <= 0.339 in 80%" --reps 40 --quiet
check "it prints the share of replications meeting it and its standard error" \
    grep -q "met in [0-9.]* % of the replications (standard error" out.txt
check "a confidence of 120 %: exit 1" status_is 1 "$bin" size two.ini --resource 'r_*' \
    --target "share(wait.q.all > 0) <= 0.3 in 120%" --quiet
check "the message says the confidence must be within (0, 100 %)" \
    grep -q "strictly between 0 and 100%" err.txt
check "a type that does not exist: exit 1" status_is 1 "$bin" size two.ini --resource r_x \
    --resource r_z --target "share(wait.q.all > 0) <= 0.3" --quiet
check "the message names it" grep -q "r_z: no resource" err.txt
check "conflicting targets: exit 1" status_is 1 "$bin" size two.ini --resource 'r_*' \
    --target "share(wait.q.all > 0) <= 0.1" --target "share(wait.q.all > 0) >= 0.5" \
    --max 60 --reps 4 --quiet
check "the message says which cannot be met" grep -q "cannot be met.*>= 0.5" err.txt
check "one type of a shared queue: exit 1, naming the other" status_is 1 "$bin" size two.ini \
    --resource r_x --target "share(wait.q.all > 0) <= 0.001" --max 100 --reps 4 --quiet
check "the message names the resource that binds" grep -q "also the queue of r_y" err.txt
check "nothing written by refused sizings" test ! -e o.ini
check "size one resource with --out: exit 0" status_is 0 "$bin" size mmc.ini \
    --resource servers --target "share(wait.waiting.all > 0) <= 25%" --reps 50 --out mmc-sized.ini --quiet
check "its overlay sets the capacity found" grep -q "^resource.servers.capacity = 2[4-6]$" mmc-sized.ini
check "its overlay passes parcours check" status_is 0 "$bin" check mmc-sized.ini

# ---- allocate ----------------------------------------------------------------------------
check "allocate --help: exit 0" status_is 0 "$bin" allocate --help
check "allocate without --envelope: exit 2" status_is 2 "$bin" allocate "$ara" --resource-prefix iae_
check "an envelope smaller than the floors: exit 1" status_is 1 "$bin" allocate "$ara" \
    --resource-prefix iae_ --envelope 1000 --min-share 0.5 --quiet
check "the message names the floors" grep -q "smaller than the floors" err.txt
check "ARA: the 3,650 ACI ETP across the 12 départements" status_is 0 "$bin" allocate "$ara" \
    --resource-prefix iae_aci_ --envelope 3650.33 --min-share 0.9 --step 100 --reps 2 \
    --out alloc.csv --quiet
check "the table has the 12 départements, by their labels, and a total" \
    sh -c 'grep -c "^ACI — .* \+[0-9.]\+ \+[0-9.]\+ \+[-+][0-9.]\+" out.txt | grep -qx 12 &&
           grep -q "^total \+[0-9.]\+ \+[0-9.]\+ \+[-+][0-9.]\+" out.txt'
check "the CSV has 12 rows" sh -c '[ "$(tail -n +2 alloc.csv | wc -l)" -eq 12 ]'
check "the allocation spends the envelope, within one place" \
    awk -F, 'NR > 1 { e += $8; w = $3 } END { exit !(e <= 3650.33 + 1e-6 && e > 3650.33 - w) }' alloc.csv
check "every département keeps 90 % of its places" \
    awk -F, 'NR > 1 && $6 < $5 { bad = 1 } END { exit bad }' alloc.csv
check "ARA: the 48 types x départements, grouped by département" status_is 0 "$bin" allocate \
    "$ara" --resource-prefix iae_ --envelope 8739.75 --min-share 0.9 --step 400 --reps 2 \
    --out alloc48.csv --quiet
check "12 départements by their labels, each with its 4 types indented" \
    sh -c 'grep -c "^[^ ].* — publics orientés vers l.IAE  *[0-9.]\+ \+[0-9.]\+" out.txt | grep -qx 12 &&
           grep -c "^  \(ACI\|EI\|AI\|ETTI\) — " out.txt | grep -qx 48'
check "both funders' costs with their 90 % intervals" \
    sh -c 'grep -q "^État (FIE, aide au poste): .* M€ a year \[" out.txt &&
           grep -q "^Départements: .* M€ a year \[" out.txt'
check "the types keep their département's mix (ACI and AI of the Ain move together)" \
    awk -F, '$1 == "iae_aci_ain" { a = $6 / $4 } $1 == "iae_ai_ain" { b = $6 / $4 }
             END { d = a - b; if (d < 0) d = -d; exit !(d < 0.01) }' alloc48.csv
check "a constraint on the ACI alone is taken: their queues are theirs alone" \
    status_is 0 "$bin" allocate "$ara" --resource-prefix iae_aci_ --envelope 4000 \
    --constraint "p90(wait.all) <= 183d" --step 400 --reps 2 --quiet


# Two départements, b twice as loaded as a: 6-month contracts, prescriptions lapsing after 6
# months, 0.5 ETP a place, 10,000 EUR a year per funded ETP from the État.
{
    printf '[model]\nname = Two\nstart = 2020-01\nhorizon = 36\n'
    for d in a:10 b:20; do
        n=${d%%:*} demand=${d#*:}
        printf '\n[population %s]\nentry = work_%s\ninflow.rate = %s/m\nwarmup = 1y\n' "$n" "$n" "$demand"
        printf '\n[state wait_%s]\npopulation = %s\non.give_up = after fixed(6m) -> out\n' "$n" "$n"
        printf '\n[state work_%s]\npopulation = %s\nresource = iae_%s\nqueue = wait_%s\n' "$n" "$n" "$n" "$n"
        printf 'on.end = after exponential(mean=6m) -> out\n'
        printf '\n[resource iae_%s]\nlabel = Département %s\ncapacity = 50\netp.weight = 0.5\n' "$n" "$n"
        printf '\n[cost fie_%s]\nfunder = etat\nper = unit-year\nresource = iae_%s\namount = 10000\n' "$n" "$n"
    done
} > deps.ini
mkdir shared
check "allocate 950,000 EUR with ceilings, a constraint and an overlay: exit 0" status_is 0 \
    "$bin" allocate deps.ini --resource-prefix iae_ --envelope 950000 --in euros --funder etat \
    --max-share 2 --constraint "p90(wait.all) <= 200d" --reps 20 --seeds 2 \
    --scenario shared/deps-shared.ini --out shared/deps.csv --quiet
cp out.txt allocate-deps.txt
check "the lines carry the labels and the 90 % intervals of the waits" \
    grep -q "^Département b  .*\[[0-9.]*, [0-9.]*\]" allocate-deps.txt
check "the ceiling binds: b gets 2 x 50 places = 50 ETP" grep -q "^Département b  *25.00  *50.00 " allocate-deps.txt
check "the spread across seeds is printed" grep -q "^stability: the allocation rerun with 2 independent seeds" allocate-deps.txt
check "the overlay sets both capacities from the start" \
    sh -c 'grep -q "^model = ../deps.ini$" shared/deps-shared.ini && grep -q "^\[set 2020-01\]$" shared/deps-shared.ini &&
           grep -q "^resource.iae_b.capacity = 100$" shared/deps-shared.ini &&
           grep -q "^resource.iae_a.capacity = 90$" shared/deps-shared.ini'
check "the overlay passes parcours check" status_is 0 "$bin" check shared/deps-shared.ini
check "parcours compare takes the overlay as it is" status_is 0 "$bin" compare deps.ini \
    shared/deps-shared.ini --reps 4 --out cmp2 --quiet
check "parcours report takes it as it is" status_is 0 "$bin" report deps.ini \
    shared/deps-shared.ini --reps 4 --out rep2 --quiet
check "ceilings below the floors: exit 1" status_is 1 "$bin" allocate deps.ini \
    --resource-prefix iae_ --envelope 50 --min-share 0.9 --max-share 0.5 --quiet
check "the message says they conflict" grep -q "conflict" err.txt
check "an envelope too small for the constraint: exit 1" status_is 1 "$bin" allocate deps.ini \
    --resource-prefix iae_ --envelope 50 --constraint "p90(wait.all) <= 15d" --reps 4 --quiet
check "the message gives what the constraint needs" grep -q "of which .* to meet --constraint" err.txt
check "nothing written by refused allocations" test ! -e o.ini

# Two types sharing one queue: a constraint on one type alone has no group.
{
    printf '[model]\nname = Shared\nstart = 2020-01\nhorizon = 24\n'
    printf '\n[population p]\nentry = ask\ninflow.rate = 8/m\nwarmup = 1y\n'
    printf '\n[state ask]\non.go = after fixed(1d) -> x:0.5, y:0.5\n'
    printf '\n[state q]\non.give_up = after fixed(3m) -> out\n'
    for r in x y; do
        printf '\n[state %s]\nresource = r_%s\nqueue = q\non.end = after exponential(mean=4m) -> out\n' "$r" "$r"
        printf '\n[resource r_%s]\ncapacity = 10\n' "$r"
        printf '\n[cost c_%s]\nfunder = etat\nper = unit-year\nresource = r_%s\namount = 1000\n' "$r" "$r"
    done
} > shared.ini
check "a constraint whose groups cannot be formed: exit 1" status_is 1 "$bin" allocate \
    shared.ini --resource-prefix r_x --envelope 30 --constraint "p90(wait.all) <= 30d" \
    --reps 2 --scenario o.ini --quiet
check "the message says why" grep -q "cannot be formed: queue q of r_x is also the queue of r_y" err.txt
check "and nothing is written" test ! -e o.ini

finish
