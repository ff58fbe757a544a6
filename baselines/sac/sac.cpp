#include "baselines/sac/sac.h"

#include <chrono>
#include <cmath>
#include <iostream>
#include <sstream>

#include "algorithms/evaluation/evaluator.h"
#include "algorithms/iql/iql_critic.h"
#include "algorithms/networks/soft_update.h"
#include "algorithms/training/trainer.h"
#include "baselines/sac/replay_buffer.h"
#include "common/config.h"
#include "common/metrics.h"
#include "common/progress.h"
#include "common/run_lock.h"
#include "common/seeding.h"
#include "envs/env_catalog.h"
#include "envs/vec_env.h"

namespace grl::sac {

template <class V>
void SacConfig::visit(V& v) {
  v.field("env", env, "catalog env trained in", config::one_of({"halfcheetah", "hopper", "walker2d", "ant"}));
  v.field("seed", seed, "run seed (networks, envs, replay sampling)", config::non_negative());
  v.field("total_steps", total_steps, "env steps over all envs", config::at_least(1));
  v.field("learning_starts", learning_starts, "env steps with uniform random actions before the first update",
          config::non_negative());
  v.field("batch_size", batch_size, "replay batch per update", config::at_least(1));
  v.field("updates_per_step", updates_per_step, "gradient updates per env step", config::at_least(1));
  v.field("discount", discount, "gamma", config::in_range(0, 1));
  v.field("target_update_rate", target_update_rate, "Polyak rho of the target critic", config::in_range(0, 1));
  v.field("actor_lr", actor_lr, "Adam learning rate of the actor", config::positive());
  v.field("critic_lr", critic_lr, "Adam learning rate of the twin critic", config::positive());
  v.field("alpha_lr", alpha_lr, "Adam learning rate of log alpha", config::positive());
  v.field("initial_alpha", initial_alpha, "entropy temperature at the start", config::positive());
  v.field("autotune_alpha", autotune_alpha, "learn alpha towards the target entropy");
  v.field("target_entropy_scale", target_entropy_scale, "target entropy = -scale * act_dim");
  v.section("actor", actor, "tanh-Gaussian actor");
  v.section("critic", critic, "twin Q heads (MLP on [a, s])");
  v.field("num_envs", num_envs, "envs stepped together", config::at_least(1));
  v.field("env_threads", env_threads, "threads stepping them", config::at_least(1));
  v.field("replay_capacity", replay_capacity, "rows kept (0: total_steps)", config::non_negative());
  v.field("log_every", log_every, "env steps between metrics lines", config::at_least(1));
  v.field("eval_every", eval_every, "env steps between evaluations (0: at the end only)", config::non_negative());
  v.field("eval_episodes", eval_episodes, "episodes per evaluation", config::at_least(1));
  v.field("snapshot_every", snapshot_every, "env steps between actor snapshots (0: none)", config::non_negative());
  v.field("checkpoint_every", checkpoint_every, "env steps between resumable checkpoints (0: at the end only)",
          config::non_negative());
}
template void SacConfig::visit(config::Reader&);
template void SacConfig::visit(config::Writer&);

namespace {

torch::Tensor flat(const torch::Tensor& t) { return t.dim() == 2 && t.size(1) == 1 ? t.squeeze(1) : t; }

}  // namespace

torch::Tensor soft_td_target(const torch::Tensor& rewards, const torch::Tensor& terminals, const torch::Tensor& next_min_q,
                             const torch::Tensor& next_log_prob, double alpha, double discount) {
  torch::NoGradGuard no_grad;
  return flat(rewards) + discount * (1.0 - flat(terminals)) * (flat(next_min_q) - alpha * flat(next_log_prob));
}

torch::Tensor actor_loss(const torch::Tensor& min_q, const torch::Tensor& log_prob, double alpha) {
  return (alpha * flat(log_prob) - flat(min_q)).mean();
}

torch::Tensor alpha_loss(const torch::Tensor& log_alpha, const torch::Tensor& log_prob, double target_entropy) {
  return -(log_alpha * (flat(log_prob).detach() + target_entropy)).mean();
}

SacAgent::SacAgent(const SacConfig& config, std::int64_t obs_dim, std::int64_t act_dim)
    : config_(config), target_entropy_(-config.target_entropy_scale * static_cast<double>(act_dim)) {
  actor = networks::TanhGaussianActor(obs_dim, act_dim, config.actor);
  q = networks::DoubleQNetwork(obs_dim, act_dim, config.critic);
  q_target = networks::DoubleQNetwork(obs_dim, act_dim, config.critic);
  networks::soft_update(*q, *q_target, 1.0);
  for (auto& p : q_target->parameters()) p.set_requires_grad(false);
  log_alpha = torch::full({1}, std::log(config.initial_alpha), torch::requires_grad());
  actor_optimizer_ = std::make_unique<torch::optim::Adam>(actor->parameters(), torch::optim::AdamOptions(config.actor_lr));
  critic_optimizer_ = std::make_unique<torch::optim::Adam>(q->parameters(), torch::optim::AdamOptions(config.critic_lr));
  alpha_optimizer_ = std::make_unique<torch::optim::Adam>(std::vector<torch::Tensor>{log_alpha},
                                                          torch::optim::AdamOptions(config.alpha_lr));
}

double SacAgent::alpha() const { return std::exp(log_alpha.item<double>()); }

training::Metrics SacAgent::update(const datasets::TransitionBatch& batch) {
  const double alpha_now = alpha();

  torch::Tensor target;
  {
    torch::NoGradGuard no_grad;
    const auto next = actor->sample(batch.next_observations);
    const auto next_q = q_target->min_q(batch.next_observations, next.action);
    target = soft_td_target(batch.rewards, batch.dones, next_q, next.log_prob, alpha_now, config_.discount);
  }
  const auto [q1, q2] = q->forward(batch.observations, batch.actions);
  const auto q_loss = iql::double_q_loss(q1, q2, target);
  critic_optimizer_->zero_grad();
  q_loss.backward();
  critic_optimizer_->step();

  // The actor's gradient goes through Q into the actions only: the critic's weights are frozen for
  // this pass, which also skips their weight-gradient products.
  for (auto& p : q->parameters()) p.set_requires_grad(false);
  const auto sample = actor->sample(batch.observations);
  const auto pi_loss = actor_loss(q->min_q(batch.observations, sample.action), sample.log_prob, alpha_now);
  actor_optimizer_->zero_grad();
  pi_loss.backward();
  actor_optimizer_->step();
  for (auto& p : q->parameters()) p.set_requires_grad(true);

  double temperature_loss = 0;
  if (config_.autotune_alpha) {
    const auto loss = alpha_loss(log_alpha, sample.log_prob, target_entropy_);
    alpha_optimizer_->zero_grad();
    loss.backward();
    alpha_optimizer_->step();
    temperature_loss = loss.item<double>();
  }
  networks::soft_update(*q, *q_target, config_.target_update_rate);

  return {{"q_loss", q_loss.item<double>()},
          {"actor_loss", pi_loss.item<double>()},
          {"alpha", alpha_now},
          {"alpha_loss", temperature_loss},
          {"entropy", -sample.log_prob.mean().item<double>()},
          {"q_mean", q1.mean().item<double>()}};
}

void SacAgent::save(training::CheckpointWriter& out) const {
  out.module("sac/actor", *actor);
  out.module("sac/q", *q);
  out.module("sac/q_target", *q_target);
  out.tensor("sac/log_alpha", log_alpha.detach());
  out.optimizer("sac/actor_optimizer", *actor_optimizer_);
  out.optimizer("sac/critic_optimizer", *critic_optimizer_);
  out.optimizer("sac/alpha_optimizer", *alpha_optimizer_);
}

void SacAgent::load(const training::CheckpointReader& in) {
  in.module("sac/actor", *actor);
  in.module("sac/q", *q);
  in.module("sac/q_target", *q_target);
  {
    torch::NoGradGuard no_grad;
    log_alpha.copy_(in.tensor("sac/log_alpha"));
  }
  in.optimizer("sac/actor_optimizer", *actor_optimizer_);
  in.optimizer("sac/critic_optimizer", *critic_optimizer_);
  in.optimizer("sac/alpha_optimizer", *alpha_optimizer_);
}

torch::Tensor SacPolicy::act(const torch::Tensor& observations) {
  torch::NoGradGuard no_grad;
  return deterministic_ ? actor_->deterministic_action(observations) : actor_->sample(observations).action;
}

void save_actor_file(const std::filesystem::path& path, const networks::TanhGaussianActorImpl& actor,
                     const ActorFileInfo& info) {
  training::CheckpointWriter out;
  out.text("kind", "tanh_gaussian_actor");
  for (const auto& [name, weight] : actor.policy_weights()) out.tensor("policy/" + name, weight);
  out.text("env", info.env);
  out.integer("step", info.step);
  out.real("return_deterministic", info.return_deterministic);
  out.real("return_stochastic", info.return_stochastic);
  out.integer("evaluation_episodes", info.evaluation_episodes);
  out.text("actor_config", config::to_yaml(actor.config()));
  out.text("training_config", info.training_config);
  out.text("source", info.source);
  out.integer("state_dim", actor.state_dim());
  out.integer("action_dim", actor.action_dim());
  out.save(path);
}

std::pair<networks::TanhGaussianActor, ActorFileInfo> load_actor_file(const std::filesystem::path& path) {
  const training::CheckpointReader in(path);
  if (!in.has("kind") || in.text("kind") != "tanh_gaussian_actor") {
    throw std::runtime_error(path.string() + ": not an actor file (written by grl sac: snapshots/actor-<step>.pt)");
  }
  ActorFileInfo info;
  info.env = in.text("env");
  info.step = in.integer("step");
  info.return_deterministic = in.real("return_deterministic");
  info.return_stochastic = in.real("return_stochastic");
  info.actor_config = in.text("actor_config");
  // Snapshots written before these entries existed lack them.
  if (in.has("evaluation_episodes")) info.evaluation_episodes = static_cast<int>(in.integer("evaluation_episodes"));
  if (in.has("training_config")) info.training_config = in.text("training_config");
  if (in.has("source")) info.source = in.text("source");
  const auto actor_config = config::parse<networks::TanhGaussianActorConfig>(
      config::load_text(info.actor_config, path.string() + " (actor_config)"));
  networks::TanhGaussianActor actor(in.integer("state_dim"), in.integer("action_dim"), actor_config);
  std::map<std::string, torch::Tensor> weights;
  for (const auto& item : actor->named_parameters()) {
    std::string key = item.key();
    std::replace(key.begin(), key.end(), '.', '/');
    weights[key] = in.tensor("policy/" + key);
  }
  actor->load_policy_weights(weights);
  return {actor, info};
}

namespace {

// The online loop's state besides the agent and the buffer.
struct SacRun {
  const SacConfig& config;
  const RunDirectory& directory;
  envs::EnvSpec spec;
  SacAgent agent;
  ReplayBuffer buffer;
  envs::VecEnv envs;
  evaluation::Evaluator evaluator;
  std::int64_t step = 0;     // env steps taken
  std::int64_t updates = 0;  // gradient updates made
  std::int64_t episodes = 0;
  std::int64_t evaluated_at = -1;
  std::int64_t checkpointed_at = -1;
  // Episodes finished since the last metrics line.
  double finished_return_sum = 0;
  std::int64_t finished_count = 0;
  training::Metrics last_update;

  static envs::VecEnvOptions env_options(const SacConfig& c) {
    envs::VecEnvOptions o;
    o.num_envs = c.num_envs;
    o.threads = c.env_threads;
    o.auto_reset = true;
    o.seed = derive_seed(static_cast<std::uint64_t>(c.seed), SeedStream::env);
    return o;
  }
  static evaluation::EvaluationConfig eval_options(const SacConfig& c) {
    evaluation::EvaluationConfig e;
    e.episodes = c.eval_episodes;
    e.threads = c.env_threads;
    return e;
  }

  SacRun(const SacConfig& c, const RunDirectory& d, const envs::EnvSpec& s)
      : config(c), directory(d), spec(s), agent(c, s.obs_dim, s.act_dim),
        buffer(replay_capacity(c), s.obs_dim, s.act_dim, s.nq, s.nv),
        envs(s.id, env_options(c)), evaluator(s.id, eval_options(c)) {}

  std::filesystem::path checkpoint_path() const { return directory.checkpoints_dir() / "latest.pt"; }

  // Ends the running episodes: their last rows become cut points and every env starts anew.
  void cut_episodes() {
    for (int i = 0; i < envs.num_envs(); ++i) buffer.mark_episode_cut(i);
    envs.reset();
  }

  void save_checkpoint() {
    training::CheckpointWriter out;
    agent.save(out);
    buffer.save(out, "replay");
    for (int i = 0; i < envs.num_envs(); ++i) out.text("env/rng" + std::to_string(i), envs.env(i).rng_state());
    out.integer("sac/step", step);
    out.integer("sac/updates", updates);
    out.integer("sac/episodes", episodes);
    std::error_code ec;
    const auto bytes = std::filesystem::exists(directory.metrics_path()) ? std::filesystem::file_size(directory.metrics_path(), ec) : 0;
    out.integer("sac/metrics_bytes", static_cast<std::int64_t>(bytes));
    out.text("config", config::to_yaml(config));
    out.global_rng_states();
    out.save(checkpoint_path());
    checkpointed_at = step;
  }

  void load_checkpoint() {
    const training::CheckpointReader in(checkpoint_path());
    agent.load(in);
    buffer.load(in, "replay");
    for (int i = 0; i < envs.num_envs(); ++i) envs.env(i).set_rng_state(in.text("env/rng" + std::to_string(i)));
    step = in.integer("sac/step");
    checkpointed_at = step;
    updates = in.integer("sac/updates");
    episodes = in.integer("sac/episodes");
    // What the interrupted session logged after this checkpoint is logged again by this one.
    restore_metrics_file(directory.metrics_path(), static_cast<std::uintmax_t>(in.integer("sac/metrics_bytes")));
    in.global_rng_states();
  }

  // Evaluates the deterministic and the sampling policy and, at snapshot steps, saves the actor.
  void evaluate(MetricsWriter& metrics, bool snapshot) {
    evaluated_at = step;
    const std::uint64_t seed = derive_seed(static_cast<std::uint64_t>(config.seed), SeedStream::evaluation);
    SacPolicy deterministic(agent.actor, true), stochastic(agent.actor, false);
    const auto det = evaluator.run(deterministic, seed);
    const auto sto = evaluator.run(stochastic, seed);
    metrics.write("eval/deterministic", step, det.metrics());
    metrics.write("eval/stochastic", step, sto.metrics());
    std::cerr << "sac " << spec.id << " step " << step << ": return " << det.return_mean << " (deterministic), "
              << sto.return_mean << " (sampled)\n";
    if (snapshot) {
      ActorFileInfo info;
      info.env = spec.id;
      info.step = step;
      info.return_deterministic = det.return_mean;
      info.return_stochastic = sto.return_mean;
      info.evaluation_episodes = config.eval_episodes;
      info.training_config = config::to_yaml(config);
      info.source = "grl sac snapshot of " + directory.path().filename().string() + " at step " + std::to_string(step);
      std::filesystem::create_directories(directory.path() / "snapshots");
      save_actor_file(directory.path() / "snapshots" / ("actor-" + std::to_string(step) + ".pt"), *agent.actor, info);
    }
  }

  // One env step of every env (actions uniform before learning_starts, else sampled from the actor),
  // its rows added to the buffer.
  void collect_step() {
    const int n = envs.num_envs();
    const auto obs = torch::from_blob(const_cast<float*>(envs.observations()), {n, spec.obs_dim}, torch::kFloat32).clone();
    torch::Tensor actions, log_probs;
    if (step < config.learning_starts) {
      actions = torch::rand({n, spec.act_dim}) * 2.0 - 1.0;
      log_probs = torch::full({n}, -spec.act_dim * std::log(2.0));  // uniform density on [-1, 1]^A
    } else {
      torch::NoGradGuard no_grad;
      const auto sample = agent.actor->sample(obs);
      actions = sample.action.contiguous();
      log_probs = sample.log_prob.contiguous();
    }
    std::vector<double> qpos(static_cast<std::size_t>(n) * spec.nq), qvel(static_cast<std::size_t>(n) * spec.nv);
    for (int i = 0; i < n; ++i) envs.env(i).get_state(&qpos[i * spec.nq], &qvel[i * spec.nv]);
    envs.step(actions.data_ptr<float>());
    for (int i = 0; i < n; ++i) {
      const bool terminal = envs.terminals()[i], timeout = envs.timeouts()[i];
      const bool ended = terminal || timeout;
      const float* next = (ended ? envs.final_observations() : envs.observations()) + static_cast<std::size_t>(i) * spec.obs_dim;
      buffer.add({obs.data_ptr<float>() + i * spec.obs_dim, actions.data_ptr<float>() + i * spec.act_dim, envs.rewards()[i],
                  next, terminal, timeout, &qpos[i * spec.nq], &qvel[i * spec.nv], log_probs.data_ptr<float>()[i], i});
      if (ended) {
        ++episodes;
        ++finished_count;
        finished_return_sum += envs.episode_returns()[i];
      }
    }
    step += n;
  }
};

// Whether a counter that moved from `before` to `after` crossed a multiple of `every`.
bool crossed(std::int64_t before, std::int64_t after, std::int64_t every) {
  return every > 0 && after / every > before / every;
}

}  // namespace

SacOutcome train_sac(const SacConfig& config, const RunDirectory& directory, const std::function<bool()>& should_stop) {
  const envs::EnvSpec spec = envs::env_spec(config.env);
  const RunLock lock(directory.path());
  seed_everything(derive_seed(static_cast<std::uint64_t>(config.seed), SeedStream::torch));
  SacRun run(config, directory, spec);
  std::filesystem::create_directories(directory.checkpoints_dir());
  const bool resuming = std::filesystem::exists(run.checkpoint_path());
  if (resuming) {
    run.load_checkpoint();
    std::cerr << "sac: resuming " << directory.path().string() << " at step " << run.step << " (" << run.buffer.size()
              << " replay rows)\n";
  } else {
    restore_metrics_file(directory.metrics_path(), std::nullopt);
  }
  run.cut_episodes();  // a new run's first episodes, or the same cut the checkpointing run made
  MetricsWriter metrics(directory.metrics_path());
  if (!resuming) run.evaluate(metrics, config.snapshot_every > 0);  // step 0: the untrained ("random") actor

  // A resumed run counts only the remaining steps, so the rate and ETA stay true.
  ProgressBar bar(resuming ? "sac " + spec.id + " (from step " + std::to_string(run.step) + ")" : "sac " + spec.id,
                  config.total_steps - run.step);
  auto last_time = std::chrono::steady_clock::now();
  std::int64_t last_step = run.step, last_updates = run.updates;
  while (run.step < config.total_steps) {
    if (should_stop && should_stop()) {
      if (run.checkpointed_at != run.step) run.save_checkpoint();  // else the periodic one holds this step
      std::cerr << "sac: stopped at step " << run.step << "; checkpoint " << run.checkpoint_path().string() << "\n";
      return SacOutcome::interrupted;
    }
    const std::int64_t before = run.step;
    run.collect_step();
    if (run.step >= config.learning_starts) {
      const std::int64_t count = static_cast<std::int64_t>(config.updates_per_step) * (run.step - before);
      for (std::int64_t k = 0; k < count; ++k) {
        run.last_update = run.agent.update(run.buffer.sample(config.batch_size));
        ++run.updates;
        if (const auto* bad = training::first_non_finite_loss(run.last_update)) {
          std::ostringstream text;
          text << bad->second;
          throw std::runtime_error("sac step " + std::to_string(run.step) + " (update " + std::to_string(run.updates) +
                                   "): metric '" + bad->first + "' is " + text.str() + "; stopped without writing a checkpoint" +
                                   (run.checkpointed_at >= 0 ? ", so " + run.checkpoint_path().string() +
                                                                   " still holds the last good state (step " +
                                                                   std::to_string(run.checkpointed_at) + ")"
                                                             : std::string(" (none was written yet)")));
        }
      }
    }
    bar.advance(run.step - before);

    if (crossed(before, run.step, config.log_every)) {
      const auto now = std::chrono::steady_clock::now();
      const double seconds = std::chrono::duration<double>(now - last_time).count();
      training::Metrics line = run.last_update;
      if (run.finished_count > 0) line.emplace_back("episode_return", run.finished_return_sum / run.finished_count);
      line.emplace_back("episodes", static_cast<double>(run.episodes));
      line.emplace_back("env_steps_per_s", (run.step - last_step) / seconds);
      line.emplace_back("updates_per_s", (run.updates - last_updates) / seconds);
      metrics.write("sac", run.step, line);
      std::ostringstream status;
      status.precision(4);
      if (run.finished_count > 0) status << "return=" << run.finished_return_sum / run.finished_count << " ";
      status << "updates/s=" << (run.updates - last_updates) / seconds;
      bar.set_status(status.str());
      run.finished_return_sum = 0;
      run.finished_count = 0;
      last_time = now;
      last_step = run.step;
      last_updates = run.updates;
    }
    const bool snapshot = crossed(before, run.step, config.snapshot_every);
    if (snapshot || crossed(before, run.step, config.eval_every)) run.evaluate(metrics, snapshot);
    if (crossed(before, run.step, config.checkpoint_every) && run.step < config.total_steps) {
      run.save_checkpoint();
      run.cut_episodes();
    }
  }
  bar.finish();
  if (run.evaluated_at != run.step) run.evaluate(metrics, config.snapshot_every > 0);
  run.save_checkpoint();
  return SacOutcome::finished;
}

}  // namespace grl::sac
