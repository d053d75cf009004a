# iommubench: a metric (median, 95% CI error bars) vs window, one line per
# page size (series), log-x; the knee of each derived iotlb_reach row as a
# dashed vertical.  Inputs: datafile (window median ci_low ci_high per
# block), kneefile ('' or "knee_window page_size entries" lines), ylab.
if (!exists("plotsdir")) plotsdir = 'plots'
load plotsdir.'/common.gp'
if (!exists("ylab")) ylab = 'median'
if (!exists("kneefile")) kneefile = ''
stats datafile using 1 nooutput
nb = STATS_blocks
# report.c passes maxseries: past it the key no longer fits
if (exists("maxseries") && nb > maxseries) { nb = maxseries }
set logscale x 2
set format x '%.0b%BB'
set xlabel 'window (bytes touched, log scale)'
set ylabel ylab
set format y '%.10g'
if (exists("yzero") && yzero) { set yrange [0:*] }
# A spread under 1 % of the values (e.g. the lab's edu, ~100 ms per DMA
# whatever the window) would be blown up to fill the axis and look like an
# effect: start the axis at zero then.
stats datafile using 2 nooutput
if (STATS_max > 0 && STATS_max - STATS_min < 0.01 * STATS_max) { set yrange [0:*] }
array KX[64]
array KL[64]
array KE[64]
nk = 0
if (kneefile ne '') {
	stats kneefile using (nk = nk + 1, KX[nk] = $1, KL[nk] = strcol(2), KE[nk] = strcol(3), 0) nooutput
}
do for [i=1:nk] {
	set arrow from first KX[i], graph 0 to first KX[i], graph 1 nohead dt 2 lw 1.5 lc rgb '#aa0000'
	set label (KE[i] eq '-' ? sprintf('%s knee', KL[i]) : sprintf('%s knee (~%s entries)', KL[i], KE[i])) at first KX[i], graph 0.98 rotate by 90 right offset 1,0 tc rgb '#aa0000' font ',10'
}
plot for [i=0:nb-1] datafile index i using 1:2:3:4 with yerrorlines lw 2 pt 7 ps 0.8 title columnheader(1)
