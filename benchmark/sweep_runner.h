// `grl bench run`: every cell of a sweep, skipping finished ones, resuming interrupted ones.
//
// The sweep's folder <out> holds sweep.yaml (the sweep as first run there: a later run must use the
// same one), commands.txt (every command that ran it), cells/<name>/ (one run directory per cell,
// with result.json when finished and log.txt with its output) and report/ (grl bench report).
//
// Local launcher: up to `workers` cells at once, each a child process `grl bench cell` (so one
// cell's crash cannot take the others down), with overall progress (cells done, ETA). A signal
// stops the children (each writes a checkpoint) and then the runner. SLURM launcher: one array
// task per unfinished cell, each running `grl bench cell` on its node (benchmark/slurm_launcher.h).
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "benchmark/sweep.h"

namespace grl::benchmark {

// Copies the sweep file into <out>/sweep.yaml, or checks that the one there has the same text.
// Returns the sweep as it will run. Appends `command` to <out>/commands.txt.
Sweep prepare_sweep_folder(const std::filesystem::path& sweep_file, const std::filesystem::path& out,
                           const std::string& command);

struct LocalRunOptions {
  int workers = 0;                  // 0: the sweep's
  std::filesystem::path executable; // the grl binary that runs `bench cell`
  std::vector<std::string> global_args;  // passed before `bench cell` (e.g. --threads 1)
};

struct SweepRunSummary {
  std::size_t cells = 0, already_finished = 0, finished = 0, failed = 0, interrupted = 0;
  std::vector<std::string> failed_cells;  // "<name> (exit N, see <log>)"
};

SweepRunSummary run_sweep_locally(const Sweep& sweep, const std::filesystem::path& out, const LocalRunOptions& options,
                                  const std::function<bool()>& should_stop);

}  // namespace grl::benchmark
