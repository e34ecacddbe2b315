# common — what every chart shares: terminal, fonts, line types, axes, key, title.
#
# Read by `parcours plot` and `parcours report`, which put this file before each
# chart's own template and fill every placeholder with text they generate: file
# names and labels arrive as single-quoted gnuplot strings, ranges and tick lists
# as numbers.  Line types 1-8 are the series styles: colours that colour-blind
# readers tell apart (Okabe and Ito), each with its own dash type and point
# type so that a black-and-white print still separates the series.
reset
set encoding utf8
format = @FORMAT@
if (format eq 'png') {
    set terminal pngcairo size 1200,720 font 'DejaVu Sans,12' noenhanced background rgb 'white' linewidth 1.4
} else {
    if (format eq 'svg') {
        set terminal svg size 1000,600 fixed font 'DejaVu Sans,11' noenhanced background rgb 'white' linewidth 1.2
    } else {
        set terminal pdfcairo size 25cm,15cm font 'DejaVu Sans,10' noenhanced linewidth 1.2
    }
}
set output @OUTPUT@
set datafile separator comma
set datafile missing 'NA'

set linetype 1 lc rgb '#0072B2' dt 1 pt 7 lw 2 ps 1.1
set linetype 2 lc rgb '#D55E00' dt 2 pt 5 lw 2 ps 1.1
set linetype 3 lc rgb '#009E73' dt 3 pt 9 lw 2 ps 1.2
set linetype 4 lc rgb '#CC79A7' dt 4 pt 13 lw 2 ps 1.2
set linetype 5 lc rgb '#E69F00' dt 5 pt 11 lw 2 ps 1.2
set linetype 6 lc rgb '#56B4E9' dt (12,4,2,4,2,4) pt 6 lw 2 ps 1.1
set linetype 7 lc rgb '#000000' dt (2,3) pt 4 lw 2 ps 1.1
set linetype 8 lc rgb '#8C510A' dt (18,6) pt 8 lw 2 ps 1.1
set linetype cycle 8

band90 = 0.14
band50 = 0.28

set border 3 lc rgb '#444444'
set tics nomirror out scale 0.8,0.4 tc rgb '#222222'
set grid ytics lc rgb '#dddddd' lw 1 dt 1
set title @TITLE@ font ',14'
set xlabel @XLABEL@
set ylabel @YLABEL@
set xrange @XRANGE@
set yrange @YRANGE@
set xtics @XTICS@
set ytics @YTICS@
set key @KEY@ box lc rgb '#bbbbbb' opaque samplen 3 spacing 1.15 width 1
