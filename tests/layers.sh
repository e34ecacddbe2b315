#!/bin/sh
# layers — the layering of the sources, checked: each layer uses only those before it.
#
# usage: sh tests/layers.sh [SIM_DIR]      (default sim; exit 1 on any violation)
#
# The sources sit in one folder per layer, in this order: core (model, engine,
# Monte Carlo, files), study (compare, sensitivity, calibration, capacity),
# present (charts, report), cli (the command).  The library is the first three.
# The only include path is -Isim, so an include across folders is written with
# its folder ("core/mdl.h") and one within a folder bare ("mdl.h").  Violations:
#   - an include of a later layer (core including study, present or cli; study
#     including present or cli; present including cli);
#   - a bare include that is not a file of the same folder, an include naming
#     its own folder, an unknown folder, or a path with "..";
#   - a library file (core, study, present) that prints or asks for a terminal
#     (stdout, stderr, isatty): the library reports through statuses, results
#     and callbacks, and only the command prints.
# Each violation is printed as FILE:LINE: what is wrong.
set -u
root=${1:-sim}
violations=0

rank() {
    case $1 in
    core) echo 0 ;;
    study) echo 1 ;;
    present) echo 2 ;;
    cli) echo 3 ;;
    *) echo -1 ;;
    esac
}

violation() { # violation FILE LINE MESSAGE
    echo "$1:$2: $3"
    violations=$((violations + 1))
}

check_include() { # check_include FILE LINE LAYER TARGET
    file=$1 line=$2 layer=$3 target=$4
    case $target in
    *..*)
        violation "$file" "$line" "include \"$target\" climbs out of its folder: write FOLDER/NAME"
        return ;;
    */*) ;;
    *)
        [ -f "$root/$layer/$target" ] ||
            violation "$file" "$line" "include \"$target\" is not in $layer/: write FOLDER/$target"
        return ;;
    esac
    folder=${target%%/*}
    theirs=$(rank "$folder")
    ours=$(rank "$layer")
    if [ "$theirs" -lt 0 ]; then
        violation "$file" "$line" "include \"$target\": $folder is not a layer (core, study, present, cli)"
    elif [ "$folder" = "$layer" ]; then
        violation "$file" "$line" "include \"$target\" names its own folder: write it bare"
    elif [ "$theirs" -gt "$ours" ]; then
        violation "$file" "$line" "$layer includes $folder (\"$target\"): a layer uses only those before it"
    fi
}

for file in "$root"/*/*.c "$root"/*/*.h; do
    [ -f "$file" ] || continue
    layer=$(basename "$(dirname "$file")")
    if [ "$(rank "$layer")" -lt 0 ]; then
        violation "$file" 1 "not in a layer folder (core, study, present, cli)"
        continue
    fi
    includes=$(awk '/^[ \t]*#[ \t]*include[ \t]*"/ {
                        match($0, /"[^"]*"/); print FNR ":" substr($0, RSTART + 1, RLENGTH - 2) }' "$file")
    for include in $includes; do
        check_include "$file" "${include%%:*}" "$layer" "${include#*:}"
    done
    if [ "$layer" != cli ]; then
        # code only: comments may speak of gnuplot's stderr
        prints=$(awk '{ code = $0; sub(/\/\*.*$/, "", code) }
                      code ~ /^[ \t]*\*/ { next }
                      code ~ /(^|[^A-Za-z0-9_])(stdout|stderr|isatty)([^A-Za-z0-9_]|$)/ { print FNR }' "$file")
        for line in $prints; do
            violation "$file" "$line" "the library prints or asks for a terminal: only sim/cli does"
        done
    fi
done

if [ "$violations" -gt 0 ]; then
    echo "layers: $violations violations"
    exit 1
fi
echo "layers: each layer uses only those before it; the library does not print"
