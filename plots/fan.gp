# fan — monthly series (and survival curves): medians over their 25-75 % and 5-95 % bands.
#
# PLOT lists, for each series, a 5-95 % band (filledcurves, fill opacity
# band90), a 25-75 % band (band50) and the median (lines, with points on
# overlays), all in the series' line type.
plot @PLOT@
unset output
