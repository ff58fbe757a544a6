// HalfCheetah-v2: run forward; never terminates.
#include "envs/locomotion_env.h"

namespace grl::envs {

namespace {

class HalfCheetahEnv final : public LocomotionEnv {
 public:
  explicit HalfCheetahEnv(const EnvOptions& options) : LocomotionEnv("halfcheetah", "halfcheetah.xml", 5, options) {}

  void observe(double* obs) const override {
    const mjModel* m = model();
    for (int i = 1; i < m->nq; ++i) *obs++ = qpos()[i];
    for (int i = 0; i < m->nv; ++i) *obs++ = qvel()[i];
  }

  bool is_terminal_state() const override { return false; }

 protected:
  void add_reset_noise(double* qpos, double* qvel) override {
    for (int i = 0; i < model()->nq; ++i) qpos[i] += rng().uniform(-0.1, 0.1);
    for (int i = 0; i < model()->nv; ++i) qvel[i] += 0.1 * rng().normal();
  }

  double forward_x() const override { return qpos()[0]; }

  double reward(const double* a, double x_before, double x_after, RewardTerms& terms) const override {
    terms.control = -0.1 * numpy_sum_of_squares(a, model()->nu);
    terms.forward = (x_after - x_before) / dt();
    return terms.control + terms.forward;
  }

  std::string observation_layout() const override { return "qpos[1:9] (8), qvel (9)"; }
};

}  // namespace

std::unique_ptr<LocomotionEnv> make_half_cheetah_env(const EnvOptions& options) {
  return std::make_unique<HalfCheetahEnv>(options);
}

}  // namespace grl::envs
