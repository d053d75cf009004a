# iommubench: shared set-up for plots/*.gp (loaded by each script).
# Inputs (gnuplot -e): fmt ('svg' or 'png'), outfile, titletext, datafile.
# Data files are written by `iommubench report` from results.csv into
# RUN_DIR/plots/data/<figure>.dat: index blocks (two blank lines apart),
# each starting with a quoted series title.  See docs/report.md.
if (!exists("w")) w = 960
if (!exists("h")) h = 600
if (!exists("fmt")) fmt = 'svg'
if (fmt eq 'svg') {
	set terminal svg size w,h dynamic noenhanced font 'sans,12' background '#ffffff'
} else {
	if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
		set terminal pngcairo size w,h noenhanced font 'sans,10' background '#ffffff'
	} else {
		set terminal png size w,h noenhanced background '#ffffff'
	}
}
set output outfile
set title titletext noenhanced
set key outside right top noenhanced
set grid lc rgb '#dddddd'
set datafile missing '-'
set border lw 1
# binary prefixes for byte axes
bytes(x) = x >= 1073741824 ? sprintf('%gG', x/1073741824.) : x >= 1048576 ? sprintf('%gM', x/1048576.) : x >= 1024 ? sprintf('%gK', x/1024.) : sprintf('%g', x)
