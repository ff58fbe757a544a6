// Soft actor-critic (Haarnoja et al. 2018, "Soft Actor-Critic Algorithms and Applications"), online,
// on our envs: the algorithm D4RL's behaviour policies were trained with, and how we train ours.
//
//   y      = r + gamma (1 - terminal) (min(Qbar1, Qbar2)(s', a') - alpha log pi(a'|s')),  a' ~ pi(.|s')
//   L_Q    = (MSE(Q1(s, a), y) + MSE(Q2(s, a), y)) / 2
//   L_pi   = mean(alpha log pi(a~|s) - min(Q1, Q2)(s, a~)),  a~ ~ pi(.|s) reparameterised
//   L_alpha = -mean(log alpha (log pi(a~|s) + H_target)),  H_target = -target_entropy_scale * act_dim
//   Qbar  <- (1 - rho) Qbar + rho Q after every update
//
// pi is the tanh-Gaussian actor (algorithms/networks/tanh_gaussian_actor.h), Q the twin critic of
// algorithms/networks/critics.h. One update per env step after `learning_starts` uniform-random steps.
// Time limits bootstrap (only `terminal` stops the target), as they must for a 1000-step cap.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "algorithms/networks/critics.h"
#include "algorithms/networks/tanh_gaussian_actor.h"
#include "algorithms/training/algorithm.h"
#include "algorithms/training/checkpoint.h"
#include "common/run_directory.h"
#include "datasets/transition_set.h"

namespace grl::sac {

struct SacConfig {
  std::string env = "hopper";               // catalog env trained in
  std::int64_t seed = 0;
  std::int64_t total_steps = 1000000;       // env steps (over all envs)
  std::int64_t learning_starts = 5000;      // env steps with uniform random actions before the first update
  std::int64_t batch_size = 256;
  int updates_per_step = 1;                 // gradient updates per env step
  double discount = 0.99;
  double target_update_rate = 0.005;        // Polyak rho of the target critic
  double actor_lr = 3e-4;
  double critic_lr = 3e-4;
  double alpha_lr = 3e-4;
  double initial_alpha = 1.0;
  bool autotune_alpha = true;               // false: alpha stays initial_alpha
  double target_entropy_scale = 1.0;        // H_target = -scale * act_dim
  networks::TanhGaussianActorConfig actor;
  networks::MlpConfig critic;               // twin Q heads: MLP [a, s] -> 256 -> 256 -> 1, ReLU
  int num_envs = 1;                         // envs stepped together (one row per env and step)
  int env_threads = 1;
  std::int64_t replay_capacity = 0;         // 0: total_steps (the whole run is kept, for medium-replay)
  std::int64_t log_every = 1000;            // env steps between metrics lines
  std::int64_t eval_every = 10000;          // env steps between evaluations (0: only at the end)
  int eval_episodes = 10;
  std::int64_t snapshot_every = 10000;      // env steps between actor snapshots (0: none)
  std::int64_t checkpoint_every = 100000;   // env steps between resumable checkpoints (0: only at the end)

  template <class V>
  void visit(V& v);
};

// Rows the run's replay buffer holds: replay_capacity, or the whole run when that is 0.
inline std::int64_t replay_capacity(const SacConfig& c) {
  return c.replay_capacity > 0 ? c.replay_capacity : c.total_steps + c.num_envs;
}

// --- The losses, on plain tensors ([B] or [B, 1]).
// r + discount (1 - terminal) (next_min_q - alpha next_log_prob), without gradient.
torch::Tensor soft_td_target(const torch::Tensor& rewards, const torch::Tensor& terminals, const torch::Tensor& next_min_q,
                             const torch::Tensor& next_log_prob, double alpha, double discount);
// mean(alpha log_prob - min_q)
torch::Tensor actor_loss(const torch::Tensor& min_q, const torch::Tensor& log_prob, double alpha);
// -mean(log_alpha (log_prob + target_entropy)), log_prob detached: minimising it raises alpha when the
// policy's entropy -log_prob is below the target and lowers it above.
torch::Tensor alpha_loss(const torch::Tensor& log_alpha, const torch::Tensor& log_prob, double target_entropy);

// The networks, optimisers and temperature; one update() is one SAC gradient step.
class SacAgent {
 public:
  SacAgent(const SacConfig& config, std::int64_t obs_dim, std::int64_t act_dim);

  // Critic, then actor and temperature, then the target critic. Returns q_loss, actor_loss, alpha,
  // alpha_loss, entropy (-mean log pi), q_mean.
  training::Metrics update(const datasets::TransitionBatch& batch);
  double alpha() const;
  double target_entropy() const { return target_entropy_; }

  void save(training::CheckpointWriter& out) const;
  void load(const training::CheckpointReader& in);

  networks::TanhGaussianActor actor{nullptr};
  networks::DoubleQNetwork q{nullptr};
  networks::DoubleQNetwork q_target{nullptr};
  torch::Tensor log_alpha;

 private:
  SacConfig config_;
  double target_entropy_;
  std::unique_ptr<torch::optim::Adam> actor_optimizer_, critic_optimizer_, alpha_optimizer_;
};

// Acts with the actor: deterministic (tanh of the mean, how SAC is evaluated) or sampled (how data
// is collected), without gradients.
class SacPolicy : public training::Policy {
 public:
  SacPolicy(networks::TanhGaussianActor actor, bool deterministic) : actor_(std::move(actor)), deterministic_(deterministic) {}
  torch::Tensor act(const torch::Tensor& observations) override;

 private:
  networks::TanhGaussianActor actor_;
  bool deterministic_;
};

// --- Actor files: one small file per snapshot, "policy/<layer>/<weight|bias>" as D4RL names them,
// plus the env, the step and the evaluation returns at that step.
struct ActorFileInfo {
  std::string env;
  std::int64_t step = 0;               // env steps of training when the snapshot was taken
  double return_deterministic = 0;     // mean return over the evaluation episodes
  double return_stochastic = 0;        // ... acting with sampled actions (as data is collected)
  int evaluation_episodes = 0;         // how many episodes those means are over
  std::string actor_config;            // TanhGaussianActorConfig as YAML (filled in by save_actor_file)
  std::string training_config;         // the SAC run's config (SacConfig YAML), when known
  std::string source;                  // where the actor came from, in words
};
void save_actor_file(const std::filesystem::path& path, const networks::TanhGaussianActorImpl& actor,
                     const ActorFileInfo& info);
// Throws naming the file when it is missing or not an actor file.
std::pair<networks::TanhGaussianActor, ActorFileInfo> load_actor_file(const std::filesystem::path& path);

// --- A training run in a run directory: config.yaml, metrics.jsonl, snapshots/actor-<step>.pt,
// checkpoints/latest.pt (everything needed to resume: networks, optimisers, replay buffer, env RNG
// states, LibTorch's generator, counters).
//
// Every checkpoint ends the episodes in progress (their last rows are marked as cut, as a time limit
// would, and the envs are reset), in the run that writes it and in the run that resumes from it, so
// a run resumed from a periodic checkpoint ends bit-identical to one that was never stopped. A stop
// requested between periodic checkpoints writes one at that step: the resumed run then has one
// episode cut the uninterrupted one would not have had.
enum class SacOutcome { finished, interrupted };
SacOutcome train_sac(const SacConfig& config, const RunDirectory& run, const std::function<bool()>& should_stop = {});

}  // namespace grl::sac
