set terminal pngcairo size 900,520 enhanced font 'Sans,10'
set output 'halfcheetah-medium-native-v0-curves.png'
set title 'halfcheetah-medium-native-v0: normalised score during training (mean and std over seeds)' noenhanced
set xlabel 'policy step'
set ylabel 'D4RL-normalised score'
set key outside right
set grid
plot 'curve-halfcheetah-medium-native-v0-GMPO-GVP.dat' using 1:($2-$3):($2+$3) with filledcurves fs transparent solid 0.2 noborder lc 1 notitle, 'curve-halfcheetah-medium-native-v0-GMPO-GVP.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.6 lc 1 title 'GMPO-GVP', \
     'curve-halfcheetah-medium-native-v0-GMPG-GVP.dat' using 1:($2-$3):($2+$3) with filledcurves fs transparent solid 0.2 noborder lc 2 notitle, 'curve-halfcheetah-medium-native-v0-GMPG-GVP.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.6 lc 2 title 'GMPG-GVP', \
     'curve-halfcheetah-medium-native-v0-BC.dat' using 1:($2-$3):($2+$3) with filledcurves fs transparent solid 0.2 noborder lc 3 notitle, 'curve-halfcheetah-medium-native-v0-BC.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.6 lc 3 title 'BC', \
     'curve-halfcheetah-medium-native-v0-IQL.dat' using 1:($2-$3):($2+$3) with filledcurves fs transparent solid 0.2 noborder lc 4 notitle, 'curve-halfcheetah-medium-native-v0-IQL.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.6 lc 4 title 'IQL', \
     'curve-halfcheetah-medium-native-v0-TD3_BC.dat' using 1:($2-$3):($2+$3) with filledcurves fs transparent solid 0.2 noborder lc 5 notitle, 'curve-halfcheetah-medium-native-v0-TD3_BC.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.6 lc 5 title 'TD3+BC', \
     'curve-halfcheetah-medium-native-v0-CQL.dat' using 1:($2-$3):($2+$3) with filledcurves fs transparent solid 0.2 noborder lc 6 notitle, 'curve-halfcheetah-medium-native-v0-CQL.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.6 lc 6 title 'CQL', \
     'curve-halfcheetah-medium-native-v0-SfBC.dat' using 1:($2-$3):($2+$3) with filledcurves fs transparent solid 0.2 noborder lc 7 notitle, 'curve-halfcheetah-medium-native-v0-SfBC.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.6 lc 7 title 'SfBC', \
     'curve-halfcheetah-medium-native-v0-Diffusion-QL.dat' using 1:($2-$3):($2+$3) with filledcurves fs transparent solid 0.2 noborder lc 8 notitle, 'curve-halfcheetah-medium-native-v0-Diffusion-QL.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.6 lc 8 title 'Diffusion-QL', \
     'curve-halfcheetah-medium-native-v0-QGPO.dat' using 1:($2-$3):($2+$3) with filledcurves fs transparent solid 0.2 noborder lc 9 notitle, 'curve-halfcheetah-medium-native-v0-QGPO.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.6 lc 9 title 'QGPO', \
     'curve-halfcheetah-medium-native-v0-IDQL.dat' using 1:($2-$3):($2+$3) with filledcurves fs transparent solid 0.2 noborder lc 10 notitle, 'curve-halfcheetah-medium-native-v0-IDQL.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.6 lc 10 title 'IDQL', \
     'curve-halfcheetah-medium-native-v0-SRPO.dat' using 1:($2-$3):($2+$3) with filledcurves fs transparent solid 0.2 noborder lc 11 notitle, 'curve-halfcheetah-medium-native-v0-SRPO.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.6 lc 11 title 'SRPO'
