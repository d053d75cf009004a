# iommubench: NUMA heat map: median DMA latency per cpu_node (x) and
# mem_node (y), one panel per dev_node block.  Inputs: datafile (cpu_node
# mem_node median per block, after a "# dev_node N" comment), devs (the
# dev_node of each block, '-' for none, space-separated), sublabel (the
# parameters the placements share).
if (!exists("devs")) devs = '-'
nblocks = words(devs)
if (!exists("sublabel")) sublabel = ''
w = nblocks * 460 + 140
if (w < 700) w = 700
h = 560
if (!exists("plotsdir")) plotsdir = 'plots'
load plotsdir.'/common.gp'
unset title
set multiplot layout 1,nblocks title titletext noenhanced
set label 99 sublabel at screen 0.5, screen 0.02 center font ',8' noenhanced
set palette defined (0 '#fff5eb', 0.5 '#fd8d3c', 1 '#7f2704')
set xlabel 'cpu_node'
set ylabel 'mem_node'
set cblabel 'median DMA latency (ns)'
set xtics 1
set ytics 1
set offsets 0.5, 0.5, 0.5, 0.5
set autoscale fix
set format cb '%.10g'
set bmargin 5
set size ratio -1
unset key
set grid front
do for [i=0:nblocks-1] {
	d = word(devs, i + 1)
	set title (d eq '-' ? 'no device node' : 'device on node '.d)
	plot datafile index i using 1:2:(0.5):(0.5):3 with boxxyerror fc palette fs solid 1 noborder notitle, \
	     '' index i using 1:2:(sprintf('%.10g', $3)) with labels font ',11' notitle
}
unset multiplot
