#!/bin/sh
# seeds — the starting corpus of `make fuzz`: each shipped model made self-contained in
# the harness's input format (comments dropped, its tables appended after "====" lines
# and named t1.csv, t2.csv, ... as the harness writes them), the scenarios as written,
# and the hand-written seeds tests/fuzz/*.txt.
# usage: sh tests/fuzz/seeds.sh CORPUS_DIR
set -eu
corpus=$1
mkdir -p "$corpus"
for model in models/*/*.ini; do
    dir=$(dirname "$model")
    out="$corpus/model-$(basename "$dir")-$(basename "$model" .ini).txt"
    tables=$(grep -o 'table([^)]*)' "$model" | sed 's/table(\(.*\))/\1/; s/^.*; *//' | sort -u)
    script=""
    n=0
    for table in $tables; do
        n=$((n + 1))
        script="$script s|table(\([^)]*[;,] *\)\{0,1\}$table)|table(\1t$n.csv)|g;"
    done
    grep -v '^[[:space:]]*[;#]' "$model" | grep -v '^[[:space:]]*$' | sed 's/[[:space:]];.*$//' |
        sed "$script" > "$out"
    for table in $tables; do
        printf '====\n' >> "$out"
        cat "$dir/$table" >> "$out"
        if [ -n "$(tail -c 1 "$dir/$table")" ]; then echo >> "$out"; fi
    done
done
for scenario in scenarios/*/*.ini; do
    cp "$scenario" "$corpus/scenario-$(basename "$(dirname "$scenario")")-$(basename "$scenario")"
done
cp tests/fuzz/*.txt "$corpus/"
