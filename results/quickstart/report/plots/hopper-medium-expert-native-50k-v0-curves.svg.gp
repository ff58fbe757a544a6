set terminal svg size 900,520 dynamic enhanced font 'Sans,10'
set output 'hopper-medium-expert-native-50k-v0-curves.svg'
set title 'hopper-medium-expert-native-50k-v0: normalised score during training (mean and std over seeds)' noenhanced
set xlabel 'policy step'
set ylabel 'D4RL-normalised score'
set key outside right
set grid
plot 'curve-hopper-medium-expert-native-50k-v0-GMPO-GVP_quick.dat' using 1:($2-$3):($2+$3) with filledcurves fs transparent solid 0.2 noborder lc 1 notitle, 'curve-hopper-medium-expert-native-50k-v0-GMPO-GVP_quick.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.6 lc 1 title 'GMPO-GVP quick', \
     'curve-hopper-medium-expert-native-50k-v0-GMPO-GVP_quick_beta_20.dat' using 1:($2-$3):($2+$3) with filledcurves fs transparent solid 0.2 noborder lc 2 notitle, 'curve-hopper-medium-expert-native-50k-v0-GMPO-GVP_quick_beta_20.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.6 lc 2 title 'GMPO-GVP quick beta 20', \
     'curve-hopper-medium-expert-native-50k-v0-BC_quick.dat' using 1:($2-$3):($2+$3) with filledcurves fs transparent solid 0.2 noborder lc 3 notitle, 'curve-hopper-medium-expert-native-50k-v0-BC_quick.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.6 lc 3 title 'BC quick', \
     'curve-hopper-medium-expert-native-50k-v0-BC_20000_steps.dat' using 1:($2-$3):($2+$3) with filledcurves fs transparent solid 0.2 noborder lc 4 notitle, 'curve-hopper-medium-expert-native-50k-v0-BC_20000_steps.dat' using 1:2 with linespoints lw 2 pt 7 ps 0.6 lc 4 title 'BC 20000 steps'
