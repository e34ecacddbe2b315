#!/bin/sh
# mpi_e2e — `mpirun -np N parcours-mpi run` (and `calibrate`) writes the same files as one process:
# replication r uses the streams of (seed, r) whichever rank runs it, and the
# replications left over when they do not divide among the ranks are shared by
# territories (départements): each rank draws some, their counts are summed.
# usage: sh tests/mpi_e2e.sh bin/parcours bin/parcours-mpi
mpibin=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
suite=mpi
. "$(dirname "$0")/lib.sh"
national=$root/models/france/test/rsa3.ini
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
if ! mpirun -np 2 true >mpirun.log 2>&1; then
    echo "SKIP mpi: mpirun cannot start 2 ranks here: $(head -n 3 mpirun.log | tr '\n' ' ')"
    exit 0
fi
cat > model.ini <<'INI'
[model]
name = MPI
start = 2020-01
horizon = 24

[population p]
entry = a
inflow.rate = 600/y
initial.count = 500
initial.state = a:0.5, b:0.5

[parameter effet]
value = uncertain uniform(min=0.8, max=1.2)

[state a]
on.go = after lognormal(mean=${effet}m, sd=1m) -> b:0.6, out:0.4

[state b]
resource = places
queue = q
on.end = after gamma(shape=2, mean=6m) -> gone

[state q]
on.leave = hazard 0.1/m -> out

[state gone]
outside = yes
on.back = with 0.3 after exponential(mean=6m) -> a

[resource places]
capacity = 2020-01:200, 2021-01:260
INI
check "threaded run" "$bin" run model.ini --reps 7 --seed 9 --threads 2 --out t --quiet
check "two ranks" mpirun -np 2 "$mpibin" run model.ini --reps 7 --seed 9 --threads 1 --out m2 --quiet
check "three ranks" mpirun -np 3 "$mpibin" run model.ini --reps 7 --seed 9 --threads 1 --out m3 --quiet
for f in monthly.csv yearly.csv replications.csv survival.csv; do
    check "$f: 2 ranks = threads" cmp t/$f m2/$f
    check "$f: 3 ranks = threads" cmp t/$f m3/$f
done
# The national model reduced to three départements: 1 replication (shared by
# départements between the 2 ranks) and 3 (2 by replication, the third by départements).
for reps in 1 3; do
    check "national, $reps replication(s): threaded run" \
        "$bin" run "$national" --reps $reps --seed 4 --threads 1 --out nt$reps --quiet
    check "national, $reps replication(s): two ranks" \
        mpirun -np 2 "$mpibin" run "$national" --reps $reps --seed 4 --threads 1 --out nm$reps --quiet
    for f in monthly.csv yearly.csv replications.csv survival.csv; do
        check "national, $reps replication(s), $f: 2 ranks sharing départements = threads" \
            cmp nt$reps/$f nm$reps/$f
    done
done
# The calibration of the national model reduced to three départements: each
# département's inflow and initial foyers fitted to its foyers at the end of 2017 and
# 2018, one simplex per département in lock step; every simulator call shares its
# replications between the 2 ranks (3 replications: 2 by replication, the third by
# départements).  The overlay and the fit report must be those of one process.
cat > targets.csv <<'CSV'
variable,when,value,weight
stock.d05,2017-12,2840,1
stock.d05,2018-12,2898,1
stock.d26,2017-12,11917,1
stock.d26,2018-12,12077,1
stock.d69,2017-12,45776,1
stock.d69,2018-12,46680,1
CSV
free="--free population.d05.inflow.rate=30/m:90/m --free population.d05.initial.count=2500:4500"
free="$free --free population.d26.inflow.rate=150/m:350/m --free population.d26.initial.count=10000:20000"
free="$free --free population.d69.inflow.rate=600/m:1300/m --free population.d69.initial.count=40000:70000"
# shellcheck disable=SC2086
check "calibrate, national: one process" \
    "$bin" calibrate "$national" --targets targets.csv $free --reps 3 --threads 1 --max-iter 12 \
    --out one.ini --quiet
# shellcheck disable=SC2086
check "calibrate, national: two ranks" \
    mpirun -np 2 "$mpibin" calibrate "$national" --targets targets.csv $free --reps 3 --threads 1 \
    --max-iter 12 --out two.ini --quiet
check "calibrate, national: 2 ranks write the overlay of one process" cmp one.ini two.ini
check "calibrate, national: 2 ranks write the fit report of one process" \
    cmp one-report.csv two-report.csv
check "other commands refuse several ranks" sh -c "! mpirun -np 2 '$mpibin' check model.ini"
finish
