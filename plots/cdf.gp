# iommubench: DMA latency CDF per row, from the row's histogram in
# results.json (else its raw samples, else min, p50, p90, p99, p99.9 and
# max); log-x when the latencies span more than a decade.  Inputs:
# datafile (latency_ns fraction per block).
if (!exists("plotsdir")) plotsdir = 'plots'
load plotsdir.'/common.gp'
stats datafile using 1 nooutput
nb = STATS_blocks
# log-x only when the latencies span more than a decade
if (STATS_min > 0 && STATS_max / STATS_min > 10) {
	set logscale x 10
	set xlabel 'DMA latency (ns, log scale)'
} else {
	set xlabel 'DMA latency (ns)'
	set format x '%.10g'
	set xtics rotate by -30
}
# (a paper column: inside, bottom right, where a CDF has reached 1)
if (!paper) set key below
if (paper && cols == 1) set key inside bottom right
set ylabel 'fraction of DMAs <= latency'
set yrange [0:1.02]
set ytics 0.1
plot for [i=0:nb-1] datafile index i using 1:2 with lines lw 2 title columnheader(1), \
     for [i=0:nb-1] datafile index i using 1:2 with points pt 7 ps 0.6 lc i+1 notitle
