#!/bin/sh
# render_e2e — the demo reports as a person sees them: rendered by headless Chromium at two widths.
#
# Usage: sh tests/render_e2e.sh [REPORT_DIR...]     (default: every out/demo/*/)
#
# For each report folder (one written by `parcours report`, for example by
# `make demo`) and each width, 1400 px (a laptop) and 900 px (a half screen or
# a projector), it loads a copy of index.html with a small script that checks,
# after load, that every image decoded and that nothing is wider than the
# window: the page itself (no horizontal scroll bar) and each element outside a
# table that scrolls on its own (.table-wrap).  It then takes screenshots of
# the top of the page into REPORT_DIR/screenshots/page-<width>.png for a person
# to look at.  When the folder holds rapport.pdf it checks its page count lies
# between 2 and twice the number of charts plus 20; when it holds parcours.xlsx,
# that it is a zip with a workbook of its key figures, a sheet per scenario and,
# when they were compared, their differences.  Without Chromium
# it prints a SKIP line.  Ends with "N passed, N failed"; exits 1 on a failure.
set -u
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   render-e2e: $1"; }
bad() { failed=$((failed + 1)); echo "FAIL render-e2e: $1"; }
check() { if [ "$1" = 0 ]; then ok "$2"; else bad "$2"; fi; }

if [ $# -eq 0 ]; then
    set -- out/demo/*/
fi
browser=""
for b in chromium chromium-browser; do
    command -v "$b" >/dev/null 2>&1 && { browser=$b; break; }
done
if [ -z "$browser" ]; then
    echo "SKIP render-e2e: chromium not on PATH (Debian package chromium): nothing rendered"
    exit 0
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/parcours-render-XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
flags="--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
    --user-data-dir=$work/chromium-profile --allow-file-access-from-files --hide-scrollbars"

for dir in "$@"; do
    dir=${dir%/}
    name=$(basename "$dir")
    if [ ! -s "$dir/index.html" ]; then
        bad "$name: no index.html in $dir"
        continue
    fi
    mkdir -p "$dir/screenshots"
    probe="$dir/.render-check.html"
    python3 - "$dir/index.html" "$probe" <<'EOF'
import sys
page = open(sys.argv[1], encoding="utf-8").read()
check = """<script>window.addEventListener("load", function () {
  var imgs = document.images, good = 0, wide = [], w = window.innerWidth;
  for (var i = 0; i < imgs.length; i++)
    if (imgs[i].complete && imgs[i].naturalWidth > 0) good++;
  var all = document.body.getElementsByTagName("*");
  for (var j = 0; j < all.length; j++) {
    var e = all[j];
    if (e.closest(".table-wrap") && !e.classList.contains("table-wrap")) continue;
    if (e.tagName == "SCRIPT") continue;
    if (e.getBoundingClientRect().right > w + 1) wide.push(e.tagName + (e.id ? "#" + e.id : ""));
  }
  var page = document.documentElement.scrollWidth > w + 1 ? 1 : 0;
  var p = document.createElement("p");
  p.id = "render-check";
  p.textContent = "images " + imgs.length + " loaded " + good + " page-overflow " + page +
    " wide " + wide.length + " [" + wide.slice(0, 5).join(" ") + "]";
  document.body.appendChild(p);
});</script></body>"""
open(sys.argv[2], "w", encoding="utf-8").write(page.replace("</body>", check))
EOF
    for width in 1400 900; do
        # shellcheck disable=SC2086
        timeout 180 "$browser" $flags --window-size=$width,1000 --virtual-time-budget=15000 \
            --dump-dom "file://$(cd "$dir" && pwd)/.render-check.html" \
            >"$work/dom.html" 2>"$work/chromium.log"
        line=$(grep -o 'images [0-9]* loaded [0-9]* page-overflow [0-9]* wide [0-9]* \[[^]]*\]' \
            "$work/dom.html")
        total=$(echo "$line" | awk '{print $2}')
        loaded=$(echo "$line" | awk '{print $4}')
        overflow=$(echo "$line" | awk '{print $6}')
        wide=$(echo "$line" | awk '{print $8}')
        [ -n "$total" ] && [ "$total" -gt 0 ] && [ "$total" = "$loaded" ]
        check $? "$name at $width px: every image decoded (${total:-?} images, ${loaded:-?} loaded)"
        [ "$overflow" = 0 ] && [ "$wide" = 0 ]
        check $? "$name at $width px: nothing wider than the window ($line)"
        # shellcheck disable=SC2086
        timeout 180 "$browser" $flags --window-size=$width,4000 \
            --screenshot="$dir/screenshots/page-$width.png" \
            "file://$(cd "$dir" && pwd)/index.html" >/dev/null 2>&1
        [ -s "$dir/screenshots/page-$width.png" ]
        check $? "$name at $width px: screenshot in $dir/screenshots/page-$width.png"
    done
    rm -f "$probe"
    charts=$(grep -o '<img ' "$dir/index.html" | wc -l)
    if [ -s "$dir/rapport.pdf" ]; then
        # the page objects, also those inside the compressed object streams Chromium writes
        pages=$(python3 -c '
import re, sys, zlib
data = open(sys.argv[1], "rb").read()
texts = [data]
for m in re.finditer(rb"stream\r?\n", data):
    try:
        texts.append(zlib.decompressobj().decompress(data[m.end():m.end() + 4000000]))
    except zlib.error:
        pass
print(sum(len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", t)) for t in texts))
' "$dir/rapport.pdf")
        [ "$pages" -ge 2 ] && [ "$pages" -le $((2 * charts + 20)) ]
        check $? "$name: rapport.pdf has $pages pages (2 to $((2 * charts + 20)))"
    else
        echo "SKIP render-e2e: $name: no rapport.pdf (report written without --pdf)"
    fi
    if [ -s "$dir/parcours.xlsx" ]; then
        # key figures, one sheet per scenario, and the differences when they were compared
        n_scen=$(ls "$dir"/*/monthly.csv 2>/dev/null | wc -l)
        want=$((n_scen + 1))
        [ -s "$dir/compare/differences.csv" ] && want=$((want + 1))
        python3 - "$dir/parcours.xlsx" "$want" <<'EOF'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = z.namelist()
sheets = [n for n in names if n.startswith("xl/worksheets/sheet")]
assert "xl/workbook.xml" in names and len(sheets) >= int(sys.argv[2]), names
EOF
        check $? "$name: parcours.xlsx opens as a workbook of at least $want sheets ($n_scen scenarios)"
    else
        echo "SKIP render-e2e: $name: no parcours.xlsx"
    fi
done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
