// `grl collect --env hopper --policy random|zero|<checkpoint> --episodes N --seed S --out file.hdf5`
// Runs N episodes and writes them as a D4RL-layout dataset (observations, actions, rewards,
// terminals, timeouts, next_observations, infos/qpos, infos/qvel, metadata/*) with the datasets
// layer's writer (temp file + rename), so that a dataset exists for runs and tests without a
// download. Episode i starts from an env seeded with derive_seed(S, i); episodes are stored in order.
#include <iostream>
#include <random>

#include "algorithms/evaluation/run_config.h"
#include "algorithms/training/checkpoint.h"
#include "apps/command.h"
#include "common/seeding.h"
#include "datasets/d4rl_file.h"
#include "envs/vec_env.h"
#include "envs/vec_env_tensor.h"

namespace grl::cli {
namespace {

struct CollectOptions {
  std::string env;
  std::string policy = "random";
  int episodes = 100;
  std::int64_t seed = 0;
  std::string out;
  int max_episode_steps = 1000;
  int batch = 32;  // episodes stepped together
};

// What picks the actions: uniform noise, zeros, or a trained checkpoint's policy.
class ActionSource {
 public:
  ActionSource(const CollectOptions& options, const envs::EnvSpec& spec, const std::string& device)
      : kind_(options.policy), act_dim_(spec.act_dim),
        rng_(derive_seed(static_cast<std::uint64_t>(options.seed), SeedStream::dataset)) {
    if (kind_ == "random" || kind_ == "zero") return;
    const training::CheckpointReader checkpoint(kind_);
    const auto source = config::load_text(checkpoint.text("config"), kind_ + " (stored config)");
    run_ = std::make_unique<evaluation::PreparedRun>(evaluation::prepare_acting_run(evaluation::parse_run_config(source), device));
    if (run_->env.id != spec.id) {
      throw std::invalid_argument("checkpoint " + kind_ + " acts in " + run_->env.id + ", not in " + spec.id);
    }
    run_->algorithm->load(checkpoint);
    policy_ = run_->algorithm->policy();
    device_ = torch::Device(resolve_device(device));
    // The policy's noise comes from the global generator: seed it for a reproducible dataset.
    seed_everything(derive_seed(static_cast<std::uint64_t>(options.seed), SeedStream::dataset));
  }

  // observations [B, obs] -> actions [B, act] (float32, CPU)
  torch::Tensor act(const torch::Tensor& observations) {
    const int64_t rows = observations.size(0);
    if (kind_ == "zero") return torch::zeros({rows, act_dim_});
    if (kind_ == "random") {
      std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
      torch::Tensor a = torch::empty({rows, act_dim_});
      float* p = a.data_ptr<float>();
      for (int64_t i = 0; i < rows * act_dim_; ++i) p[i] = uniform(rng_);
      return a;
    }
    return policy_->act(observations.to(device_)).detach().to(torch::kCPU, torch::kFloat32).contiguous();
  }
  std::string description() const { return kind_ == "random" || kind_ == "zero" ? kind_ : "checkpoint " + kind_; }

 private:
  std::string kind_;
  int64_t act_dim_;
  std::mt19937_64 rng_;
  std::unique_ptr<evaluation::PreparedRun> run_;
  std::shared_ptr<training::Policy> policy_;
  torch::Device device_ = torch::kCPU;
};

struct EpisodeRows {
  std::vector<float> obs, next_obs, actions;
  std::vector<double> qpos, qvel;
  std::vector<float> rewards;
  std::vector<std::uint8_t> terminals, timeouts;
  double episode_return = 0;
};

int run_collect(const CollectOptions& options, const GlobalOptions& global) {
  const envs::EnvSpec spec = envs::env_spec(options.env);
  ActionSource source(options, spec, global.runtime.device);
  const int obs_dim = spec.obs_dim, act_dim = spec.act_dim, nq = spec.nq, nv = spec.nv;

  std::vector<EpisodeRows> episodes(options.episodes);
  for (int first = 0; first < options.episodes; first += options.batch) {
    const int count = std::min(options.batch, options.episodes - first);
    envs::VecEnvOptions vec;
    vec.num_envs = count;
    vec.auto_reset = false;
    vec.env.max_episode_steps = options.max_episode_steps;
    envs::VecEnv env(spec.id, vec);
    for (int i = 0; i < count; ++i) {
      env.env(i).seed(derive_seed(static_cast<std::uint64_t>(options.seed), static_cast<std::uint64_t>(first + i)));
      env.reset_env(i);
    }
    std::vector<std::uint8_t> active(count, 1);
    std::vector<float> actions(static_cast<std::size_t>(count) * act_dim, 0.0f);
    std::vector<double> qpos(nq), qvel(nv);
    for (;;) {
      std::vector<int64_t> live;
      for (int i = 0; i < count; ++i)
        if (active[i]) live.push_back(i);
      if (live.empty()) break;
      const torch::Tensor obs = envs::observations_tensor(env, torch::kCPU).index_select(0, torch::tensor(live, torch::kLong));
      const torch::Tensor chosen = source.act(obs);
      for (std::size_t k = 0; k < live.size(); ++k) {
        const int i = static_cast<int>(live[k]);
        EpisodeRows& e = episodes[first + i];
        const float* o = env.observations() + static_cast<std::size_t>(i) * obs_dim;
        e.obs.insert(e.obs.end(), o, o + obs_dim);
        const float* a = chosen.data_ptr<float>() + k * act_dim;
        e.actions.insert(e.actions.end(), a, a + act_dim);
        std::copy(a, a + act_dim, actions.begin() + static_cast<std::size_t>(i) * act_dim);
        env.env(i).get_state(qpos.data(), qvel.data());
        e.qpos.insert(e.qpos.end(), qpos.begin(), qpos.end());
        e.qvel.insert(e.qvel.end(), qvel.begin(), qvel.end());
      }
      env.step(actions.data(), active.data());
      for (const int64_t i : live) {
        EpisodeRows& e = episodes[first + i];
        const float* o = env.observations() + static_cast<std::size_t>(i) * obs_dim;
        e.next_obs.insert(e.next_obs.end(), o, o + obs_dim);
        e.rewards.push_back(static_cast<float>(env.rewards()[i]));
        e.episode_return += env.rewards()[i];
        e.terminals.push_back(env.terminals()[i]);
        e.timeouts.push_back(env.timeouts()[i] && !env.terminals()[i]);
        if (env.terminals()[i] || env.timeouts()[i]) active[i] = 0;
      }
    }
  }

  // Concatenate the episodes in order.
  std::int64_t rows = 0;
  for (const auto& e : episodes) rows += static_cast<std::int64_t>(e.rewards.size());
  datasets::D4rlFile file;
  file.observations = torch::empty({rows, obs_dim});
  file.next_observations = torch::empty({rows, obs_dim});
  file.actions = torch::empty({rows, act_dim});
  file.rewards = torch::empty({rows});
  file.terminals = torch::empty({rows}, torch::kBool);
  file.timeouts = torch::empty({rows}, torch::kBool);
  file.infos["qpos"] = torch::empty({rows, nq}, torch::kFloat64);
  file.infos["qvel"] = torch::empty({rows, nv}, torch::kFloat64);
  std::int64_t at = 0;
  double return_sum = 0;
  for (const auto& e : episodes) {
    const auto n = static_cast<std::int64_t>(e.rewards.size());
    auto put = [&](torch::Tensor& dst, const auto& src, int64_t width, torch::ScalarType type) {
      using T = typename std::decay_t<decltype(src)>::value_type;
      const std::vector<int64_t> shape = width > 0 ? std::vector<int64_t>{n, width} : std::vector<int64_t>{n};
      const torch::Tensor t = torch::from_blob(const_cast<T*>(src.data()), shape, torch::CppTypeToScalarType<T>::value);
      dst.narrow(0, at, n).copy_(t.to(type));
    };
    put(file.observations, e.obs, obs_dim, torch::kFloat32);
    put(*file.next_observations, e.next_obs, obs_dim, torch::kFloat32);
    put(file.actions, e.actions, act_dim, torch::kFloat32);
    put(file.rewards, e.rewards, 0, torch::kFloat32);
    put(file.terminals, e.terminals, 0, torch::kBool);
    put(*file.timeouts, e.timeouts, 0, torch::kBool);
    put(file.infos["qpos"], e.qpos, nq, torch::kFloat64);
    put(file.infos["qvel"], e.qvel, nv, torch::kFloat64);
    at += n;
    return_sum += e.episode_return;
  }
  file.metadata["algorithm"] = source.description();
  file.metadata["env"] = spec.id;
  file.metadata["seed"] = static_cast<std::int64_t>(options.seed);
  file.metadata["episodes"] = static_cast<std::int64_t>(options.episodes);
  file.metadata["max_episode_steps"] = static_cast<std::int64_t>(options.max_episode_steps);
  file.metadata["generator"] = std::string("grl collect");
  datasets::write_d4rl_file(options.out, file);

  const double mean_return = return_sum / options.episodes;
  std::cout << "wrote " << options.out << ": " << options.episodes << " episodes, " << rows << " transitions of " << spec.id
            << " (" << source.description() << " policy, seed " << options.seed << ")\n";
  std::cout << "mean return " << mean_return << ", normalized score " << envs::normalized_score(spec, mean_return) << "\n";
  return 0;
}

std::function<int()> add_collect(CLI::App& parent, GlobalOptions& global) {
  auto options = std::make_shared<CollectOptions>();
  auto* collect = parent.add_subcommand("collect", "run a policy in an env and write a D4RL-layout dataset");
  collect->add_option("--env", options->env, "environment: halfcheetah, hopper, walker2d, ant")->required();
  collect->add_option("--policy", options->policy, "random (uniform in [-1, 1]), zero, or a checkpoint file")
      ->capture_default_str();
  collect->add_option("--episodes", options->episodes, "episodes to run")->check(CLI::PositiveNumber)->capture_default_str();
  collect->add_option("--seed", options->seed, "seed of the episodes and of the policy's noise")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  collect->add_option("--out", options->out, "output .hdf5 file")->required();
  collect->add_option("--max-episode-steps", options->max_episode_steps, "time limit per episode")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  collect->add_option("--batch", options->batch, "episodes stepped together")->check(CLI::PositiveNumber)->capture_default_str();
  return [options, &global] { return run_collect(*options, global); };
}

}  // namespace
}  // namespace grl::cli

GRL_REGISTER_COMMAND("collect", 23, grl::cli::add_collect);
