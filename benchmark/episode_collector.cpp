#include "benchmark/episode_collector.h"

#include <chrono>
#include <random>
#include <stdexcept>

#include "common/progress.h"
#include "common/runtime.h"
#include "common/seeding.h"
#include "envs/env_catalog.h"
#include "envs/vec_env.h"
#include "envs/vec_env_tensor.h"

namespace grl::benchmark {

namespace {

class UniformActions : public ActionSource {
 public:
  UniformActions(int act_dim, std::uint64_t seed) : act_dim_(act_dim), rng_(make_rng(seed, SeedStream::dataset)) {}
  torch::Tensor act(const torch::Tensor& observations, torch::Tensor* log_probs) override {
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    torch::Tensor a = torch::empty({observations.size(0), act_dim_});
    float* p = a.data_ptr<float>();
    for (int64_t i = 0; i < a.numel(); ++i) p[i] = uniform(rng_);
    if (log_probs) *log_probs = torch::full({observations.size(0)}, -act_dim_ * std::log(2.0f));
    return a;
  }
  std::string description() const override { return "random"; }

 private:
  int act_dim_;
  std::mt19937_64 rng_;
};

class ZeroActions : public ActionSource {
 public:
  explicit ZeroActions(int act_dim) : act_dim_(act_dim) {}
  torch::Tensor act(const torch::Tensor& observations, torch::Tensor*) override {
    return torch::zeros({observations.size(0), act_dim_});
  }
  std::string description() const override { return "zero"; }

 private:
  int act_dim_;
};

class ActorActions : public ActionSource {
 public:
  ActorActions(networks::TanhGaussianActor actor, bool deterministic, std::uint64_t seed, std::string description)
      : actor_(std::move(actor)), deterministic_(deterministic),
        generator_(at::make_generator<at::CPUGeneratorImpl>(seed)), description_(std::move(description)) {}
  torch::Tensor act(const torch::Tensor& observations, torch::Tensor* log_probs) override {
    torch::NoGradGuard no_grad;
    if (deterministic_) return actor_->deterministic_action(observations).contiguous();
    auto sample = actor_->sample(observations, generator_);
    if (log_probs) *log_probs = sample.log_prob.contiguous();
    return sample.action.contiguous();
  }
  std::string description() const override { return description_; }

 private:
  networks::TanhGaussianActor actor_;
  bool deterministic_;
  at::Generator generator_;
  std::string description_;
};

class PolicyActions : public ActionSource {
 public:
  PolicyActions(std::shared_ptr<training::Policy> policy, const std::string& device, std::string description)
      : policy_(std::move(policy)), device_(resolve_device(device)), description_(std::move(description)) {}
  torch::Tensor act(const torch::Tensor& observations, torch::Tensor*) override {
    return policy_->act(observations.to(device_)).detach().to(torch::kCPU, torch::kFloat32).contiguous();
  }
  std::string description() const override { return description_; }

 private:
  std::shared_ptr<training::Policy> policy_;
  torch::Device device_;
  std::string description_;
};

struct EpisodeRows {
  std::vector<float> obs, next_obs, actions, log_probs;
  std::vector<double> qpos, qvel;
  std::vector<float> rewards;
  std::vector<std::uint8_t> terminals, timeouts;
  double episode_return = 0;
  std::int64_t rows() const { return static_cast<std::int64_t>(rewards.size()); }
};

// Runs episodes [first, first + count) in lockstep.
void run_batch(ActionSource& source, const envs::EnvSpec& spec, const CollectionOptions& options, std::int64_t first,
               int count, std::vector<EpisodeRows>& episodes, bool& has_log_probs) {
  const int obs_dim = spec.obs_dim, act_dim = spec.act_dim, nq = spec.nq, nv = spec.nv;
  envs::VecEnvOptions vec;
  vec.num_envs = count;
  vec.threads = options.threads;
  vec.auto_reset = false;
  vec.env.max_episode_steps = options.max_episode_steps;
  envs::VecEnv env(spec.id, vec);
  for (int i = 0; i < count; ++i) {
    env.env(i).seed(derive_seed(options.seed, static_cast<std::uint64_t>(first + i)));
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
    torch::Tensor log_probs;
    const torch::Tensor chosen = source.act(obs, &log_probs);
    has_log_probs = log_probs.defined();
    for (std::size_t k = 0; k < live.size(); ++k) {
      const int i = static_cast<int>(live[k]);
      EpisodeRows& e = episodes[first + i];
      const float* o = env.observations() + static_cast<std::size_t>(i) * obs_dim;
      e.obs.insert(e.obs.end(), o, o + obs_dim);
      const float* a = chosen.data_ptr<float>() + k * act_dim;
      e.actions.insert(e.actions.end(), a, a + act_dim);
      if (has_log_probs) e.log_probs.push_back(log_probs.data_ptr<float>()[k]);
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

}  // namespace

std::unique_ptr<ActionSource> uniform_actions(int act_dim, std::uint64_t seed) {
  return std::make_unique<UniformActions>(act_dim, seed);
}
std::unique_ptr<ActionSource> zero_actions(int act_dim) { return std::make_unique<ZeroActions>(act_dim); }
std::unique_ptr<ActionSource> actor_actions(networks::TanhGaussianActor actor, bool deterministic, std::uint64_t seed,
                                            std::string description) {
  return std::make_unique<ActorActions>(std::move(actor), deterministic, seed, std::move(description));
}
std::unique_ptr<ActionSource> policy_actions(std::shared_ptr<training::Policy> policy, const std::string& device,
                                             std::string description) {
  return std::make_unique<PolicyActions>(std::move(policy), device, std::move(description));
}

CollectedEpisodes collect_episodes(ActionSource& source, const CollectionOptions& options) {
  if ((options.episodes > 0) == (options.transitions > 0))
    throw std::invalid_argument("collect_episodes: give either a number of episodes or of transitions");
  if (options.batch < 1) throw std::invalid_argument("collect_episodes: batch must be >= 1");
  const envs::EnvSpec spec = envs::env_spec(options.env);
  const auto start = std::chrono::steady_clock::now();
  const std::int64_t goal = options.episodes > 0 ? options.episodes : options.transitions;
  ProgressBar bar("collect " + spec.id + " (" + source.description() + ")", goal);

  std::vector<EpisodeRows> episodes;
  bool has_log_probs = false;
  std::int64_t rows = 0;
  for (std::int64_t first = 0;; first += options.batch) {
    int count = options.batch;
    if (options.episodes > 0) {
      if (first >= options.episodes) break;
      count = static_cast<int>(std::min<std::int64_t>(options.batch, options.episodes - first));
    } else if (rows >= options.transitions) {
      break;
    }
    episodes.resize(first + count);
    run_batch(source, spec, options, first, count, episodes, has_log_probs);
    std::int64_t batch_rows = 0;
    for (int i = 0; i < count; ++i) batch_rows += episodes[first + i].rows();
    rows += batch_rows;
    bar.advance(options.episodes > 0 ? count : std::min(batch_rows, options.transitions - (rows - batch_rows)));
  }
  bar.finish();

  // Keep whole episodes up to the row goal; the one that crosses it is cut.
  CollectedEpisodes out;
  const std::int64_t kept_rows = options.transitions > 0 ? options.transitions : rows;
  std::vector<std::int64_t> take;
  std::int64_t taken = 0;
  for (const auto& e : episodes) {
    if (taken >= kept_rows) break;
    const std::int64_t n = std::min(e.rows(), kept_rows - taken);
    take.push_back(n);
    taken += n;
    if (n == e.rows()) {
      out.returns.push_back(e.episode_return);
      out.lengths.push_back(static_cast<int>(n));
    } else {
      out.last_episode_cut = true;
    }
  }

  datasets::D4rlFile& file = out.file;
  const int obs_dim = spec.obs_dim, act_dim = spec.act_dim;
  file.observations = torch::empty({kept_rows, obs_dim});
  file.next_observations = torch::empty({kept_rows, obs_dim});
  file.actions = torch::empty({kept_rows, act_dim});
  file.rewards = torch::empty({kept_rows});
  file.terminals = torch::empty({kept_rows}, torch::kBool);
  file.timeouts = torch::empty({kept_rows}, torch::kBool);
  file.infos["qpos"] = torch::empty({kept_rows, spec.nq}, torch::kFloat64);
  file.infos["qvel"] = torch::empty({kept_rows, spec.nv}, torch::kFloat64);
  if (has_log_probs) file.infos["action_log_probs"] = torch::empty({kept_rows});
  std::int64_t at = 0;
  for (std::size_t k = 0; k < take.size(); ++k) {
    const EpisodeRows& e = episodes[k];
    const std::int64_t n = take[k];
    auto put = [&](torch::Tensor& dst, const auto& src, int64_t width) {
      using T = typename std::decay_t<decltype(src)>::value_type;
      const std::vector<int64_t> shape = width > 0 ? std::vector<int64_t>{e.rows(), width} : std::vector<int64_t>{e.rows()};
      const torch::Tensor t = torch::from_blob(const_cast<T*>(src.data()), shape, torch::CppTypeToScalarType<T>::value);
      dst.narrow(0, at, n).copy_(t.narrow(0, 0, n).to(dst.scalar_type()));
    };
    put(file.observations, e.obs, obs_dim);
    put(*file.next_observations, e.next_obs, obs_dim);
    put(file.actions, e.actions, act_dim);
    put(file.rewards, e.rewards, 0);
    put(file.terminals, e.terminals, 0);
    put(*file.timeouts, e.timeouts, 0);
    put(file.infos["qpos"], e.qpos, spec.nq);
    put(file.infos["qvel"], e.qvel, spec.nv);
    if (has_log_probs) put(file.infos["action_log_probs"], e.log_probs, 0);
    at += n;
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace grl::benchmark
