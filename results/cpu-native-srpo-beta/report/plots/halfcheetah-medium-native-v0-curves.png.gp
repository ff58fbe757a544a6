set terminal pngcairo size 900,520 enhanced font 'Sans,10'
set output 'halfcheetah-medium-native-v0-curves.png'
set title 'halfcheetah-medium-native-v0: normalised score during training (mean and std over seeds)' noenhanced
set xlabel 'policy step'
set ylabel 'D4RL-normalised score'
set key outside right
set grid
plot 'curve-halfcheetah-medium-native-v0-SRPO_beta_0.02.dat' using 1:($2-$3):($2+$3) with filledcurves fs transparent solid 0.2 noborder lc 1 notitle, 'curve-halfcheetah-medium-native-v0-SRPO_beta_0.02.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.6 lc 1 title 'SRPO beta 0.02', \
     'curve-halfcheetah-medium-native-v0-SRPO_beta_0.05.dat' using 1:($2-$3):($2+$3) with filledcurves fs transparent solid 0.2 noborder lc 2 notitle, 'curve-halfcheetah-medium-native-v0-SRPO_beta_0.05.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.6 lc 2 title 'SRPO beta 0.05', \
     'curve-halfcheetah-medium-native-v0-SRPO_beta_0.2.dat' using 1:($2-$3):($2+$3) with filledcurves fs transparent solid 0.2 noborder lc 3 notitle, 'curve-halfcheetah-medium-native-v0-SRPO_beta_0.2.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.6 lc 3 title 'SRPO beta 0.2'
