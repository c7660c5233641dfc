# The plot of `make bench`, drawn from bench.csv (see scripts/bench.sh):
#   gnuplot -e "csv='bench.csv'; png='bench.png'" scripts/bench.gp
# Four panels: bandwidth both ways by size, setup cost by size, and the
# first-touch cost of each variant at the least and the greatest size
# (64 MiB and 1 GiB by default). Points are the
# medians, bars the least and greatest repetition.
set datafile separator ","
set terminal pngcairo size 1500,1100 font "sans,10"
set output png
set multiplot layout 2,2 title "mmapdemo bench (medians, bars: min-max; see bench.txt for the machine)"
set grid
set key left top
set logscale x 2

# rows(section, variant, op): the CSV rows of one series, by size, so
# that lines join its points; "*" as section: first touch and scaling
rows(s, v, op) = sprintf("< awk -F, '(\"%s\" == \"*\" ? ($1 == \"setup\" || $1 == \"scaling\") : $1 == \"%s\") && $2 == \"%s\" && $3 == \"%s\"' '%s' | sort -t, -k4 -n", s, s, v, op, csv)
# MiB/s of a transfer of column 4 bytes in ns nanoseconds
mibs(ns) = column(4) / 1048576.0 / (ns / 1e9)

set xtics ("64K" 65536, "256K" 262144, "1M" 1048576, "4M" 4194304, \
	"16M" 16777216, "64M" 67108864, "256M" 268435456)
set xrange [49152:360000000]
set xlabel "transfer size"
set ylabel "MiB/s"

set title "kernel -> user: copy the kernel's bytes into a user buffer"
plot rows("k2u", "memcpy", "") using 4:(mibs($6)):(mibs($8)):(mibs($7)) with yerrorlines title "memcpy (limit)", \
     rows("k2u", "mmap-fault-4K", "") using 4:(mibs($6)):(mibs($8)):(mibs($7)) with yerrorlines title "fault 4K", \
     rows("k2u", "mmap-remap-4K", "") using 4:(mibs($6)):(mibs($8)):(mibs($7)) with yerrorlines title "remap 4K", \
     rows("k2u", "mmap-fault-huge", "") using 4:(mibs($6)):(mibs($8)):(mibs($7)) with yerrorlines title "fault huge", \
     rows("k2u", "mmap-remap-huge", "") using 4:(mibs($6)):(mibs($8)):(mibs($7)) with yerrorlines title "remap huge", \
     rows("k2u", "read", "") using 4:(mibs($6)):(mibs($8)):(mibs($7)) with yerrorlines title "read()"

set title "user -> kernel: copy into the buffer (+crc: then the kernel CHECKSUMs it)"
plot rows("u2k", "memcpy", "") using 4:(mibs($6)):(mibs($8)):(mibs($7)) with yerrorlines title "memcpy (limit)", \
     rows("u2k", "mmap-fault-4K", "") using 4:(mibs($6)):(mibs($8)):(mibs($7)) with yerrorlines title "fault 4K", \
     rows("u2k", "mmap-remap-4K", "") using 4:(mibs($6)):(mibs($8)):(mibs($7)) with yerrorlines title "remap 4K", \
     rows("u2k", "mmap-fault-huge", "") using 4:(mibs($6)):(mibs($8)):(mibs($7)) with yerrorlines title "fault huge", \
     rows("u2k", "mmap-remap-huge", "") using 4:(mibs($6)):(mibs($8)):(mibs($7)) with yerrorlines title "remap huge", \
     rows("u2k", "write", "") using 4:(mibs($6)):(mibs($8)):(mibs($7)) with yerrorlines title "write()", \
     rows("u2k", "mmap-fault-4K+crc", "") using 4:(mibs($6)) with linespoints dt 2 title "fault 4K +crc", \
     rows("u2k", "write+crc", "") using 4:(mibs($6)) with linespoints dt 2 title "write() +crc"

set title "scaling: mmap() + a write to every page, then munmap() apart (log scale)"
set xtics ("1M" 1048576, "4M" 4194304, "16M" 16777216, "64M" 67108864, \
	"256M" 268435456, "1G" 1073741824)
set xrange [786432:1400000000]
set xlabel "mapping size"
set ylabel "ns per page (log scale)"
set logscale y
# ns per page (column 10) scaled by min/median and max/median
lo(c) = column(10) * column(7) / column(6)
hi(c) = column(10) * column(8) / column(6)
plot for [v in "remap-4K fault-4K remap-huge fault-huge tmpfs shmem-thp anon"] \
     rows("*", v, "write") using 4:10:(lo(0)):(hi(0)) with yerrorlines title v

set title "first touch: mmap() + a write to every page (log scale)"
unset logscale x
set key right top
set xlabel ""
set xtics ("remap 4K" 0, "fault 4K" 1, "remap huge" 2, "fault huge" 3, \
	"tmpfs" 4, "shmem THP" 5, "anon" 6) rotate by -20
set xrange [-0.6:6.6]
set style fill solid 0.6
set boxwidth 0.35
vx(v) = v eq "remap-4K" ? 0 : v eq "fault-4K" ? 1 : v eq "remap-huge" ? 2 : \
	v eq "fault-huge" ? 3 : v eq "tmpfs" ? 4 : v eq "shmem-thp" ? 5 : \
	v eq "anon" ? 6 : NaN
at(z) = (strcol(1) eq "setup" && strcol(3) eq "write" && column(4) == z)
# the least and the greatest first-touch size of the run
sizes = sprintf("awk -F, '$1 == \"setup\" { print $4 }' '%s' | sort -n", csv)
z1 = system(sizes . " | head -n 1")
z2 = system(sizes . " | tail -n 1")
if (strlen(z1) == 0) {
	set label 1 "no first-touch rows" at graph 0.5, 0.5 center
	plot NaN notitle
} else {
	# boxerrorbars: x, y, ylow, yhigh, box width
	plot csv using (at(z1 + 0) ? vx(strcol(2)) - 0.18 : NaN):10:(lo(0)):(hi(0)):(0.35) with boxerrorbars title sprintf("%g MiB", z1 / 1048576.0), \
	     csv using (at(z2 + 0) ? vx(strcol(2)) + 0.18 : NaN):10:(lo(0)):(hi(0)):(0.35) with boxerrorbars title sprintf("%g MiB", z2 / 1048576.0)
}
unset multiplot
