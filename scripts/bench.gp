# The plot of `make bench`, drawn from bench.csv (see scripts/bench.sh):
#   gnuplot -e "csv='bench.csv'; png='bench.png'" scripts/bench.gp
# Four panels: bandwidth both ways by size, setup cost by size, and the
# first-touch cost of each variant.
set datafile separator ","
set terminal pngcairo size 1400,1000 font "sans,10"
set output png
set multiplot layout 2,2 title "mmapdemo bench (medians; see bench.txt for the machine)"
set grid
set key left top
set logscale x 2
set xtics ("64K" 65536, "256K" 262144, "1M" 1048576, "4M" 4194304, \
	"16M" 16777216, "64M" 67108864, "256M" 268435456, "1G" 1073741824)
set xrange [49152:1.5e9]
set xlabel "transfer size"
set ylabel "MiB/s"

# rows(section, variant): the CSV rows of one series, so that lines join
# its points
rows(s, v) = sprintf("< awk -F, '$1 == \"%s\" && $2 == \"%s\"' '%s'", s, v, csv)

set title "kernel -> user: copy the kernel's bytes into a user buffer"
plot rows("k2u", "memcpy") using 4:7 with linespoints title "memcpy (limit)", \
     rows("k2u", "mmap-fault") using 4:7 with linespoints title "mapping, fault mode", \
     rows("k2u", "mmap-remap") using 4:7 with linespoints title "mapping, remap mode", \
     rows("k2u", "read") using 4:7 with linespoints title "read()"

set title "user -> kernel: copy into the buffer (+crc: then the kernel CHECKSUMs it)"
plot rows("u2k", "memcpy") using 4:7 with linespoints title "memcpy (limit)", \
     rows("u2k", "mmap-fault") using 4:7 with linespoints title "mapping, fault mode", \
     rows("u2k", "write") using 4:7 with linespoints title "write()", \
     rows("u2k", "mmap-fault+crc") using 4:7 with linespoints dt 2 title "mapping +crc", \
     rows("u2k", "write+crc") using 4:7 with linespoints dt 2 title "write() +crc"

set title "scaling: mmap() + a write to every page (log scale)"
set xlabel "mapping size"
set ylabel "ns per page (log scale)"
set logscale y
plot rows("scaling", "anon") using 4:8 with linespoints title "anonymous shared", \
     rows("scaling", "remap") using 4:8 with linespoints title "remap", \
     rows("scaling", "fault") using 4:8 with linespoints title "fault (fault-around)"

set title "first touch: mmap() + one access per page (log scale)"
unset logscale x
set key right top
set xlabel ""
set xtics ("anon shared" 0, "remap" 1, "fault" 2, "f-a off" 3, "f-a 64K" 4, "f-a 2M" 5)
set xrange [-0.6:5.6]
set style fill solid 0.6
set boxwidth 0.35
vx(v) = v eq "anon" ? 0 : v eq "remap" ? 1 : v eq "fault" ? 2 : v eq "fault-nofa" ? 3 : \
	v eq "fault-64k" ? 4 : v eq "fault-2m" ? 5 : NaN
st(t, c) = (strcol(1) eq "setup" && strcol(3) eq t) ? column(c) : NaN
plot csv using (vx(strcol(2)) - 0.18):(st("write", 8)) with boxes title "write", \
     csv using (vx(strcol(2)) + 0.18):(st("read", 8)) with boxes title "read"
unset multiplot
