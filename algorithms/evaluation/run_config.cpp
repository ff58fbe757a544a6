#include "algorithms/evaluation/run_config.h"

#include <atomic>
#include <csignal>
#include <stdexcept>

#include "common/runtime.h"
#include "common/seeding.h"
#include "datasets/dataset_location.h"

namespace grl::evaluation {

template <class V>
void RunConfig::visit(V& v) {
  v.field("algorithm", algorithm, "registered algorithm", config::one_of(training::algorithm_registry().names()));
  v.field("dataset", dataset, "D4RL id (hopper-medium-v2) or path of a D4RL-layout file");
  v.field("env", env, "environment id; empty: inferred from the dataset");
  v.field("seed", seed, "run seed (networks, samplers, evaluation episodes)", config::non_negative());
  v.field("reward_scaling", reward_scaling, "reward transform of the baselines",
          config::one_of({"none", "iql_locomotion", "antmaze"}));
  v.field("normalize_states", normalize_states, "normalise states with dataset mean and std + 1e-3");
  v.section("trainer", trainer, "logging, checkpoints, evaluation schedule");
  v.section("evaluation", evaluation, "episodes run at each evaluation");
  if (algorithm_config) v.section(algorithm, *algorithm_config, "the algorithm's own settings");
}
template void RunConfig::visit(config::Reader&);
template void RunConfig::visit(config::Writer&);

RunConfig parse_run_config(const config::Source& source, const std::string& algorithm) {
  // The algorithm decides what its section holds, so it is read first.
  std::string name = algorithm;
  const YAML::Node node = source.root["algorithm"];
  if (node) {
    std::string in_file;
    config::Reader peek(source, source.root, "");
    struct OnlyAlgorithm {
      std::string* value;
      void visit(config::Reader& r) { r.field("algorithm", *value); }
    };
    OnlyAlgorithm only{&in_file};
    only.visit(peek);
    if (!algorithm.empty() && in_file != algorithm) {
      throw config::ConfigError(config::detail::location(source, "algorithm", node) + ": key 'algorithm': the file is for '" +
                                in_file + "' but --algo asks for '" + algorithm + "'");
    }
    name = in_file;
  }
  if (name.empty()) {
    throw config::ConfigError(source.file + ": no algorithm: give `algorithm:` in the file or --algo");
  }
  if (!training::algorithm_registry().contains(name)) {
    std::string known;
    for (const auto& n : training::algorithm_registry().names()) known += (known.empty() ? "" : ", ") + n;
    throw config::ConfigError(source.file + ": unknown algorithm '" + name + "'; known algorithms: " + known);
  }
  RunConfig config;
  config.algorithm = name;
  config.algorithm_config = training::algorithm_registry().get(name).make_config();
  config::Reader reader(source, source.root, "");
  config.visit(reader);
  reader.finish();
  config.algorithm = name;
  return config;
}

std::string run_config_yaml(const RunConfig& config) { return config::to_yaml(config); }

envs::EnvSpec run_env(const RunConfig& config) {
  if (!config.env.empty()) return envs::env_spec(config.env);
  if (auto spec = datasets::infer_env(config.dataset)) return *spec;
  throw config::ConfigError("cannot tell the environment of dataset '" + config.dataset +
                            "': set `env:` (halfcheetah, hopper, walker2d, ant) in the run config");
}

datasets::OfflineDataset load_run_dataset(const RunConfig& config) {
  datasets::DatasetConfig dataset;
  dataset.name = config.dataset;
  const envs::EnvSpec env = run_env(config);
  dataset.env = env.id;
  dataset.reward_scaling = config.reward_scaling;
  dataset.normalize_states = config.normalize_states;
  // Episodes of files without timeouts end at the env's own time limit; evaluation.max_episode_steps
  // shortens evaluation episodes only (it used to cut the training transitions too).
  dataset.max_episode_steps = env.max_episode_steps;
  return datasets::load_offline_dataset(dataset);
}

RunAlgorithm::RunAlgorithm(std::unique_ptr<training::Algorithm> inner, datasets::StateNormalization normalization)
    : inner_(std::move(inner)), normalization_(std::move(normalization)) {}

void RunAlgorithm::save(training::CheckpointWriter& out) const {
  out.integer("run/normalize_states", normalization_.enabled() ? 1 : 0);
  if (normalization_.enabled()) {
    out.tensor("run/state_mean", normalization_.mean);
    out.tensor("run/state_std", normalization_.std);
  }
  inner_->save(out);
}

void RunAlgorithm::load(const training::CheckpointReader& in) {
  if (in.integer("run/normalize_states") != 0) {
    normalization_.mean = in.tensor("run/state_mean").to(torch::kCPU, torch::kFloat32);
    normalization_.std = in.tensor("run/state_std").to(torch::kCPU, torch::kFloat32);
  } else {
    normalization_ = {};
  }
  inner_->load(in);
}

namespace {

class NormalizingPolicy : public training::Policy {
 public:
  NormalizingPolicy(std::shared_ptr<training::Policy> inner, datasets::StateNormalization normalization)
      : inner_(std::move(inner)), normalization_(std::move(normalization)) {}
  torch::Tensor act(const torch::Tensor& observations) override {
    return inner_->act(normalization_.apply(observations));
  }

 private:
  std::shared_ptr<training::Policy> inner_;
  datasets::StateNormalization normalization_;
};

training::AlgorithmContext context_for(const PreparedRun& run, const std::string& device) {
  training::AlgorithmContext context;
  context.data = run.data.get();
  context.env = run.env;
  context.device = torch::Device(resolve_device(device));
  context.seed = static_cast<std::uint64_t>(run.config.seed);
  if (run.dataset) context.reward_scaling = run.dataset->reward_scaling;
  return context;
}

void build_algorithm(PreparedRun& run, const std::string& device) {
  const auto& factory = training::algorithm_registry().get(run.config.algorithm);
  seed_everything(static_cast<std::uint64_t>(run.config.seed));
  datasets::StateNormalization normalization;
  if (run.dataset) normalization = run.dataset->state_normalization;
  run.algorithm = std::make_unique<RunAlgorithm>(factory.make(*run.config.algorithm_config, context_for(run, device)),
                                                 normalization);
}

void load_data(PreparedRun& run, const std::string& device) {
  run.dataset = load_run_dataset(run.config);
  run.data = std::make_unique<datasets::TransitionSet>(run.dataset->transitions.to(torch::Device(resolve_device(device))));
}

}  // namespace

std::shared_ptr<training::Policy> RunAlgorithm::policy() {
  auto inner = inner_->policy();
  if (!normalization_.enabled()) return inner;
  return std::make_shared<NormalizingPolicy>(std::move(inner), normalization_);
}

PreparedRun prepare_training_run(RunConfig config, const std::string& device) {
  PreparedRun run;
  run.config = std::move(config);
  run.env = run_env(run.config);
  run.config.env = run.env.id;  // resolved, so that a checkpoint never depends on inferring it again
  load_data(run, device);
  build_algorithm(run, device);
  return run;
}

PreparedRun prepare_acting_run(RunConfig config, const std::string& device) {
  PreparedRun run;
  run.config = std::move(config);
  run.env = run_env(run.config);
  try {
    build_algorithm(run, device);
  } catch (const std::invalid_argument&) {
    throw;  // a bad config, not a missing dataset
  } catch (const std::exception&) {
    load_data(run, device);
    build_algorithm(run, device);
  }
  return run;
}

config::Source stored_run_config(const training::CheckpointReader& checkpoint) {
  return config::load_text(checkpoint.text("config"), checkpoint.path().string() + " (stored config)");
}

PreparedRun load_run_from_checkpoint(const training::CheckpointReader& checkpoint, const std::string& device,
                                     const std::vector<std::string>& overrides) {
  config::Source source = stored_run_config(checkpoint);
  config::apply_overrides(source, overrides);
  PreparedRun run = prepare_acting_run(parse_run_config(source), device);
  run.algorithm->load(checkpoint);
  return run;
}

training::Trainer::Evaluate make_trainer_evaluation(const PreparedRun& run) {
  auto evaluator = std::make_shared<Evaluator>(run.env.id, run.config.evaluation);
  const std::uint64_t seed = derive_seed(static_cast<std::uint64_t>(run.config.seed), SeedStream::evaluation);
  return [evaluator, seed](training::Algorithm& algorithm) {
    auto policy = algorithm.policy();
    return evaluator->run(*policy, seed).metrics();
  };
}

}  // namespace grl::evaluation


namespace grl::evaluation {

namespace {
std::atomic<int> g_signals{0};
extern "C" void on_stop_signal(int signal) {
  if (g_signals.fetch_add(1) > 0) {
    std::signal(signal, SIG_DFL);
    std::raise(signal);
  }
}
}  // namespace

std::function<bool()> stop_on_signals() {
  g_signals = 0;
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  return [] { return g_signals.load() > 0; };
}

training::TrainOutcome train_prepared_run(PreparedRun& run, const RunDirectory& directory,
                                          const std::function<bool()>& should_stop) {
  training::Trainer trainer(*run.algorithm, directory, run.config.trainer, run_config_yaml(run.config),
                            make_trainer_evaluation(run));
  return trainer.run(should_stop);
}

}  // namespace grl::evaluation
