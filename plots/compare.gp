# iommubench: compare overlay: the median of each run per row (x), with
# 95% CI error bars, one series per run (A first).  Inputs: datafile
# (index block per run: row_index median ci_low ci_high "row name", from
# compare.csv), nrows.  Log-y when the medians span more than a decade.
if (!exists("nrows")) nrows = 10
w = nrows * 40 + 500
if (w < 900) w = 900
h = 700
if (!exists("plotsdir")) plotsdir = 'plots'
load plotsdir.'/common.gp'
stats datafile using 2 nooutput
nb = STATS_blocks
if (STATS_min > 0 && STATS_max / STATS_min > 10) { set logscale y 10 }
set format y '%.10g'
set xrange [-0.6:nrows-0.4]
set xtics rotate by -40 left nomirror font ',9' noenhanced
set bmargin 16
set ylabel 'median (95% CI)'
set key below
off(i) = (i - (nb - 1) / 2.0) * 0.18
plot for [i=0:nb-1] datafile index i using ($1 + off(i)):2:3:4 with yerrorbars pt 7 ps 1 lw 1.5 title columnheader(1), \
     datafile index 0 using 1:(NaN):xtic(5) with points notitle
