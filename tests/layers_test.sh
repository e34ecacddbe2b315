#!/bin/sh
# layers_test — the layer checker (tests/layers.sh) catches what it must, and only that.
#
# usage: sh tests/layers_test.sh
#
# Each case copies sim/ into a temporary folder, adds one line to one file, and
# runs the checker on the copy: a violating line must fail it with a message
# naming the file and line, an allowed one must leave it passing.  The real
# tree must pass.  Ends with "layers-test: N passed, N failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/parcours-layers-XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
passed=0
failed=0

result() { # result OK DESCRIPTION
    if [ "$1" -eq 0 ]; then
        passed=$((passed + 1)); echo "ok   layers: $2"
    else
        failed=$((failed + 1)); echo "FAIL layers: $2"
    fi
}

# case WANT FILE LINE DESCRIPTION: WANT is "fails" or "passes"
case_of() {
    want=$1 file=$2 text=$3 desc=$4
    rm -rf "$tmp/sim"
    cp -R "$root/sim" "$tmp/sim"
    printf '%s\n' "$text" >>"$tmp/sim/$file"
    lines=$(wc -l <"$tmp/sim/$file" | tr -d ' ')
    sh "$here/layers.sh" "$tmp/sim" >"$tmp/out.txt" 2>&1
    rc=$?
    if [ "$want" = fails ]; then
        [ "$rc" -ne 0 ] && grep -q "sim/$file:$lines: " "$tmp/out.txt"
        result $? "$desc: caught ($(grep "sim/$file:$lines: " "$tmp/out.txt" | head -1 | sed 's/.*: //'))"
    else
        [ "$rc" -eq 0 ]
        result $? "$desc: allowed"
    fi
}

sh "$here/layers.sh" "$root/sim" >"$tmp/out.txt" 2>&1
result $? "the tree as it is passes"

case_of fails core/mc.c '#include "study/cmp.h"' "core includes a study header"
case_of fails core/out.h '#include "present/plot.h"' "core includes a present header"
case_of fails core/fsio.c '#include "cli/opt.h"' "core includes a cli header"
case_of fails study/cmp.c '#include "present/plot.h"' "study includes a present header"
case_of fails study/sens.h '#include "cli/opt.h"' "study includes a cli header"
case_of fails present/report.c '#include "cli/cli.h"' "present includes a cli header"
case_of fails study/cmp.c '#include "mdl.h"' "a bare include of another folder's header"
case_of fails core/out.c '#include "../cli/opt.h"' "an include climbing out of its folder"
case_of fails study/runs.c '#include "study/cmp.h"' "an include naming its own folder"
case_of fails study/runs.c '#include "extra/x.h"' "an include of a folder that is no layer"
case_of fails study/runs.c 'static void say(void) { fputs("x", stderr); }' "a library file printing"
case_of fails present/plot.c 'static int tty(void) { return isatty(2); }' "a library file asking for a terminal"
case_of passes cli/cmd_check.c '#include "present/plot.h"' "cli includes a present header"
case_of passes present/report.c '#include "study/cmp.h"' "present includes a study header"
case_of passes study/runs.c '/* stderr in a comment */' "stderr named in a comment"

echo "layers-test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
