# lines — yearly flows: medians joined by lines, with 5-95 % error bars.
set bars small
plot @PLOT@
unset output
