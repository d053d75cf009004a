# iommubench: map/unmap latency percentiles (p50, p90, p99) per point,
# grouped by IOMMU mode; log-y.  Inputs: datafile ("label" map_p50 map_p90
# map_p99 unmap_p50 unmap_p90 unmap_p99 per line), ncat (lines).
if (!exists("ncat")) ncat = 4
w = ncat * 110 + 360
if (w < 900) w = 900
if (!exists("plotsdir")) plotsdir = 'plots'
load plotsdir.'/common.gp'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border rgb '#444444'
set boxwidth 0.9
set logscale y 10
set yrange [*:*]
set ylabel 'latency per call (ns, log scale)'
set xtics rotate by -30 left nomirror
set bmargin 8
set grid ytics
plot datafile using 2:xtic(1) title 'map p50' lc rgb '#1f4e9c', \
     '' using 3 title 'map p90' lc rgb '#5b8ad6', \
     '' using 4 title 'map p99' lc rgb '#a9c4ef', \
     '' using 5 title 'unmap p50' lc rgb '#b35806', \
     '' using 6 title 'unmap p90' lc rgb '#e08214', \
     '' using 7 title 'unmap p99' lc rgb '#fdb863'
