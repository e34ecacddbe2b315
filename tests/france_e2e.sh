#!/bin/sh
# france_e2e — scripts/make_france.py as a user meets it: it rewrites models/france/ exactly as
# shipped, the national baseline passes `parcours check`, and broken copies of the DREES data (a
# département code that is not one, a missing column, a negative count, ...) are refused with
# exit status 1 and a message naming the file and the line.
# usage: sh tests/france_e2e.sh bin/parcours
suite=france-e2e
. "$(dirname "$0")/lib.sh"
if ! command -v python3 >/dev/null 2>&1; then
    echo "SKIP france-e2e: python3 not installed"
    exit 0
fi
gen=$root/scripts/make_france.py

check "the national baseline passes parcours check" status_is 0 "$bin" check \
    "$root/scenarios/france/baseline.ini"
check "the generator rewrites models/france/ as shipped" status_is 0 python3 "$gen" --out model
check "... every file identical (diff -r)" diff -r model "$root/models/france"

# broken copies of the data: copy, break one thing, expect exit 1 and FILE:LINE in the message
fresh() {
    rm -rf data && mkdir -p data/derived
    cp "$root"/data/drees/*.csv data/
    cp "$root"/data/drees/derived/growth.csv "$root"/data/drees/derived/driver_mapping.csv \
        data/derived/
}
refused() { # refused DESCRIPTION PATTERN: the generator exits 1 and stderr matches PATTERN
    check "$1: exit 1" status_is 1 python3 "$gen" --data data --out broken
    check "$1: the message says '$2'" grep -q "$2" err.txt
    check "$1: nothing written" test ! -e broken
}
fresh
sed 's/^26,Drôme,2017,/99,Drôme,2017,/' "$root/data/drees/rsa_foyers_annuel.csv" \
    >data/rsa_foyers_annuel.csv
line=$(grep -n '^99,' data/rsa_foyers_annuel.csv | cut -d: -f1)
refused "a département code not in the data" \
    "rsa_foyers_annuel.csv:$line: département code '99' is not one of the 101 départements"
fresh
sed 's/^05,Hautes-Alpes,2018,/5,Hautes-Alpes,2018,/' "$root/data/drees/rsa_depenses_annuel.csv" \
    >data/rsa_depenses_annuel.csv
line=$(grep -n '^5,' data/rsa_depenses_annuel.csv | cut -d: -f1)
refused "a code written without its zero" \
    "rsa_depenses_annuel.csv:$line: département code '5' is not one of the 101 départements"
fresh
sed 's/^\(departement,nom,annee,foyers_31dec\),adultes_31dec/\1,adultes/' \
    "$root/data/drees/rsa_foyers_annuel.csv" >data/rsa_foyers_annuel.csv
refused "a missing column" "rsa_foyers_annuel.csv:1: missing column 'adultes_31dec'"
fresh
sed 's/^69,Rhône,2018-03,46010,/69,Rhône,2018-03,-46010,/' \
    "$root/data/drees/rsa_foyers_mensuel.csv" >data/rsa_foyers_mensuel.csv
line=$(grep -n '^69,Rhône,2018-03' data/rsa_foyers_mensuel.csv | cut -d: -f1)
refused "a negative count" \
    "rsa_foyers_mensuel.csv:$line: foyers_fin_de_mois: negative count -46010"
fresh
sed 's/^26,Drôme,2018,12077,/26,Drôme,2018,-12077,/' "$root/data/drees/rsa_foyers_annuel.csv" \
    >data/rsa_foyers_annuel.csv
line=$(grep -n '^26,Drôme,2018' data/rsa_foyers_annuel.csv | cut -d: -f1)
refused "a negative count at 31 December" \
    "rsa_foyers_annuel.csv:$line: foyers_31dec: negative count -12077"
fresh
sed 's/^26,Drôme,2017-05,12230,/26,Drôme,2017-05,douze,/' \
    "$root/data/drees/rsa_foyers_mensuel.csv" >data/rsa_foyers_mensuel.csv
line=$(grep -n '^26,Drôme,2017-05' data/rsa_foyers_mensuel.csv | cut -d: -f1)
refused "a count that is not a number" \
    "rsa_foyers_mensuel.csv:$line: foyers_fin_de_mois: 'douze' is not a number"
fresh
grep -v '^01,Ain,2018-07,' "$root/data/drees/rsa_foyers_mensuel.csv" >data/rsa_foyers_mensuel.csv
refused "a missing month" "rsa_foyers_mensuel.csv: no value for département 01 in 2018-07"

finish
