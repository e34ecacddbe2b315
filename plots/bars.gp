# bars — yearly amounts stacked by funder or cost line, with the 90 % interval of the total.
#
# PLOT draws each component as a box from its base to its top (boxxyerror),
# in a colour and a fill pattern of its own, then the total's 5-95 % interval
# as an error bar.
set style fill solid 0.85 border lc rgb '#333333'
set grid noxtics
plot @PLOT@
unset output
