#!/bin/sh
# report_e2e — `parcours report` end to end: a small model, two scenarios, the page rendered by Chromium.
#
# Usage: sh tests/report_e2e.sh bin/parcours
#
# Writes a one-population model with a waiting list, a cost per funder and a
# staff line into a scratch folder, runs `parcours report` on a baseline and a
# variant, and checks: exit 0, the run files, every <img> and link of index.html
# resolving to a file of the folder, and no external address.  Then, when
# `chromium` is on PATH, it loads a copy of the page with a small script that
# writes each image's naturalWidth into the DOM, dumps the DOM after load and
# checks every image decoded, and takes a screenshot.  Without Chromium it prints
# a SKIP line for that part.  It also checks that without gnuplot the command
# says so, exits 1 and still writes the run files.  Ends with "N passed, N failed".
set -u
BIN=${1:?usage: sh tests/report_e2e.sh path/to/parcours}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
ROOT=$(cd "$(dirname "$0")/.." && pwd)
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   report-e2e: $1"; }
bad() { failed=$((failed + 1)); echo "FAIL report-e2e: $1"; }
check() { if [ "$1" = 0 ]; then ok "$2"; else bad "$2"; fi; }

work=$(mktemp -d "${TMPDIR:-/tmp}/parcours-report-XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

cat >"$work/model.ini" <<'EOF'
[model]
name = Territoire d'essai — RSA
start = 2020-01
horizon = 72

[population rsa]
label = Allocataires du RSA
entry = orientation
inflow.rate = 600/y
initial.count = 800
initial.state = orientation:0.1, suivi:0.9

[state orientation]
label = En attente d'orientation
on.oriented = after lognormal(mean=90d, sd=40d) -> suivi
on.left = hazard 0.01/m -> out

[state suivi]
label = Accompagné
on.job = hazard 0.02/m -> out
on.iae = hazard 0.01/m -> iae

[state iae_queue]
label = En attente d'un poste IAE
on.left = hazard 0.02/m -> out
on.give_up = after fixed(6m) -> suivi

[state iae]
label = Salarié en IAE
resource = iae_places
queue = iae_queue
on.end = after gamma(shape=4, mean=10m) -> out:0.4, suivi:0.6

[resource iae_places]
label = Postes IAE
capacity = 40
etp.weight = 0.7

[cost allocation]
label = Allocation RSA
funder = departement
per = person-month
states = orientation, suivi, iae_queue
amount = 500

[cost aide_poste]
label = Aide au poste
funder = etat
per = unit-year
resource = iae_places
amount = 20000

[staff referents]
label = Référents
states = suivi
caseload = 100

[indicator sorties_emploi]
label = Part des sorties vers l'emploi
kind = ratio
numerator = flow.suivi.job
denominator = exits.rsa
target = >= 86.2%
EOF
cat >"$work/baseline.ini" <<'EOF'
[scenario]
label = Référence « telle quelle »
model = model.ini
EOF
cat >"$work/more-iae.ini" <<'EOF'
[scenario]
label = Plus de postes IAE (+50 %) & <orientation>
extends = baseline.ini
description = Un scénario d'essai.

[set 2021-01]
resource.iae_places.capacity = 60
EOF

out="$work/report"
"$BIN" report "$work/baseline.ini" "$work/more-iae.ini" --reps 12 --seed 3 --out "$out" \
    >"$work/stdout" 2>"$work/stderr"
rc=$?
check "$rc" "parcours report exits 0 (exit $rc)"
[ "$rc" = 0 ] || sed 's/^/     /' "$work/stderr"
grep -q "index.html" "$work/stdout"
check $? "it prints where the page is"
for f in baseline/monthly.csv baseline/yearly.csv baseline/manifest.ini more-iae/replications.csv \
    more-iae/charts/fan-stock.rsa.png more-iae/charts/fan-stock.rsa.svg \
    compare/budget-funder.png key-figures.csv index.html parcours.xlsx; do
    [ -s "$out/$f" ]
    check $? "$f written"
done
# the workbook is a zip archive (an .xlsx file) holding the key-figures sheet
[ "$(head -c 2 "$out/parcours.xlsx")" = "PK" ] && ! [ -e "$out/rapport.pdf" ]
check $? "parcours.xlsx is a zip archive; no rapport.pdf without --pdf"
grep -q 'seed = 3' "$out/baseline/manifest.ini" && grep -q 'seed = 3' "$out/more-iae/manifest.ini"
check $? "both scenarios ran with the same seed"

# the gnuplot scripts kept in the report name the report folder, not its temporary, and rerun
! grep -rq --include='*.gp' '\.tmp-' "$out" && gnuplot "$out/distribution/dist-charts.gp" 2>/dev/null
check $? "the kept gnuplot scripts name the report folder and rerun (dist-charts.gp)"

# the plan's indicator over the run, and the probability of meeting its target: the share of
# the replications whose value in replications.csv is >= 0.862 (a target near the median, so the share is neither 0 nor 1)
col=$(head -1 "$out/baseline/replications.csv" | tr ',' '\n' | grep -n -x 'indicator.sorties_emploi' | cut -d: -f1)
share=$(awk -F, -v c="$col" 'NR > 1 { n++; if ($c >= 0.862) m++ } END { printf "%.10g", m / n }' \
    "$out/baseline/replications.csv")
shown=$(grep "^\"\?Part des sorties vers l'emploi : probabilit.*,baseline," "$out/key-figures.csv" | cut -d, -f6)
[ -n "$col" ] && [ -n "$shown" ] && awk -v a="$shown" -v b="$share" 'BEGIN { exit !(a == b) }'
check $? "key figures: P(sorties_emploi >= 86.2 %) = $shown, the share of replications meeting it ($share)"
grep -q "Part des sorties vers l&#39;emploi : ensemble 2020" "$out/index.html"
check $? "index.html: the indicator over the run among the key figures"

# every src and href resolves to a file of the report folder
missing=0
links=0
for ref in $(grep -o -E '(src|href)="[^"#][^"]*"' "$out/index.html" | sed -E 's/^(src|href)="//; s/"$//'); do
    links=$((links + 1))
    file=$(printf '%b' "$(printf '%s' "$ref" | sed 's/%\([0-9A-Fa-f][0-9A-Fa-f]\)/\\x\1/g')")
    if [ ! -s "$out/$file" ]; then
        missing=$((missing + 1))
        echo "     missing: $ref"
    fi
done
[ "$missing" = 0 ] && [ "$links" -gt 20 ]
check $? "index.html: $links links and images, all resolve"
! grep -q -E 'https?://' "$out/index.html"
check $? "index.html: no external address"
grep -q 'src="differences/diff-' "$out/index.html"
check $? "index.html: paired-difference fan charts against the reference"
test -s "$out/differences/$(ls "$out/differences" | grep -m1 'stock.*\.csv$')"
check $? "the difference charts come with their data"
grep -q 'Plus de postes IAE (+50 %) &amp; &lt;orientation&gt;' "$out/index.html"
check $? "labels escaped as HTML"
grep -q 'resource.iae_places.capacity' "$out/index.html"
check $? "the scenario's dated change is shown"

# the page in a browser: every image loads
browser=""
for b in chromium chromium-browser; do
    command -v "$b" >/dev/null 2>&1 && { browser=$b; break; }
done
if [ -z "$browser" ]; then
    echo "SKIP report-e2e: chromium not on PATH (Debian package chromium): page not rendered"
else
    probe="$out/.render-check.html"
    sed 's#</body>#<script>window.addEventListener("load", function () {\
  var imgs = document.images, good = 0;\
  for (var i = 0; i < imgs.length; i++) {\
    imgs[i].setAttribute("data-natural-width", imgs[i].naturalWidth);\
    if (imgs[i].complete \&\& imgs[i].naturalWidth > 0) good++;\
  }\
  var p = document.createElement("p");\
  p.id = "render-check";\
  p.textContent = "images " + imgs.length + " loaded " + good;\
  document.body.appendChild(p);\
});</script></body>#' "$out/index.html" >"$probe"
    flags="--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
        --user-data-dir=$work/chromium-profile --allow-file-access-from-files"
    # shellcheck disable=SC2086
    timeout 120 "$browser" $flags --virtual-time-budget=10000 --dump-dom "file://$probe" \
        >"$work/dom.html" 2>"$work/chromium.log"
    line=$(grep -o 'images [0-9]* loaded [0-9]*' "$work/dom.html")
    total=$(echo "$line" | awk '{print $2}')
    loaded=$(echo "$line" | awk '{print $4}')
    [ -n "$total" ] && [ "$total" -gt 20 ] && [ "$total" = "$loaded" ]
    check $? "Chromium: every image of the page decoded ($line)"
    [ "$(grep -o 'data-natural-width="1200"' "$work/dom.html" | wc -l)" = "$total" ]
    check $? "Chromium: every chart is 1200 px wide"
    # shellcheck disable=SC2086
    timeout 120 "$browser" $flags --hide-scrollbars --window-size=1280,2400 \
        --screenshot="$work/page.png" "file://$out/index.html" >/dev/null 2>&1
    [ -s "$work/page.png" ] && [ "$(head -c 8 "$work/page.png" | od -An -c | tr -d ' ')" = '211PNG\r\n032\n' ]
    check $? "Chromium: screenshot of the page taken"
    if [ -n "${PARCOURS_KEEP:-}" ]; then
        cp "$work/page.png" "$PARCOURS_KEEP" && echo "     screenshot kept in $PARCOURS_KEEP"
    fi
    rm -f "$probe"
fi

# The analyses of one reference with uncertain parameters, a driver and groups: the same
# model with its job and leaving hazards uncertain, the inflow moved by a log-AR(1) driver
# and an age attribute whose share is observed, reported with --sensitivity and --backtest.
sed -e 's|^on.job = hazard 0.02/m -> out|on.job = hazard $emploi/m -> out|' \
    -e 's|^on.left = hazard 0.01/m -> out|on.left = hazard $abandon/m -> out|' \
    -e 's|^inflow.rate = 600/y|inflow.rate = 600/y\ninflow.drivers = cycle\nbreakdown = age|' \
    "$work/model.ini" >"$work/model-u.ini"
cat >>"$work/model-u.ini" <<'END'

[parameter emploi]
label = Sorties vers l'emploi
value = uncertain triangular(min=0.012, mode=0.02, max=0.03)

[parameter abandon]
value = uncertain uniform(min=0.005, max=0.015)

[driver cycle]
label = Cycle des entrées
process = log-ar1
sd = 0.2
persistence = 0.8

[attribute age]
label = Âge
values = jeune, adulte
labels = Moins de 26 ans, 26 ans ou plus
initial = jeune:0.3, adulte:0.7
entry = jeune:0.3, adulte:0.7

[observations]
file = table(observed.csv)
END
printf 'variable,period,value,tolerance,source\nshare.rsa[age=jeune],2021,0.30,5%%,test\n' \
    >"$work/observed.csv"
printf '[scenario]\nlabel = Référence incertaine\nmodel = model-u.ini\n' >"$work/ref-u.ini"
printf '[scenario]\nlabel = Plus de postes\nextends = ref-u.ini\n\n[set 2021-01]\nresource.iae_places.capacity = 60\n' \
    >"$work/more-u.ini"
bt="$work/bt"
"$BIN" backtest "$ROOT/models/ara/backtest/rsa_26_2013.ini" \
    --observed "$ROOT/models/ara/backtest/observed_26.csv" --origins 2013-12 --horizons 12 \
    --reps 8 --threads 2 --quiet --out "$bt" >/dev/null 2>&1
check $? "a small backtest folder to include"
ana="$work/analyses"
"$BIN" report "$work/ref-u.ini" "$work/more-u.ini" --reps 40 --seed 5 --threads 2 \
    --sensitivity stock.rsa@2024 --sobol 8 --backtest "$bt" --out "$ana" \
    >"$work/stdout-ana" 2>"$work/stderr-ana"
rc=$?
check "$rc" "report --sensitivity --backtest exits 0 (exit $rc)"
[ "$rc" = 0 ] || sed 's/^/     /' "$work/stderr-ana"
# the sections in reading order: summary, scenarios, topics, groups, analyses, annex, files
order=$(grep -o '<section id="[a-z-]*"' "$ana/index.html" | sed 's/.*id="//; s/"//' |
    grep -v '^scenario-' | tr '\n' ' ')
[ "$order" = "key-figures scenarios caseload waiting budget staff indicators groups analyses annex files " ]
check $? "index.html: sections in order ($order)"
navorder=$(sed -n '/<nav>/,/<\/nav>/p' "$ana/index.html" | grep -o 'href="#[a-z-]*"' |
    sed 's/href="#//; s/"//' | tr '\n' ' ')
[ "$navorder" = "$order" ]
check $? "the contents follow the sections ($navorder)"
# the scatter: one point per replication, the uncertain parameters ranked by |rho|
pts=$(tail -n +2 "$ana/distribution/scatter-cost.total.csv" | wc -l)
[ "$pts" = 40 ] && head -1 "$ana/distribution/scatter-cost.total.csv" | grep -q 'param.emploi' &&
    [ -s "$ana/distribution/scatter-cost.total.png" ]
check $? "scatter: one point per replication ($pts of 40), param.emploi among the panels"
awk -F, 'NR > 1 { r = $2 < 0 ? -$2 : $2; if (NR > 2 && r > last + 1e-12) bad = 1; last = r }
    END { exit bad || NR < 3 }' "$ana/distribution/scatter-cost.total-rank.csv"
check $? "scatter: the parameters in decreasing |Spearman rho|"
# the Sobol chart draws the study's numbers (sobol.csv keeps 10 significant digits; its law
# column holds commas, so both files are read as CSV)
python3 - "$ana/sensitivity/sobol.csv" "$ana/sensitivity/sobol-chart.csv" <<'END'
import csv, sys
study = {r["parameter"]: r for r in csv.DictReader(open(sys.argv[1], encoding="utf-8"))}
chart = list(csv.DictReader(open(sys.argv[2], encoding="utf-8")))
close = lambda a, b: abs(float(a) - float(b)) <= 1e-8 + 1e-9 * abs(float(b))
ok = len(chart) == 2 and all(r["parameter"] in study and close(study[r["parameter"]]["first"],
    r["first"]) and close(study[r["parameter"]]["total"], r["total"]) for r in chart)
sys.exit(0 if ok else 1)
END
check $? "Sobol chart: first and total indices equal sobol.csv's, one pair of bars per parameter"
for f in sensitivity/tornado.png sensitivity/sobol.png bands/bands-stock.rsa.png \
    groups/groups-rsa-age.png backtest/backtest.png backtest/backtest-summary.csv; do
    [ -s "$ana/$f" ] && grep -q "=\"$f\"" "$ana/index.html"
    check $? "$f written and in the page"
done
# the band without the driver is narrower: a driver of sd 0.2 a year moves the inflow far
# more than the Poisson noise of 600 entries a year does (a ratio near 1: the driver not off)
with=$(grep -o 'data-band-with="[^"]*"' "$ana/index.html" | cut -d'"' -f2)
without=$(grep -o 'data-band-without="[^"]*"' "$ana/index.html" | cut -d'"' -f2)
[ -n "$with" ] && [ -n "$without" ] && awk -v a="$with" -v b="$without" 'BEGIN { exit !(b < 0.8 * a) }'
check $? "the 90 % band without drivers ($without) is narrower than with them ($with)"
grep -q 'les 2 param.*tres incertains' "$ana/index.html" && grep -q '<code>cycle</code>' "$ana/index.html"
check $? "the page says what the bands include: 2 uncertain parameters, the driver cycle"
grep -q 'data-observed="0.2999\|data-observed="0.3"' "$ana/index.html"
check $? "groups: the observed share of the young beside the simulated one"
grep -q 'Dans la bande' "$ana/index.html"
check $? "backtest: the coverage table"
"$BIN" report "$work/ref-u.ini" --reps 4 --backtest "$work/nowhere" --out "$work/bad" \
    >/dev/null 2>"$work/stderr-bad"
rc=$?
[ "$rc" = 1 ] && grep -q -- '--backtest .*nowhere: no backtest-summary.csv' "$work/stderr-bad" &&
    [ ! -e "$work/bad" ]
check $? "--backtest on a folder that is not a backtest: exit 1, said, nothing written"
"$BIN" report "$work/ref-u.ini" --reps 4 --sensitivity stock.nobody --out "$work/bad" \
    >/dev/null 2>"$work/stderr-bad"
rc=$?
[ "$rc" = 1 ] && grep -q -- '--sensitivity' "$work/stderr-bad" && [ ! -e "$work/bad" ]
check $? "--sensitivity of an unknown variable: exit 1, said, nothing written"
"$BIN" report "$work/baseline.ini" --reps 4 --out "$work/plain" >/dev/null 2>&1 &&
    grep -q "Pas de bande sans al" "$work/plain/index.html" && ! [ -e "$work/plain/bands" ]
check $? "a model without driver: no second run, the page says so in one line"

# a model of three départements (populations with `territory =`): a table of all three,
# charts and key figures for the one asked for, a code the model does not have said
terr="$work/territories"
"$BIN" report "$ROOT/models/france/test/rsa3.ini" --reps 4 --seed 1 --focus 26,13 \
    --out "$terr" >/dev/null 2>"$work/stderr-terr"
check $? "three départements, --focus 26,13: exit 0"
rows=$(sed -n '/<section id="territories">/,/<\/section>/p' "$terr/index.html" |
    grep -o '<tr><th scope="row">[0-9AB]* [^<]*' | sed 's/.*">//' | tr '\n' ';')
[ "$rows" = "05 Hautes-Alpes;26 Drôme;69 Rhône;" ]
check $? "the table has one row per département, in the model's order ($rows)"
grep -q 'class="total"><th scope="row" data-v="">Ensemble' "$terr/index.html"
check $? "the table's first row is the whole"
# the foyers of the whole from the model's count of the three stocks (foyers_france), with
# their interval; the exits to a job from its national ratio; the allocation summed
n_int=$(grep -o '<tr class="total">.*' "$terr/index.html" | sed 's|</tr>.*||' |
    grep -o 'class="interval"' | wc -l)
[ "$n_int" = 3 ]
check $? "the whole's foyers have the interval of the model's count ($n_int intervals in the row)"
grep -q 'Allocation RSA (M€, 20[0-9]*)' "$terr/index.html"
check $? "the table has the allocation per département, in M€"
ls "$terr/rsa3/charts" | grep -q 'd26' && ! ls "$terr/rsa3/charts" | grep -q 'd05\|d69'
check $? "charts for the Drôme only"
grep -q 'stock.d26' "$terr/key-figures.csv" && ! grep -q 'd05\|d69' "$terr/key-figures.csv"
check $? "key figures for the Drôme only"
grep -q -- '--focus 13: no d' "$work/stderr-terr"
check $? "a code of no département of the model is said"
"$BIN" report "$ROOT/models/france/test/rsa3.ini" --reps 2 --focus 26,20 --out "$work/focus-20" \
    >/dev/null 2>"$work/stderr-focus"
rc=$?
[ "$rc" = 2 ] && grep -q "'20' is not a d" "$work/stderr-focus" && [ ! -e "$work/focus-20" ]
check $? "--focus 20 (no such code): exit 2, said, nothing written (exit $rc)"

# without gnuplot: a clear message, exit 1, the run files still written
nognu="$work/no-gnuplot"
mkdir "$work/empty-path"
PATH="$work/empty-path" "$BIN" report "$work/baseline.ini" --reps 4 --out "$nognu" \
    >/dev/null 2>"$work/stderr-nognu"
rc=$?
[ "$rc" = 1 ] && grep -q 'gnuplot is not installed' "$work/stderr-nognu"
check $? "no gnuplot: exit 1 with a clear message (exit $rc)"
[ -s "$nognu/baseline/monthly.csv" ] && [ -s "$nognu/baseline/yearly.csv" ]
check $? "no gnuplot: the run's CSV files are written"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
