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
grep -q 'id="differences"' "$out/index.html" && grep -q 'src="differences/diff-' "$out/index.html"
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
