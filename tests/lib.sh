# lib — what the end-to-end scripts share; each sources it at its top:
#
#     suite=NAME
#     . "$(dirname "$0")/lib.sh"
#
# with the parcours binary as its first argument.  Sets bin (that binary, made
# absolute), root (the project), tmp (a scratch folder, removed at exit, made the
# current folder), passed and failed; defines
#     check DESCRIPTION COMMAND...   passes when the command succeeds: "ok   NAME: ..."
#                                    or "FAIL NAME: ..." (with the first lines of
#                                    err.txt when show_stderr is set)
#     status_is N COMMAND...         the command exits N (stdout in out.txt, stderr in
#                                    err.txt)
#     finish                         "NAME: N passed, N failed"; exits 1 on a failure.
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/parcours-$suite-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 3
passed=0
failed=0
show_stderr=""
check() {
    desc=$1
    shift
    if "$@" >/dev/null 2>&1; then
        passed=$((passed + 1)); echo "ok   $suite: $desc"
    else
        failed=$((failed + 1)); echo "FAIL $suite: $desc"
        if [ -n "$show_stderr" ] && [ -f err.txt ]; then
            sed 's/^/     stderr: /' err.txt | head -3
        fi
    fi
}
status_is() {
    want=$1
    shift
    "$@" >out.txt 2>err.txt
    [ $? -eq "$want" ]
}
finish() {
    echo "$suite: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
