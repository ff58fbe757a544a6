set terminal svg size 900,520 dynamic enhanced font 'Sans,10'
set output 'hopper-medium-native-v0-curves.svg'
set title 'hopper-medium-native-v0: normalised score during training (mean and std over seeds)' noenhanced
set xlabel 'policy step'
set ylabel 'D4RL-normalised score'
set key outside right
set grid
plot 'curve-hopper-medium-native-v0-GMPG-GVP_beta_0.01.dat' using 1:($2-$3):($2+$3) with filledcurves fs transparent solid 0.2 noborder lc 1 notitle, 'curve-hopper-medium-native-v0-GMPG-GVP_beta_0.01.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.6 lc 1 title 'GMPG-GVP beta 0.01', \
     'curve-hopper-medium-native-v0-GMPG-GVP_beta_0.1.dat' using 1:($2-$3):($2+$3) with filledcurves fs transparent solid 0.2 noborder lc 2 notitle, 'curve-hopper-medium-native-v0-GMPG-GVP_beta_0.1.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.6 lc 2 title 'GMPG-GVP beta 0.1', \
     'curve-hopper-medium-native-v0-GMPG-GVP_beta_0.3.dat' using 1:($2-$3):($2+$3) with filledcurves fs transparent solid 0.2 noborder lc 3 notitle, 'curve-hopper-medium-native-v0-GMPG-GVP_beta_0.3.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.6 lc 3 title 'GMPG-GVP beta 0.3'
