// One cell of a sweep, start to finish: train (or resume) the run in <out>/cells/<name>, evaluate the
// chosen checkpoint over the sweep's final episodes and write <out>/cells/<name>/result.json
// atomically. A cell with a result.json is finished; one with only a checkpoint resumes. Every
// launcher (local workers, a SLURM array task) runs cells through this function, as `grl bench cell`.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "benchmark/sweep.h"

namespace grl::benchmark {

struct CellResult {
  std::string label, algorithm, dataset, env;
  std::int64_t seed = 0;
  std::string checkpoint;              // "last" or "best"
  std::int64_t checkpoint_step = 0;    // the trainer step the checkpoint was written at (stage-relative)
  std::string checkpoint_stage;
  int final_episodes = 0;
  std::vector<double> returns;         // final evaluation, per episode
  double return_mean = 0, return_std = 0;
  double score_mean = 0, score_std = 0;  // D4RL-normalised, over the final episodes
  std::vector<std::pair<std::string, std::int64_t>> stages;  // name, steps
  double train_seconds = 0;            // of the session(s) that trained it
  double eval_seconds = 0;
  std::string finished_at;             // local time
  std::string machine;                 // machine_description() of where it ran
  std::string software;                // software_versions()
  std::string device;                  // cpu, cuda:0, ...
};

std::filesystem::path cell_directory(const std::filesystem::path& out, const SweepCell& cell);
std::filesystem::path cell_result_path(const std::filesystem::path& out, const SweepCell& cell);

enum class CellOutcome { finished, already_finished, interrupted };

// `device` "" uses the sweep's.
CellOutcome run_cell(const Sweep& sweep, const SweepCell& cell, const std::filesystem::path& out,
                     const std::function<bool()>& should_stop = {}, const std::string& device = "");

void write_cell_result(const std::filesystem::path& path, const CellResult& result);
// Throws std::runtime_error naming the file when it is missing or malformed.
CellResult read_cell_result(const std::filesystem::path& path);

}  // namespace grl::benchmark
