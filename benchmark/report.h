// `grl bench report <out>`: from the cells' result.json and metrics.jsonl files of a sweep folder,
// writes <out>/report/:
//   results.csv      one row per finished run
//   table.md         the paper's layout: mean +- std over seeds of each run's normalised score, per
//                    algorithm and dataset, averages, and the published numbers beside ours
//   plots/           learning curves (normalised score over training steps, mean and band over seeds)
//                    and a bar chart per dataset, as PNG and SVG, drawn by gnuplot from the .dat and
//                    .gp files beside them (edit and rerun `gnuplot <file>.gp` to restyle)
//   README.md        the above, with the hardware, versions, budgets and the commands that ran the sweep
// The std over seeds is the population std (numpy's default, as GenerativeRL reports it) of the
// per-seed means over the final evaluation episodes.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "benchmark/cell_runner.h"

namespace grl::benchmark {

struct ScoreSummary {
  double mean = 0, std = 0;
  std::size_t seeds = 0;
};
// Mean and population std of the per-seed scores.
ScoreSummary summarize_scores(const std::vector<double>& per_seed);

struct ReportSummary {
  std::filesystem::path dir;
  std::size_t runs = 0;            // finished cells
  std::size_t missing = 0;         // cells without a result
  bool plots = false;              // whether gnuplot drew the plots
  std::string plot_note;           // why not, when not
};

ReportSummary write_report(const std::filesystem::path& out);

}  // namespace grl::benchmark
