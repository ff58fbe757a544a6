// A sweep: algorithms x datasets x seeds, each cell one training run scored the same way.
//
//   name: cpu-native
//   workers: 2                       # cells run at once by `grl bench run`
//   datasets: [hopper-medium-native-v0, halfcheetah-medium-native-v0]
//   seeds: [0, 1, 2]
//   overrides: [trainer.log_every=500]            # applied to every cell
//   evaluation: {episodes: 10, final_episodes: 100, checkpoint: last}
//   slurm: {partition: gpu, time: "24:00:00", cpus_per_task: 4}
//   algorithms:
//     - label: GMPO-GVP               # column of the tables; matches a published column when it can
//       algorithm: gmpo
//       preset: gmpo/cpu-gvp.yaml     # relative to presets/ (or a path); {dataset} and {env} are
//                                     # replaced per cell: gmpo/{dataset}-gvp.yaml for per-dataset presets
//       overrides: [gmpo.policy.beta=8]
//
// Every key is checked (file, line and key path in errors); the algorithm's name, the preset, every
// dataset id and every override are checked when the sweep is loaded, so a mistake shows before the
// first cell runs, not hours later.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/config.h"

namespace grl::benchmark {

struct SweepAlgorithm {
  std::string label;                   // table column ("GMPO-GVP"); also the cell folder's prefix
  std::string algorithm;               // a registered algorithm
  std::string preset;                  // run config, relative to presets/ or a path; may hold {dataset}, {env}
  std::vector<std::string> overrides;  // dotted overrides of the preset
  std::string published;               // published column to print beside (default: the label when it is one)

  template <class V>
  void visit(V& v);
};

struct SweepEvaluation {
  int episodes = 10;          // evaluation.episodes of every run (evaluations during training)
  int final_episodes = 100;   // the final evaluation of the chosen checkpoint
  std::string checkpoint = "last";  // last: the end of training; best: the best evaluation during training

  template <class V>
  void visit(V& v);
};

struct SweepSlurm {
  std::string partition;
  std::string time = "24:00:00";
  int cpus_per_task = 2;
  std::string gpus;                    // e.g. "1": --gres=gpu:<gpus>
  std::vector<std::string> extra;      // further #SBATCH lines' options, e.g. "--mem=16G"

  template <class V>
  void visit(V& v);
};

struct Sweep {
  std::string name;
  std::string description;
  int workers = 1;
  std::vector<SweepAlgorithm> algorithms;
  std::vector<std::string> datasets;
  std::vector<std::int64_t> seeds = {0};
  std::vector<std::string> overrides;
  std::string device = "cpu";
  SweepEvaluation evaluation;
  SweepSlurm slurm;

  template <class V>
  void visit(V& v);
};

// One run of a sweep.
struct SweepCell {
  std::size_t index;            // position in sweep_cells(): algorithms, then datasets, then seeds
  SweepAlgorithm algorithm;
  std::string dataset;
  std::int64_t seed;
  std::string name;             // "<label>__<dataset>__seed<k>", the folder under <out>/cells
};

// Parses and checks a sweep file (see above). Throws config::ConfigError naming the file, the line
// and the key path.
Sweep load_sweep(const std::filesystem::path& file);
Sweep parse_sweep(const config::Source& source);

std::vector<SweepCell> sweep_cells(const Sweep& sweep);

// The preset file of a cell: the algorithm's preset with {dataset} and {env} replaced.
std::filesystem::path cell_preset(const SweepCell& cell);

// The run config of a cell: its preset with the dataset, seed, evaluation episodes and the sweep's
// and the algorithm's overrides applied (in that order), as `grl train` would parse it.
config::Source cell_run_config(const Sweep& sweep, const SweepCell& cell);

// `text` with every character but letters, digits, '-', '_' and '.' replaced by '_' (folder names).
std::string file_safe_name(std::string text);

// The published column an algorithm is compared with ("" when none).
std::string published_column(const SweepAlgorithm& algorithm);

}  // namespace grl::benchmark
