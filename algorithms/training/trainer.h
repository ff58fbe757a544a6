// Runs an algorithm's stages with progress, JSON Lines metrics, periodic evaluation and
// checkpoints; resumes an interrupted run from its last checkpoint. On CPU a resumed run ends
// bit-identical to an uninterrupted one: every RNG state, optimiser state and counter is saved,
// and evaluation runs on a forked RNG so it never shifts training's random numbers.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "algorithms/training/algorithm.h"
#include "common/metrics.h"
#include "common/run_directory.h"

namespace grl::training {

struct TrainerConfig {
  std::int64_t log_every = 100;          // steps between metrics lines
  std::int64_t checkpoint_every = 1000;  // steps between checkpoints (0: only at stage ends)
  std::int64_t eval_every = 0;           // steps between evaluations in evaluated stages (0: stage end only)
  bool keep_stage_checkpoints = true;    // also keep checkpoints/<stage>.pt at the end of each stage
  bool keep_best = true;                 // also keep checkpoints/best.pt: the best-scoring evaluation of the last evaluated stage

  template <class V>
  void visit(V& v);
};

enum class TrainOutcome { finished, interrupted };

// The first metric whose name contains "loss" and whose value is NaN or infinite, or nullptr. Such
// a loss never recovers: every later step trains on it and every later checkpoint would hold it.
// Other metrics (a weight's spread, an estimate) may be undefined for a while.
const std::pair<std::string, double>* first_non_finite_loss(const Metrics& metrics);

class Trainer {
 public:
  using Evaluate = std::function<Metrics(Algorithm&)>;

  // `resolved_config` is stored in every checkpoint so that a checkpoint alone can rebuild the run.
  Trainer(Algorithm& algorithm, RunDirectory run, TrainerConfig config, std::string resolved_config,
          Evaluate evaluate = {});

  // Continues from checkpoints/latest.pt when it exists (metrics.jsonl cut back to that
  // checkpoint), else starts over. Returns interrupted when should_stop() turned true; a checkpoint
  // is written first, so the run can be resumed. Holds the run's lock (common/run_lock.h) while it
  // runs. Throws at the first NaN or infinite loss, naming the stage, step and metric, without
  // writing a checkpoint, so latest.pt keeps the last good state.
  TrainOutcome run(const std::function<bool()>& should_stop = {});

  std::filesystem::path latest_checkpoint() const { return run_.checkpoints_dir() / "latest.pt"; }
  std::filesystem::path best_checkpoint() const { return run_.checkpoints_dir() / "best.pt"; }

 private:
  void save(std::size_t stage_index, std::int64_t step, const std::filesystem::path& path);
  void evaluate(std::size_t stage_index, std::int64_t step, MetricsWriter& metrics);

  Algorithm& algorithm_;
  RunDirectory run_;
  TrainerConfig config_;
  std::string resolved_config_;
  Evaluate evaluate_;
  std::vector<Stage> stages_;
  // The best "score_mean" so far among evaluations of the last evaluated stage (what best.pt holds).
  double best_score_ = -std::numeric_limits<double>::infinity();
  std::string last_saved_;  // where latest.pt stands ("stage 'critic' step 2000"); empty before the first save
};

}  // namespace grl::training
