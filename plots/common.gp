# iommubench: shared set-up for plots/*.gp (loaded by each script).
# Inputs (gnuplot -e): fmt ('svg', 'png', 'pdf' or 'tex' = cairolatex),
# cols (paper formats: 1 = one column, 3.5 in wide; 2 = two columns, 7 in),
# outfile, titletext, datafile.
# Data files are written by `iommubench report` from results.csv into
# RUN_DIR/plots/data/<figure>.dat: index blocks (two blank lines apart),
# each starting with a quoted series title.  See docs/report.md.
if (!exists("w")) w = 960
if (!exists("h")) h = 600
if (!exists("fmt")) fmt = 'svg'
if (!exists("cols")) cols = 1
# paper: a column's width, a height that leaves room for the key below;
# 8 pt text (9 pt across two columns) and lines that survive print
paper = (fmt eq 'pdf' || fmt eq 'tex')
pw = cols == 2 ? 7.0 : 3.5
ph = cols == 2 ? 3.4 : 2.8
pfont = cols == 2 ? 'sans,9' : 'sans,8'
# (gnuplot 5.4 has no "else if": the paper formats first, on their own)
if (fmt eq 'pdf') {
	set terminal pdfcairo size pw,ph noenhanced font pfont linewidth 1.5 rounded
}
if (fmt eq 'tex') {
	set terminal cairolatex pdf size pw,ph font pfont linewidth 1.5 rounded
}
if (fmt eq 'svg') {
	set terminal svg size w,h dynamic noenhanced font 'sans,12' background '#ffffff'
}
if (!paper && fmt ne 'svg') {
	if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
		set terminal pngcairo size w,h noenhanced font 'sans,10' background '#ffffff'
	} else {
		set terminal png size w,h noenhanced background '#ffffff'
	}
}
set output outfile
set title titletext noenhanced
set key outside right top noenhanced
# paper: one column has no width to spare beside the plot, so the key
# goes inside (top left, where latency curves rarely are; boxed, opaque);
# two columns keep it outside on the right.  Small tic labels, x slanted.
if (paper && cols == 1) {
	set key inside top left vertical noenhanced samplen 1.5 spacing 0.9 font ',6' opaque box lw 0.5
}
if (paper && cols == 2) {
	set key outside right top vertical noenhanced samplen 2 spacing 0.9 font ',7'
}
if (paper) {
	set title titletext noenhanced font (cols == 2 ? ',8' : ',6')
	set tics font ',7'
	set xtics rotate by -30
}
# room on the right for the last slanted x label
if (paper && cols == 1) set rmargin 4
set grid lc rgb '#dddddd'
set datafile missing '-'
set border lw 1
# binary prefixes for byte axes
bytes(x) = x >= 1073741824 ? sprintf('%gG', x/1073741824.) : x >= 1048576 ? sprintf('%gM', x/1048576.) : x >= 1024 ? sprintf('%gK', x/1024.) : sprintf('%g', x)
