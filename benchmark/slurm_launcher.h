// `grl bench run --launcher slurm`: one SLURM array task per unfinished cell, each running
// `grl bench cell` (the same code path as the local launcher) and writing its own result.json in the
// shared sweep folder; `grl bench report` is the same afterwards. A task that reaches its time limit
// gets SIGTERM two minutes early and checkpoints; running the launcher again submits what is missing.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "benchmark/sweep.h"

namespace grl::benchmark {

struct SlurmOptions {
  std::filesystem::path executable;      // the grl binary the tasks run (must be visible on the nodes)
  std::vector<std::string> global_args;  // before `bench cell`
  bool submit = true;                    // false: write the script only
  bool wait = false;                     // poll squeue until the array has left the queue
};

struct SlurmSubmission {
  std::filesystem::path script;
  std::string job_id;                    // empty when not submitted
  std::vector<std::size_t> cells;        // array indices (cell indices)
};

// The sbatch script for `cells` (cell indices) of `sweep` in `out`.
std::string slurm_script(const Sweep& sweep, const std::filesystem::path& out, const std::vector<std::size_t>& cells,
                         const SlurmOptions& options);

// Writes <out>/slurm/cells.sbatch for the unfinished cells and submits it with sbatch. Throws with
// sbatch's message when submission fails, and when sbatch is not installed.
SlurmSubmission launch_on_slurm(const Sweep& sweep, const std::filesystem::path& out, const SlurmOptions& options);

}  // namespace grl::benchmark
