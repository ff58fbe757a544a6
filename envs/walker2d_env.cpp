// Walker2d-v2: walk forward upright (0.8 < torso height < 2, -1 < pitch < 1).
#include "envs/locomotion_env.h"

namespace grl::envs {

namespace {

class Walker2dEnv final : public LocomotionEnv {
 public:
  explicit Walker2dEnv(const EnvOptions& options) : LocomotionEnv("walker2d", "walker2d.xml", 4, options) {}

  void observe(double* obs) const override {
    const mjModel* m = model();
    for (int i = 1; i < m->nq; ++i) *obs++ = qpos()[i];
    for (int i = 0; i < m->nv; ++i) *obs++ = clip(qvel()[i], -10.0, 10.0);
  }

  // gym: not (height > 0.8 and height < 2.0 and ang > -1.0 and ang < 1.0); NaN compares false.
  bool is_terminal_state() const override {
    const double height = qpos()[1], angle = qpos()[2];
    return !(height > 0.8 && height < 2.0 && angle > -1.0 && angle < 1.0);
  }

 protected:
  void add_reset_noise(double* qpos, double* qvel) override {
    for (int i = 0; i < model()->nq; ++i) qpos[i] += rng().uniform(-0.005, 0.005);
    for (int i = 0; i < model()->nv; ++i) qvel[i] += rng().uniform(-0.005, 0.005);
  }

  double forward_x() const override { return qpos()[0]; }

  double reward(const double* a, double x_before, double x_after, RewardTerms& terms) const override {
    terms.forward = (x_after - x_before) / dt();
    terms.healthy = 1.0;
    const double cost = 1e-3 * numpy_sum_of_squares(a, model()->nu);
    terms.control = -cost;
    double r = terms.forward;  // gym: reward = v; reward += alive_bonus; reward -= 1e-3 * sum(a^2)
    r += terms.healthy;
    r -= cost;
    return r;
  }

  std::string observation_layout() const override { return "qpos[1:9] (8), clip(qvel, -10, 10) (9)"; }
};

}  // namespace

std::unique_ptr<LocomotionEnv> make_walker2d_env(const EnvOptions& options) {
  return std::make_unique<Walker2dEnv>(options);
}

}  // namespace grl::envs
