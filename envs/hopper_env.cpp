// Hopper-v2: hop forward without falling (torso height > 0.7, |pitch| < 0.2, state bounded).
#include <cmath>

#include "envs/locomotion_env.h"

namespace grl::envs {

namespace {

class HopperEnv final : public LocomotionEnv {
 public:
  explicit HopperEnv(const EnvOptions& options) : LocomotionEnv("hopper", "hopper.xml", 4, options) {}

  void observe(double* obs) const override {
    const mjModel* m = model();
    for (int i = 1; i < m->nq; ++i) *obs++ = qpos()[i];
    for (int i = 0; i < m->nv; ++i) *obs++ = clip(qvel()[i], -10.0, 10.0);
  }

  // gym: not (isfinite(s).all() and (abs(s[2:]) < 100).all() and height > .7 and abs(ang) < .2)
  // with s = concat(qpos, qvel), height = qpos[1], ang = qpos[2].
  bool is_terminal_state() const override {
    const mjModel* m = model();
    for (int i = 0; i < m->nq; ++i)
      if (!std::isfinite(qpos()[i])) return true;
    for (int i = 0; i < m->nv; ++i)
      if (!std::isfinite(qvel()[i])) return true;
    for (int i = 2; i < m->nq; ++i)
      if (!(std::abs(qpos()[i]) < 100.0)) return true;
    for (int i = 0; i < m->nv; ++i)
      if (!(std::abs(qvel()[i]) < 100.0)) return true;
    const double height = qpos()[1], angle = qpos()[2];
    return !(height > 0.7 && std::abs(angle) < 0.2);
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

  std::string observation_layout() const override { return "qpos[1:6] (5), clip(qvel, -10, 10) (6)"; }
};

}  // namespace

std::unique_ptr<LocomotionEnv> make_hopper_env(const EnvOptions& options) { return std::make_unique<HopperEnv>(options); }

}  // namespace grl::envs
