#include "benchmark/native_datasets.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>

#include "algorithms/evaluation/evaluator.h"
#include "baselines/sac/replay_buffer.h"
#include "benchmark/episode_collector.h"
#include "common/atomic_file.h"
#include "common/config.h"
#include "common/data_files.h"
#include "common/run_directory.h"
#include "common/runtime.h"
#include "common/seeding.h"
#include "datasets/dataset_error.h"
#include "datasets/d4rl_transitions.h"
#include "datasets/dataset_location.h"
#include "envs/env_catalog.h"

namespace grl::benchmark {

namespace {

const DataFolder kPolicies{"GRL_POLICY_DIR", "policies", "benchmark/policies", "behaviour policy"};

// Seeds per kind, so that a medium-expert file's halves are exactly the medium and expert files.
std::uint64_t kind_seed(const std::string& kind) {
  if (kind == "random") return 0;
  if (kind == "medium") return 1;
  return 2;  // expert
}

datasets::D4rlFile concatenate(const std::vector<datasets::D4rlFile>& parts) {
  if (parts.size() == 1) return parts.front();
  auto cat = [&](auto field) {
    std::vector<torch::Tensor> pieces;
    for (const auto& p : parts) pieces.push_back(field(p));
    return torch::cat(pieces, 0);
  };
  datasets::D4rlFile out;
  out.observations = cat([](const datasets::D4rlFile& f) { return f.observations; });
  out.actions = cat([](const datasets::D4rlFile& f) { return f.actions; });
  out.rewards = cat([](const datasets::D4rlFile& f) { return f.rewards; });
  out.terminals = cat([](const datasets::D4rlFile& f) { return f.terminals; });
  out.next_observations = cat([](const datasets::D4rlFile& f) { return *f.next_observations; });
  // Every part but the last ends mid-episode (its rows ran out). Without a cut there the next part's
  // first state would read as the next state of that last action, and an episode would run across
  // the boundary; a timeout on the row says the episode was truncated, so qlearning drops the row.
  std::vector<torch::Tensor> timeouts;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    torch::Tensor t = parts[i].timeouts->clone();
    const int64_t last = t.size(0) - 1;
    if (i + 1 < parts.size() && last >= 0 && !parts[i].terminals[last].item<bool>()) t[last] = true;
    timeouts.push_back(t);
  }
  out.timeouts = torch::cat(timeouts, 0);
  for (const auto& [key, value] : parts.front().infos)
    out.infos[key] = cat([&key = key](const datasets::D4rlFile& f) { return f.infos.at(key); });
  return out;
}

void summarize(MadeDataset& made, const std::vector<double>& returns, const envs::EnvSpec& spec) {
  made.episodes = static_cast<std::int64_t>(returns.size());
  if (returns.empty()) return;
  double sum = 0, squares = 0;
  for (double r : returns) sum += r;
  made.return_mean = sum / returns.size();
  for (double r : returns) squares += (r - made.return_mean) * (r - made.return_mean);
  made.return_std = std::sqrt(squares / returns.size());
  made.score_mean = envs::normalized_score(spec, made.return_mean);
}

// The SAC run that trained the medium policy, replayed up to the medium snapshot's step; its replay
// buffer is then the medium-replay dataset.
datasets::D4rlFile replay_sac_buffer(const NativeDatasetSpec& spec, const std::filesystem::path& out) {
  const auto policy_file = find_behaviour_policy(spec.parts.front().policy);
  const auto [shipped_actor, info] = sac::load_actor_file(policy_file);
  if (info.training_config.empty())
    throw std::runtime_error(policy_file.string() + ": holds no SAC config, so its training cannot be replayed");
  auto config = config::parse<sac::SacConfig>(config::load_text(info.training_config, policy_file.string() + " (training_config)"));
  // Evaluations and snapshots draw no training random numbers (the evaluator restores LibTorch's
  // generator), so leaving them out changes nothing but the time taken.
  config.total_steps = info.step;
  config.eval_every = 0;
  config.snapshot_every = 0;
  const std::filesystem::path run_dir = out.string() + ".sac-replay";
  std::cerr << "medium-replay: replaying SAC on " << config.env << " for " << config.total_steps << " steps in "
            << run_dir.string() << " (about as long as that part of the original training)\n";
  const RunDirectory run = std::filesystem::exists(run_dir / "config.yaml")
                               ? RunDirectory::open(run_dir)
                               : RunDirectory::create(run_dir.parent_path(), run_dir.filename().string());
  run.write_config(config::to_yaml(config));
  if (sac::train_sac(config, run) != sac::SacOutcome::finished)
    throw std::runtime_error("medium-replay: the SAC replay stopped early; run the make again to resume it");
  const envs::EnvSpec& env = envs::env_spec(config.env);
  sac::ReplayBuffer buffer(sac::replay_capacity(config), env.obs_dim, env.act_dim, env.nq, env.nv);
  const training::CheckpointReader checkpoint(run.checkpoints_dir() / "latest.pt");
  buffer.load(checkpoint, "replay");
  // The buffer is the medium policy's training data only if the replay reproduced the original run.
  // It does when that run was never stopped between periodic checkpoints (a stop cuts an episode
  // the replay does not cut) and the replay computes as that run did (the same BLAS kernels, which
  // grl pins, and the same BLAS thread count, which is --threads); the replayed actor must then
  // equal the shipped one bit for bit.
  networks::TanhGaussianActor replayed(shipped_actor->state_dim(), shipped_actor->action_dim(), shipped_actor->config());
  checkpoint.module("sac/actor", *replayed);
  double max_difference = 0;
  const auto shipped_parameters = shipped_actor->named_parameters();
  for (const auto& item : replayed->named_parameters())
    max_difference = std::max(max_difference, (item.value() - shipped_parameters[item.key()]).abs().max().item<double>());
  if (max_difference != 0) {
    std::cerr << "medium-replay: WARNING: the replayed actor differs from " << policy_file.string()
              << " (largest weight difference " << max_difference
              << "): this buffer is a faithful SAC run with the same config and seed but not the one that trained "
                 "the medium policy. The replay reproduces a run only with the BLAS thread count it ran with "
                 "(--threads; the shipped hopper policies' run had OpenBLAS at 2 threads) and only if that run "
                 "was never stopped between checkpoints\n";
  }
  datasets::D4rlFile file = buffer.to_d4rl(config.total_steps);
  file.metadata["iteration"] = info.step;
  file.metadata["replay_actor_max_difference"] = max_difference;
  file.metadata["policy_source"] = info.source;
  std::filesystem::remove_all(run_dir);
  return file;
}

}  // namespace

const std::vector<NativeDatasetSpec>& native_dataset_specs() {
  static const std::vector<NativeDatasetSpec> specs = [] {
    std::vector<NativeDatasetSpec> out;
    for (const std::string env : {"halfcheetah", "hopper", "walker2d"}) {
      for (const std::int64_t size : {std::int64_t{1000000}, std::int64_t{50000}}) {
        auto id = [&](const std::string& kind) {
          return envs::DatasetId{env, kind, "v0", true, size == 1000000 ? 0 : size}.to_string();
        };
        for (const std::string kind : {"random", "medium", "expert"})
          out.push_back({id(kind), env, kind, size, {{env + "-" + kind + ".pt", kind_seed(kind)}}, 32});
        out.push_back({id("medium-expert"), env, "medium-expert", size,
                       {{env + "-medium.pt", kind_seed("medium")}, {env + "-expert.pt", kind_seed("expert")}}, 32});
      }
      out.push_back({envs::DatasetId{env, "medium-replay", "v0", true, 0}.to_string(), env, "medium-replay", 0,
                     {{env + "-medium.pt", 0}}, 32});
    }
    return out;
  }();
  return specs;
}

std::optional<NativeDatasetSpec> find_native_dataset(const std::string& id) {
  for (const auto& spec : native_dataset_specs())
    if (spec.id == id) return spec;
  return std::nullopt;
}

std::filesystem::path find_behaviour_policy(const std::string& file_name) { return find_data_file(kPolicies, file_name); }

std::filesystem::path native_dataset_path(const NativeDatasetSpec& spec) {
  return datasets::native_search_dirs().front() / envs::parse_dataset_id(spec.id).d4rl_file_name();
}

MadeDataset make_native_dataset(const NativeDatasetSpec& spec, const std::filesystem::path& out, int threads) {
  const auto start = std::chrono::steady_clock::now();
  const envs::EnvSpec& env = envs::env_spec(spec.env);
  if (!out.parent_path().empty()) std::filesystem::create_directories(out.parent_path());
  MadeDataset made;
  made.file = out;
  datasets::D4rlFile file;
  if (spec.kind == "medium-replay") {
    file = replay_sac_buffer(spec, out);
    const std::vector<double> returns = datasets::summarize_episodes(file).returns;
    summarize(made, returns, env);
    file.metadata["algorithm"] = std::string("SAC (replay buffer)");
  } else {
    std::vector<datasets::D4rlFile> parts;
    std::vector<double> returns;
    for (const auto& part : spec.parts) {
      const auto policy_file = find_behaviour_policy(part.policy);
      auto [actor, info] = sac::load_actor_file(policy_file);
      if (info.env != spec.env) throw std::runtime_error(policy_file.string() + " acts in " + info.env + ", not in " + spec.env);
      auto source = actor_actions(actor, /*deterministic=*/false, derive_seed(part.seed, SeedStream::dataset),
                                  part.policy.substr(0, part.policy.size() - 3));
      CollectionOptions options;
      options.env = spec.env;
      options.seed = part.seed;
      options.transitions = spec.transitions;
      options.batch = spec.batch;
      options.threads = threads;
      // The recorded files are one BLAS thread's (two threads round hopper-expert-native-50k-v0's
      // actions differently and its return moves from 2361.18 to 2395.58), whatever --threads says.
      const ScopedBlasThreads one_blas_thread(1);
      auto collected = collect_episodes(*source, options);
      returns.insert(returns.end(), collected.returns.begin(), collected.returns.end());
      parts.push_back(std::move(collected.file));
      if (spec.parts.size() == 1) {
        // Single-policy files carry their behaviour policy, as D4RL's do.
        for (const auto& [name, weight] : actor->policy_weights()) file.metadata["policy/" + name] = weight;
        file.metadata["iteration"] = info.step;
        file.metadata["policy_source"] = info.source;
        file.metadata["policy_return_stochastic"] = info.return_stochastic;
        file.metadata["policy_return_deterministic"] = info.return_deterministic;
      }
    }
    auto metadata = std::move(file.metadata);
    file = concatenate(parts);
    file.metadata = std::move(metadata);
    summarize(made, returns, env);
    file.metadata["algorithm"] = std::string("SAC");
    std::string seeds;
    for (const auto& part : spec.parts) seeds += (seeds.empty() ? "" : ",") + std::to_string(part.seed);
    file.metadata["seeds"] = seeds;
    file.metadata["lockstep_batch"] = static_cast<std::int64_t>(spec.batch);
  }
  file.metadata["env"] = spec.env;
  file.metadata["dataset_id"] = spec.id;
  file.metadata["generator"] = std::string("grl dataset make ") + spec.id;
  datasets::write_d4rl_file(out, file);
  made.transitions = file.rows();
  made.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return made;
}

void ensure_native_dataset(const std::string& name, int threads) {
  const auto id = envs::try_parse_dataset_id(name);
  if (!id || !id->native) return;
  if (std::filesystem::exists(name)) return;
  const auto spec = find_native_dataset(id->to_string());
  if (!spec) {
    std::string known;
    for (const auto& s : native_dataset_specs()) known += "\n  " + s.id;
    throw datasets::DatasetError("'" + name + "' is not a native dataset; the native datasets are:" + known);
  }
  try {
    datasets::locate_dataset(name);
    return;
  } catch (const datasets::DatasetError&) {
  }
  const auto path = native_dataset_path(*spec);
  std::cerr << "native dataset " << spec->id << " is not made yet: making it now (" << path.string() << ")\n";
  const auto made = make_native_dataset(*spec, path, threads);
  std::cerr << "made " << spec->id << ": " << made.transitions << " transitions, " << made.episodes
            << " episodes, return " << made.return_mean << " (normalised " << made.score_mean << ") in " << made.seconds
            << " s\n";
}

std::vector<sac::ActorFileInfo> select_behaviour_policies(const std::filesystem::path& run_dir,
                                                          const std::filesystem::path& out_dir, int episodes) {
  const RunDirectory run = RunDirectory::open(run_dir);
  const std::string training_config = read_file(run.config_path());
  const auto config = config::parse<sac::SacConfig>(config::load_text(training_config, run.config_path().string()));
  struct Candidate {
    std::filesystem::path file;
    sac::ActorFileInfo info;
  };
  std::vector<Candidate> candidates;
  for (const auto& entry : std::filesystem::directory_iterator(run_dir / "snapshots")) {
    if (entry.path().extension() != ".pt") continue;
    candidates.push_back({entry.path(), sac::load_actor_file(entry.path()).second});
  }
  if (candidates.size() < 3) throw std::runtime_error(run_dir.string() + "/snapshots: fewer than 3 actor snapshots");
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) { return a.info.step < b.info.step; });

  evaluation::EvaluationConfig eval_config;
  eval_config.episodes = episodes;
  const evaluation::Evaluator evaluator(config.env, eval_config);
  const std::uint64_t seed = derive_seed(static_cast<std::uint64_t>(config.seed) + 1, SeedStream::evaluation);
  // Re-evaluates a candidate over `episodes` episodes, sampled and deterministic.
  auto evaluate = [&](Candidate& c) {
    auto actor = sac::load_actor_file(c.file).first;
    sac::SacPolicy sampled(actor, false), deterministic(actor, true);
    c.info.return_stochastic = evaluator.run(sampled, seed).return_mean;
    c.info.return_deterministic = evaluator.run(deterministic, seed).return_mean;
    c.info.evaluation_episodes = episodes;
  };
  // The three closest by the snapshots' own (10-episode) returns, then the best of them re-evaluated.
  auto pick = [&](auto distance) {
    std::vector<Candidate> pool = candidates;
    std::sort(pool.begin(), pool.end(), [&](const Candidate& a, const Candidate& b) { return distance(a.info) < distance(b.info); });
    pool.resize(std::min<std::size_t>(3, pool.size()));
    for (auto& c : pool) evaluate(c);
    return *std::min_element(pool.begin(), pool.end(),
                             [&](const Candidate& a, const Candidate& b) { return distance(a.info) < distance(b.info); });
  };
  Candidate expert = pick([](const sac::ActorFileInfo& i) { return -i.return_stochastic; });
  const double third = expert.info.return_stochastic / 3.0;
  Candidate medium = pick([&](const sac::ActorFileInfo& i) { return std::abs(i.return_stochastic - third); });
  Candidate random = candidates.front();
  evaluate(random);

  std::filesystem::create_directories(out_dir);
  std::vector<sac::ActorFileInfo> chosen;
  for (auto* c : {&random, &medium, &expert}) {
    const std::string kind = c == &random ? "random" : c == &medium ? "medium" : "expert";
    c->info.training_config = training_config;
    c->info.source = "SAC run " + run_dir.filename().string() + " (seed " + std::to_string(config.seed) + "), snapshot " +
                     c->file.filename().string() + ", chosen as " + kind;
    auto actor = sac::load_actor_file(c->file).first;
    sac::save_actor_file(out_dir / (config.env + "-" + kind + ".pt"), *actor, c->info);
    chosen.push_back(c->info);
  }
  return chosen;
}

}  // namespace grl::benchmark
