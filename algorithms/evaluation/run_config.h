// The one YAML file that describes a training run (a preset), and what the `grl train`, `grl resume`
// and `grl eval` commands build from it:
//
//   algorithm: gmpo
//   dataset: hopper-medium-v2          # D4RL id or path (grl train --dataset overrides it)
//   env: ""                            # catalog env; empty: inferred from the dataset
//   seed: 0
//   reward_scaling: iql_locomotion     # iql_locomotion | antmaze | none
//   normalize_states: false
//   trainer: {log_every: 100, ...}     # training::TrainerConfig
//   evaluation: {episodes: 10, ...}    # evaluation::EvaluationConfig
//   gmpo: {...}                        # the algorithm's own config struct, from the registry
//
// Every key is checked: unknown keys anywhere (the algorithm's section included) are errors naming
// the file, line and key path, and dotted overrides ("gmpo.policy.beta=8") go through the same checks.
// The resolved config (every field) is what runs/<name>/config.yaml and every checkpoint hold.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "algorithms/evaluation/evaluator.h"
#include "algorithms/training/algorithm.h"
#include "algorithms/training/algorithm_registry.h"
#include "algorithms/training/trainer.h"
#include "common/config.h"
#include "datasets/offline_dataset.h"
#include "datasets/state_normalization.h"

namespace grl::evaluation {

struct RunConfig {
  std::string algorithm;                 // a registered algorithm ("gmpo", "gmpg", ...)
  std::string dataset;                   // D4RL id or path
  std::string env;                       // catalog env id; empty: inferred from the dataset
  std::int64_t seed = 0;
  std::string reward_scaling = "iql_locomotion";
  bool normalize_states = false;
  training::TrainerConfig trainer;
  EvaluationConfig evaluation;
  std::unique_ptr<training::AlgorithmConfig> algorithm_config;  // the section named `algorithm`

  template <class V>
  void visit(V& v);
};

// Parses a run config. `algorithm` (e.g. from --algo) must agree with the file's `algorithm:` key
// when both are given; the file may omit the key when `algorithm` is given. Throws
// config::ConfigError naming the file, line and key for every problem.
RunConfig parse_run_config(const config::Source& source, const std::string& algorithm = "");
// Every field, defaults included: reads back to the same config.
std::string run_config_yaml(const RunConfig& config);

// The env the run is scored in: `env` when set, else inferred from the dataset's name or file.
envs::EnvSpec run_env(const RunConfig& config);

// The run's transitions: the dataset located, read, reward-scaled and (optionally) normalised.
datasets::OfflineDataset load_run_dataset(const RunConfig& config);

// An algorithm together with the state normalisation it was trained with: its policy normalises
// observations first, and save/load carry the statistics in the checkpoint ("run/state_mean",
// "run/state_std"), so that a checkpoint alone can act.
class RunAlgorithm : public training::Algorithm {
 public:
  RunAlgorithm(std::unique_ptr<training::Algorithm> inner, datasets::StateNormalization normalization);

  std::vector<training::Stage> stages() const override { return inner_->stages(); }
  training::Metrics train_step(const std::string& stage, std::int64_t step) override {
    return inner_->train_step(stage, step);
  }
  void save(training::CheckpointWriter& out) const override;
  void load(const training::CheckpointReader& in) override;
  std::shared_ptr<training::Policy> policy() override;

  training::Algorithm& inner() { return *inner_; }
  const datasets::StateNormalization& normalization() const { return normalization_; }

 private:
  std::unique_ptr<training::Algorithm> inner_;
  datasets::StateNormalization normalization_;
};

// A run ready to train (with its data) or to act (without).
struct PreparedRun {
  RunConfig config;
  envs::EnvSpec env;
  std::optional<datasets::OfflineDataset> dataset;   // CPU copy as loaded
  std::unique_ptr<datasets::TransitionSet> data;     // on the device; what the algorithm trains on
  std::unique_ptr<RunAlgorithm> algorithm;
};

// Seeds every generator from config.seed, loads the dataset, moves it to `device` and builds the
// algorithm through the registry.
PreparedRun prepare_training_run(RunConfig config, const std::string& device);
// Builds the algorithm without data, to load a checkpoint into and act. Algorithms that cannot be
// built without data get the dataset loaded as for training.
PreparedRun prepare_acting_run(RunConfig config, const std::string& device);

// The run config a checkpoint stores (what it trained with), labelled "<file> (stored config)" in
// messages.
config::Source stored_run_config(const training::CheckpointReader& checkpoint);
// A checkpoint made runnable: its stored config with `overrides` applied, the algorithm built for
// acting on `device` and the checkpoint's weights loaded. What eval, collect, the harness's final
// evaluation and the viewer share.
PreparedRun load_run_from_checkpoint(const training::CheckpointReader& checkpoint, const std::string& device,
                                     const std::vector<std::string>& overrides = {});

// Evaluation callback for the trainer: config.evaluation on run_env, seeded with
// derive_seed(seed, SeedStream::evaluation), so every evaluation of a run sees the same episodes.
training::Trainer::Evaluate make_trainer_evaluation(const PreparedRun& run);

}  // namespace grl::evaluation

namespace grl::evaluation {

// Installs SIGINT/SIGTERM handlers and returns the trainer's should_stop check: after a signal the
// trainer finishes its step, writes a checkpoint and returns interrupted. A second signal kills.
std::function<bool()> stop_on_signals();

// Trains `run` in `directory` with the resolved config stored in every checkpoint, evaluating as
// run.config.trainer says; continues from checkpoints/latest.pt when the directory holds one.
training::TrainOutcome train_prepared_run(PreparedRun& run, const RunDirectory& directory,
                                          const std::function<bool()>& should_stop);

}  // namespace grl::evaluation
