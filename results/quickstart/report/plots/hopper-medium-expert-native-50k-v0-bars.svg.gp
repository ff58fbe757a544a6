set terminal svg size 900,520 dynamic enhanced font 'Sans,10'
set output 'hopper-medium-expert-native-50k-v0-bars.svg'
set title 'hopper-medium-expert-native-50k-v0: final normalised score (ours: mean and std over seeds)' noenhanced
set ylabel 'D4RL-normalised score'
set style data histograms
set style histogram errorbars gap 2 lw 1
set style fill solid 0.7 border -1
set datafile missing 'NaN'
set yrange [0:*]
set grid ytics
set key top left
set xtics noenhanced
plot 'bars-hopper-medium-expert-native-50k-v0.dat' using 2:3:xtic(1) title 'ours', '' using 4:5 title 'published (D4RL)'
