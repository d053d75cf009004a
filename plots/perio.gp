# iommubench: IOMMU maps, unmaps, invalidations and IOTLB misses per I/O per
# point (nvme rows), grouped by IOMMU mode.  Inputs: datafile ("label" maps
# unmaps invalidations iotlb_misses per line, '-' = not counted), ncat.
if (!exists("ncat")) ncat = 4
w = ncat * 110 + 360
if (w < 900) w = 900
if (!exists("plotsdir")) plotsdir = 'plots'
load plotsdir.'/common.gp'
set datafile missing '-'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border rgb '#444444'
set boxwidth 0.9
set yrange [0:*]
set ylabel 'per I/O'
set xtics rotate by -30 left nomirror
set bmargin 8
set grid ytics
plot datafile using 2:xtic(1) title 'maps' lc rgb '#1f4e9c', \
     '' using 3 title 'unmaps' lc rgb '#5b8ad6', \
     '' using 4 title 'invalidations' lc rgb '#b35806', \
     '' using 5 title 'IOTLB misses' lc rgb '#fdb863'
