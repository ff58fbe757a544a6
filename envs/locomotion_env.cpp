#include "envs/locomotion_env.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "envs/model_assets.h"

namespace grl::envs {

namespace {

std::string number_text(double x) {
  std::ostringstream out;
  out << x;
  return out.str();
}

}  // namespace

LocomotionEnv::LocomotionEnv(const std::string& id, const std::string& model_file, int frame_skip,
                             const EnvOptions& options)
    : spec_(env_spec(id)), options_(options), frame_skip_(frame_skip) {
  if (options.max_episode_steps < 1)
    throw std::invalid_argument(id + ": max_episode_steps must be at least 1, got " +
                                std::to_string(options.max_episode_steps));
  model_path_ = find_asset(model_file).string();
  model_ = load_model(model_file);
  if (model_->nq != spec_.nq || model_->nv != spec_.nv || model_->nu != spec_.act_dim)
    throw std::runtime_error(model_path_ + ": expected nq " + std::to_string(spec_.nq) + ", nv " +
                             std::to_string(spec_.nv) + ", nu " + std::to_string(spec_.act_dim) + " for " + id +
                             ", the model has " + std::to_string(model_->nq) + ", " + std::to_string(model_->nv) +
                             ", " + std::to_string(model_->nu));
  spec_.max_episode_steps = options.max_episode_steps;
  // gym's dt is model.opt.timestep * frame_skip, computed in double; use that very value (it can
  // differ from the decimal literal in the catalog in the last bit).
  spec_.dt = model_->opt.timestep * frame_skip;
  data_ = mj_makeData(model_.get());
  if (!data_) throw std::runtime_error("mj_makeData failed for " + model_path_);
  mj_forward(model_.get(), data_);
}

LocomotionEnv::~LocomotionEnv() { mj_deleteData(data_); }

EnvDescription LocomotionEnv::describe() const {
  EnvDescription d;
  d.id = spec_.id;
  d.model_path = model_path_;
  d.obs_dim = spec_.obs_dim;
  d.act_dim = spec_.act_dim;
  d.nq = model_->nq;
  d.nv = model_->nv;
  d.timestep = model_->opt.timestep;
  d.frame_skip = frame_skip_;
  d.dt = model_->opt.timestep * frame_skip_;
  d.max_episode_steps = options_.max_episode_steps;
  d.observation = observation_layout();
  d.contact_forces = contact_forces_mode();
  return d;
}

std::string LocomotionEnv::rng_state() const {
  std::ostringstream out;
  out << rng_.engine();
  return out.str();
}

void LocomotionEnv::set_rng_state(const std::string& state) {
  std::istringstream in(state);
  std::mt19937_64 engine;
  in >> engine;
  if (in.fail()) throw std::invalid_argument(spec_.id + ": not an RNG state: '" + state.substr(0, 40) + "...'");
  rng_.engine() = engine;
}

void LocomotionEnv::reset_into(double* obs) {
  const mjModel* m = model_.get();
  mj_resetData(m, data_);  // qpos = qpos0, qvel = 0, time = 0
  add_reset_noise(data_->qpos, data_->qvel);
  mj_forward(m, data_);
  after_physics();
  elapsed_steps_ = 0;
  observe(obs);
}

StepResult LocomotionEnv::step(const double* action, double* obs) {
  const mjModel* m = model_.get();
  const int nu = m->nu;
  for (int i = 0; i < nu; ++i) {
    if (!std::isfinite(action[i]))
      throw std::invalid_argument(spec_.id + ": action[" + std::to_string(i) + "] is " + number_text(action[i]) +
                                  "; actions must be finite (they are clipped to [-1, 1])");
  }
  for (int i = 0; i < nu; ++i) data_->ctrl[i] = clip(action[i], -1.0, 1.0);

  const double x_before = forward_x();
  for (int k = 0; k < frame_skip_; ++k) mj_step(m, data_);
  after_physics();
  ++elapsed_steps_;
  const double x_after = forward_x();

  StepResult result;
  result.reward = reward(data_->ctrl, x_before, x_after, result.terms);
  result.terms.x_before = x_before;
  result.terms.x_after = x_after;
  result.terminal = is_terminal_state();
  result.timeout = elapsed_steps_ >= options_.max_episode_steps;
  observe(obs);
  return result;
}

void LocomotionEnv::get_state(double* qpos, double* qvel) const {
  mju_copy(qpos, data_->qpos, model_->nq);
  mju_copy(qvel, data_->qvel, model_->nv);
}

void LocomotionEnv::set_state(const double* qpos, const double* qvel) {
  for (int i = 0; i < model_->nq; ++i)
    if (!std::isfinite(qpos[i]))
      throw std::invalid_argument(spec_.id + ": qpos[" + std::to_string(i) + "] is " + number_text(qpos[i]));
  for (int i = 0; i < model_->nv; ++i)
    if (!std::isfinite(qvel[i]))
      throw std::invalid_argument(spec_.id + ": qvel[" + std::to_string(i) + "] is " + number_text(qvel[i]));
  mju_copy(data_->qpos, qpos, model_->nq);
  mju_copy(data_->qvel, qvel, model_->nv);
  // The constraint solver starts from qacc_warmstart, which mj_forward leaves behind, computed
  // with the controls of the moment. Clearing both (as mj_resetData does) makes the state after
  // set_state a function of (qpos, qvel) alone instead of this instance's history.
  mju_zero(data_->qacc_warmstart, model_->nv);
  mju_zero(data_->ctrl, model_->nu);
  mj_forward(model_.get(), data_);
  after_physics();
}

double numpy_sum_of_squares(const double* x, int n) {
  // numpy/core/src/umath/loops_utils.h pairwise_sum, n <= PW_BLOCKSIZE (128): below 8 elements a
  // plain loop; otherwise eight strided accumulators combined as a tree, then the remainder.
  if (n < 8) {
    double s = 0.0;  // numpy starts from -0.0 for a sum; the first addition makes that irrelevant
    for (int i = 0; i < n; ++i) s += x[i] * x[i];
    return s;
  }
  double r[8];
  for (int j = 0; j < 8; ++j) r[j] = x[j] * x[j];
  int i = 8;
  for (; i < n - (n % 8); i += 8)
    for (int j = 0; j < 8; ++j) r[j] += x[i + j] * x[i + j];
  double s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
  for (; i < n; ++i) s += x[i] * x[i];
  return s;
}

}  // namespace grl::envs
