# iommubench: IOTLB misses per DMA vs window, one line per page size, log-x,
# knees dashed.  Inputs: datafile (window misses_per_dma misses dmas per
# block), kneefile as in window.gp.
if (!exists("plotsdir")) plotsdir = 'plots'
load plotsdir.'/common.gp'
if (!exists("kneefile")) kneefile = ''
stats datafile using 1 nooutput
nb = STATS_blocks
# report.c passes maxseries: past it the key no longer fits
if (exists("maxseries") && nb > maxseries) { nb = maxseries }
set logscale x 2
set format x '%.0b%BB'
set xlabel 'window (bytes touched, log scale)'
set ylabel 'IOTLB misses per DMA'
set yrange [0:*]
array KX[64]
array KL[64]
nk = 0
if (kneefile ne '') {
	stats kneefile using (nk = nk + 1, KX[nk] = $1, KL[nk] = strcol(2), 0) nooutput
}
do for [i=1:nk] {
	set arrow from first KX[i], graph 0 to first KX[i], graph 1 nohead dt 2 lw 1.5 lc rgb '#aa0000'
	set label sprintf('%s knee', KL[i]) at first KX[i], graph 0.98 rotate by 90 right offset 1,0 tc rgb '#aa0000' font ',10'
}
plot for [i=0:nb-1] datafile index i using 1:2 with linespoints lw 2 pt 7 ps 0.8 title columnheader(1)
