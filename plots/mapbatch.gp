# iommubench: map_ns and unmap_ns per buffer (median, bars up to p99)
# against the map engine's batch N, one colour per series (IOMMU mode and
# the parameters that vary), map solid and unmap dashed; log-x, log-y.
# Inputs: datafile (per series a map_ns block, then an unmap_ns block, each
# a "title" line, then "batch p50 p90 p99" lines), nblocks.
if (!exists("plotsdir")) plotsdir = 'plots'
load plotsdir.'/common.gp'
set datafile missing '-'
stats datafile using 1 nooutput
nb = STATS_blocks
if (exists("nblocks") && nblocks < nb) { nb = nblocks }
set logscale x 2
set logscale y 10
set xlabel 'batch N (buffers mapped before the first unmap, log scale)'
set ylabel 'latency per buffer (ns, log scale)'
set format y '%.10g'
set grid xtics ytics
set key outside right top
plot for [i=0:nb-1] datafile index i using 1:2:2:4 with yerrorlines lw 2 pt 7 ps 0.8 \
	lt (i / 2 + 1) dt 1 + i % 2 title columnheader(1)
