// What the four gym v2 locomotion envs share: a MuJoCo model stepped frame_skip times per action,
// clipping, the step counter and time limit, reset noise from the instance's RNG, state access.
// A robot (half_cheetah_env.cpp, ...) supplies its observation, reward, termination rule and
// reset noise through the hooks below.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "envs/env.h"
#include "envs/env_rng.h"

namespace grl::envs {

class LocomotionEnv : public Env {
 public:
  LocomotionEnv(const std::string& id, const std::string& model_file, int frame_skip, const EnvOptions& options);
  ~LocomotionEnv() override;
  LocomotionEnv(const LocomotionEnv&) = delete;
  LocomotionEnv& operator=(const LocomotionEnv&) = delete;

  const EnvSpec& spec() const override { return spec_; }
  EnvDescription describe() const override;
  void seed(std::uint64_t seed) override { rng_.seed(seed); }
  std::string rng_state() const override;
  void set_rng_state(const std::string& state) override;
  void reset_into(double* obs) override;
  StepResult step(const double* action, double* obs) override;
  int elapsed_steps() const override { return elapsed_steps_; }
  int nq() const override { return model_->nq; }
  int nv() const override { return model_->nv; }
  void get_state(double* qpos, double* qvel) const override;
  void set_state(const double* qpos, const double* qvel) override;
  const mjModel* model() const override { return model_.get(); }
  const mjData* data() const override { return data_; }
  mjData* mutable_data() override { return data_; }

  int frame_skip() const { return frame_skip_; }
  const EnvOptions& options() const { return options_; }
  EnvRng& rng() { return rng_; }

  using Env::observe;
  using Env::reset;
  using Env::set_state;
  using Env::step;

 protected:
  // Adds the reset noise to qpos (starting at qpos0) and qvel (starting at 0), in gym's draw order.
  virtual void add_reset_noise(double* qpos, double* qvel) = 0;
  // The x coordinate whose change over a step is the forward reward.
  virtual double forward_x() const = 0;
  // The reward terms of a step (terms.x_before / x_after are filled in by the caller) and their
  // sum, added in the order gym adds them so that rewards match to the last bit.
  virtual double reward(const double* clipped_action, double x_before, double x_after, RewardTerms& terms) const = 0;
  // Called after mj_forward (reset, set_state) and after the last mj_step of a step.
  virtual void after_physics() {}
  virtual std::string observation_layout() const = 0;
  virtual std::string contact_forces_mode() const { return "n/a"; }

  const double* qpos() const { return data_->qpos; }
  const double* qvel() const { return data_->qvel; }

 private:
  EnvSpec spec_;
  std::string model_path_;
  EnvOptions options_;
  int frame_skip_;
  std::shared_ptr<const mjModel> model_;
  mjData* data_ = nullptr;
  EnvRng rng_;
  int elapsed_steps_ = 0;
};

// numpy's sum of a float64 array (pairwise summation with eight accumulators), for n <= 128:
// the control and contact costs must add their squares in the same order gym does.
double numpy_sum_of_squares(const double* x, int n);
inline double clip(double x, double lo, double hi) { return x < lo ? lo : (x > hi ? hi : x); }

std::unique_ptr<LocomotionEnv> make_half_cheetah_env(const EnvOptions& options);
std::unique_ptr<LocomotionEnv> make_hopper_env(const EnvOptions& options);
std::unique_ptr<LocomotionEnv> make_walker2d_env(const EnvOptions& options);
std::unique_ptr<LocomotionEnv> make_ant_env(const EnvOptions& options);

}  // namespace grl::envs
