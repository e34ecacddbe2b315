#!/bin/sh
# test_reliability — `parcours` under faults and odd input (issue 16): no hang, no partial
# folder after a signal with two threads, no file deleted that parcours did not write,
# leftovers of interrupted writes removed, a report folder whole or absent, exit codes
# that tell bad input (1) from the machine refusing (4), and odd but legal input accepted.
# Every command runs under `timeout`, so a hang fails the test instead of stopping it.
# usage: sh tests/test_reliability.sh bin/parcours
suite=reliability
. "$(dirname "$0")/lib.sh"
show_stderr=1
mounted=""
cleanup() {
    for m in $mounted; do umount "$m" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
skip() { echo "SKIP reliability: $1"; }
p() { # p ARGS...: parcours with a time limit, stdout in out.txt, stderr in err.txt
    timeout 60 "$bin" "$@" >out.txt 2>err.txt
}
status_is() { # status_is N ARGS...: here the arguments of parcours, run with p
    want=$1
    shift
    p "$@"
    [ $? -eq "$want" ]
}
says() { grep -qF -- "$1" err.txt; }
no_leftover() { # no_leftover DIR: nothing named DIR.tmp-* or DIR.old-* beside it
    ! ls -d "$1".tmp-* "$1".old-* >/dev/null 2>&1
}
is_run() { # is_run DIR: a complete run folder
    for f in monthly.csv yearly.csv replications.csv survival.csv manifest.ini; do
        [ -s "$1/$f" ] || return 1
    done
}

cat > m.ini <<'INI'
[model]
name = Fiabilité
start = 2020-01
horizon = 12

[population p]
entry = a
initial.count = 200
inflow.rate = 120/y

[state a]
on.x = hazard 0.1/m -> b

[state b]
on.y = hazard 0.1/m -> gone

[state gone]
outside = yes
INI
sed 's/horizon = 12/horizon = 240/; s/initial.count = 200/initial.count = 3000/' m.ini > slow.ini

# ---- 7: data loss ----------------------------------------------------------------------
# A folder with a file named manifest.ini and other files is not a run folder: refused
# (exit 1, naming a file it holds), and nothing in it is touched.
mkdir thesis && echo "not parcours" > thesis/manifest.ini && echo "chapter 1" > thesis/thesis.docx
check "a folder with a foreign manifest.ini and other files is refused (exit 1)" \
    status_is 1 run m.ini --reps 2 --out thesis --quiet
check "the refusal names a file the folder holds" says "thesis.docx"
check "nothing in it is deleted" sh -c '[ "$(cat thesis/thesis.docx)" = "chapter 1" ] &&
    [ "$(cat thesis/manifest.ini)" = "not parcours" ] && [ $(ls thesis | wc -l) -eq 2 ]'
check "no leftover beside it" no_leftover thesis
# A run folder with a file added by hand is refused too, the file kept.
check "a run into a new folder succeeds" status_is 0 run m.ini --reps 2 --out r --quiet
echo "notes" > r/notes.txt
check "a run folder holding a file parcours did not write is refused (exit 1)" \
    status_is 1 run m.ini --reps 2 --out r --quiet
check "the message names the foreign file" says "notes.txt"
check "the foreign file is kept" test -f r/notes.txt
rm r/notes.txt
check "a run folder parcours wrote is replaced (exit 0)" \
    status_is 0 run m.ini --reps 3 --out r
check "the replacement says which run it replaced" says "replaced r: the run of"
check "the new run is in place" grep -q "^replications = 3" r/manifest.ini
# charts drawn by `parcours plot` are parcours's own: the folder is still replaced
if p plot r; then
    check "a run folder with the charts plot drew is replaced" \
        status_is 0 run m.ini --reps 2 --out r --quiet
else
    skip "plot failed (gnuplot missing?): charts in a run folder not tested"
fi

# ---- 6: leftovers, --out at the current folder or a parent of the model --------------------
# What SIGKILL leaves: a locked-by-nobody temporary marked partial, and an empty .old-.
mkdir -p r.tmp-Ab12Cd r.old-Zz99Yy && : > r.tmp-Ab12Cd/.parcours-partial &&
    echo "scenario,variable" > r.tmp-Ab12Cd/monthly.csv
mkdir -p keep.tmp-Ab12Cd && echo "mine" > keep.tmp-Ab12Cd/mine.txt # not beside r: left alone
mkdir -p r.tmp-Foreig && echo "mine" > r.tmp-Foreig/mine.txt       # not marked: left alone
check "a later run into the same folder succeeds" status_is 0 run m.ini --reps 2 --out r
check "it removes the interrupted write's temporary" test ! -e r.tmp-Ab12Cd
check "it removes the empty folder moved aside" test ! -e r.old-Zz99Yy
check "and says so" says "removed what interrupted writes left"
check "a temporary it did not mark is left alone" test -f r.tmp-Foreig/mine.txt
check "another folder's temporary is left alone" test -f keep.tmp-Ab12Cd/mine.txt
rm -rf r.tmp-Foreig keep.tmp-Ab12Cd
mkdir -p sub && cp m.ini sub/m.ini
check "--out . is refused (exit 1)" sh -c 'cd sub && timeout 60 "$0" run m.ini --reps 2 --out . \
    >/dev/null 2>../err.txt; [ $? -eq 1 ]' "$bin"
check "the message says it is the current folder" says "current folder"
check "nothing in the current folder was touched" sh -c '[ "$(ls -A sub)" = m.ini ]'
check "--out a parent of the current folder is refused (exit 1)" sh -c 'cd sub && timeout 60 \
    "$0" run m.ini --reps 2 --out .. >/dev/null 2>../err.txt; [ $? -eq 1 ]' "$bin"
mkdir -p holder && cp m.ini holder/model.ini
check "--out the folder holding the model is refused (exit 1)" \
    status_is 1 run holder/model.ini --reps 2 --out holder --quiet
check "the message names the model" says "holder/model.ini"
check "the model is kept" test -f holder/model.ini
# a run's own manifest, run again in place, replaces its folder
check "a manifest rerun into its own folder succeeds" status_is 0 run r/manifest.ini --quiet
check "the rerun folder is complete" is_run r

# ---- 5: signals with two threads -----------------------------------------------------
# SIGTERM and SIGHUP at spread-out moments of a run with --threads 2 (the computation,
# the writing, the end): afterwards the folder is complete or absent, never partial,
# and no temporary is left.  The exit status is the signal's (128 + n) or 0 when the
# run ended first.  (SIGINT is ignored by background jobs of a non-interactive shell:
# parcours keeps it ignored, as documented; the three are handled alike.)
sig_ok=1
sig_seen=0
# the run is sized to last about 1.5 s on this machine, so that the delays below fall
# before, during and after its replications and its writing
t0=$(date +%s.%N)
"$bin" run slow.ini --reps 150 --out s --threads 2 --quiet 2>/dev/null
t1=$(date +%s.%N)
sig_reps=$(awk -v a="$t0" -v b="$t1" 'BEGIN { r = int(150 * 1.5 / (b - a + 1e-3));
    print (r < 150 ? 150 : (r > 200000 ? 200000 : r)) }')
exec 3>&2 2>/dev/null # the shell's "Terminated" notes
for delay in 0.2 0.5 0.8 1.1 1.4 1.7 2.0 2.5; do
    for sig in TERM HUP; do
        rm -rf s
        "$bin" run slow.ini --reps "$sig_reps" --out s --threads 2 --quiet 2>sig.txt &
        pid=$!
        sleep "$delay"
        kill -"$sig" "$pid" 2>/dev/null
        wait "$pid"
        rc=$?
        [ "$rc" -ne 0 ] && sig_seen=$((sig_seen + 1))
        case $rc in 0 | 129 | 143) ;; *) sig_ok=0; echo "     $sig at ${delay}s: exit $rc" ;; esac
        if [ -e s ] && ! is_run s; then sig_ok=0; echo "     $sig at ${delay}s: partial folder"; fi
        if ! no_leftover s; then sig_ok=0; echo "     $sig at ${delay}s: temporary left"; fi
    done
done
exec 2>&3 3>&-
check "SIGTERM/SIGHUP with 2 threads: the folder whole or absent, no temporary left" \
    test "$sig_ok" -eq 1
check "some signals arrived before the run ended ($sig_seen of 16, runs of $sig_reps replications)" \
    test "$sig_seen" -gt 0

# ---- 8: report is atomic ----------------------------------------------------------------
sed 's/hazard 0.1\/m -> b/hazard 0.1\/m -> nowhere/' m.ini > bad.ini
check "report with a bad second scenario fails (exit 1)" \
    status_is 1 report m.ini bad.ini --reps 2 --out rep --quiet
check "and leaves no report folder" test ! -e rep
check "and no temporary" no_leftover rep
mkdir rep && echo "x" > rep/other.txt
check "report into a folder it did not write is refused (exit 1)" \
    status_is 1 report m.ini --reps 2 --out rep --quiet
check "the foreign file is kept" test -f rep/other.txt
rm -rf rep
p report m.ini --reps 2 --out rep --quiet
rc=$?
if [ "$rc" -eq 0 ] || [ "$rc" -eq 1 ]; then # 1: gnuplot missing, the page is kept
    check "a report folder lists the files parcours wrote" \
        grep -q "^# parcours folder: report of" rep/parcours-files.txt
    check "a second report replaces the first" status_is "$rc" report m.ini --reps 3 --out rep
    check "and says so" says "replaced rep: the report of"
else
    check "report writes its folder (exit $rc)" false
fi

# ---- 9: exit codes -----------------------------------------------------------------------
check "a missing model: exit 1" status_is 1 check nosuch.ini
check "it names the path once, with the cause" sh -c \
    'grep -q "nosuch.ini: cannot open: No such file" err.txt && [ $(grep -o nosuch.ini err.txt | wc -l) -eq 1 ]'
check "--out a file: exit 1" sh -c ': > afile && timeout 60 "$0" run m.ini --reps 2 --out afile \
    --quiet 2>err.txt; [ $? -eq 1 ]' "$bin"
# the machine refusing: a read-only file system, a full one (tmpfs mounts, root only)
if [ "$(id -u)" -eq 0 ] && mkdir ro full && mount -t tmpfs -o ro,size=64k tmpfs ro 2>/dev/null &&
    mount -t tmpfs -o size=64k tmpfs full 2>/dev/null; then
    mounted="$tmp/ro $tmp/full"
    check "a read-only file system: exit 4" status_is 4 run m.ini --reps 2 --out ro/r --quiet
    check "the message names the path and the cause" says "Read-only file system"
    check "no space left: exit 4" status_is 4 run slow.ini --reps 20 --out full/r --quiet
    check "the message names the file and the cause" says "No space left on device"
    check "nothing is left on the full file system" sh -c '[ -z "$(ls -A full)" ]'
else
    skip "not root or no tmpfs: read-only and full file systems not tested"
fi

# ---- 1-4, 10-15: input ----------------------------------------------------------------------
# Each is refused at `check` with file:line (exit 1) and in bounded time (timeout 60).
sed 's/on.x = hazard 0.1\/m -> b/on.x = after fixed(0d) -> b/; s/on.y = hazard 0.1\/m -> gone/on.y = after fixed(0d) -> a/' \
    m.ini > cycle.ini
check "a cycle of zero-time transitions is refused (exit 1)" status_is 1 check cycle.ini
check "naming the states of the cycle" says "a -> b"
sed 's/hazard 0.1\/m -> b/hazard 1e300\/d -> b/; s/hazard 0.1\/m -> gone/hazard 1e300\/d -> a/' \
    m.ini > fast.ini
check "an absurd hazard is refused with the limit (exit 1)" status_is 1 check fast.ini
check "the message gives the limit" says "1000/d"
sed 's/120\/y/1e308\/y/' m.ini > inflow.ini
check "an absurd inflow is refused with the limit (exit 1)" status_is 1 run inflow.ini --reps 1 --out i
check "the message gives the limit" says "10000000/m"
printf '[uncertain(x)]\nk = uncertain normal(mean=1, sd=1)\n' > inline.ini
check "[uncertain(x)] with an inline law ends (exit 1)" status_is 1 check inline.ini
mkfifo fifo.csv
sed 's/hazard 0.1\/m -> b/hazard table(state; fifo.csv) -> b/' m.ini > fifo.ini
check "a FIFO as a table is refused (exit 1)" status_is 1 check fifo.ini
check "as not a regular file" says "not a regular file"
for law in "fixed(1e308y)" "lognormal(mean=1d, sd=1e308y)"; do
    sed "s/hazard 0.1\/m -> b/after $law -> b/" m.ini > inf.ini
    check "after $law is refused (exit 1)" status_is 1 check inf.ini
done
for v in "replications = 0" "replications = -1" "replications = 9999999999" "seed = 4294967296"; do
    { cat m.ini; printf '[run]\n%s\n' "$v"; } > manifest.ini
    check "a manifest's [run] $v is refused at check, naming its line" \
        sh -c 'timeout 60 "$0" check manifest.ini 2>err.txt >/dev/null; [ $? -eq 1 ] &&
            grep -q "manifest.ini:20: " err.txt' "$bin"
done
{ cat m.ini; printf '[run]\nreplications = 0\n'; } > manifest.ini
check "--reps does not hide a bad [run] replications" \
    status_is 1 run manifest.ini --reps 2 --out mr --quiet
printf '[scenario]\nextends = b.ini\n' > a.ini
printf '[scenario]\nextends = a.ini\n' > b.ini
check "a cycle of extends is refused naming the line" \
    sh -c 'timeout 60 "$0" check a.ini 2>err.txt; [ $? -eq 1 ] && grep -q "\.ini:2: extends" err.txt' "$bin"
printf '[scenario]\nextends = /dev/zero\n' > z.ini
check "extends = /dev/zero is refused naming the line" \
    sh -c 'timeout 60 "$0" check z.ini 2>err.txt; [ $? -eq 1 ] && grep -q "z.ini:2: extends" err.txt' "$bin"
mkdir -p adir && printf '[scenario]\nextends = adir\n' > zd.ini
check "extends = a folder is refused naming the line" \
    sh -c 'timeout 60 "$0" check zd.ini 2>err.txt; [ $? -eq 1 ] && grep -q "zd.ini:2: extends" err.txt' "$bin"
# legal oddities: a byte-order mark, long state names, labels of any text
{ printf '\357\273\277'; cat m.ini; } > bom.ini
check "a UTF-8 byte-order mark before [model] is accepted" status_is 0 check bom.ini
long=b_uncertain_state_with_a_name_longer_than_inih_s_fifty_characters
sed "s/\[state b\]/[state $long]/; s/-> b\$/-> $long/" m.ini > long.ini
check "a state name of 63 characters holding 'uncertain' is accepted" status_is 0 check long.ini
sed "s/\[state a\]/[state a]\nlabel = 'l''attente \"x\" \\\\ \$HOME @a \`id\` uncertain/" m.ini > label.ini
check "a label of quotes, backslash, \$, @, backtick and 'uncertain' is accepted" \
    status_is 0 run label.ini --reps 2 --out lab --quiet
if p plot lab; then
    check "plot draws its charts" sh -c 'ls lab/charts/*.png >/dev/null'
    check "report draws every chart of such labels, and the differences (exit 0)" \
        status_is 0 report label.ini m.ini --reps 2 --out labrep --quiet
    check "with no chart failing" sh -c '! grep -qiE "fail|error|erreur" err.txt'
else
    skip "plot failed (gnuplot missing?): labels in charts not tested"
fi

finish
