// Ant-v2: walk forward on four legs while the torso stays between 0.2 and 1.0 high.
//
// The 111-dim v2 observation ends with clip(cfrc_ext, -1, 1) for the 14 bodies. gym v2 read
// cfrc_ext straight after mj_step, and MuJoCo >= 2.0 fills it only in mj_rnePostConstraint, so
// D4RL's ant files hold zeros there and the contact cost was always 0. That is the default here;
// EnvOptions::contact_forces computes the real forces instead.
//
// The forward reward differentiates the torso's xpos (gym's get_body_com reads data.xpos) as it
// stands after mj_step, i.e. from the kinematics of the last integrator stage, exactly what gym saw.
#include <cmath>
#include <stdexcept>

#include "envs/locomotion_env.h"

namespace grl::envs {

namespace {

class AntEnv final : public LocomotionEnv {
 public:
  explicit AntEnv(const EnvOptions& options) : LocomotionEnv("ant", "ant.xml", 5, options) {
    torso_ = mj_name2id(model(), mjOBJ_BODY, "torso");
    if (torso_ < 0) throw std::runtime_error(describe().model_path + ": the ant model has no body named 'torso'");
    if (6 * model()->nbody != 84)
      throw std::runtime_error(describe().model_path + ": the ant model must have 14 bodies (84 contact-force values), it has " +
                               std::to_string(model()->nbody));
  }

  void observe(double* obs) const override {
    const mjModel* m = model();
    for (int i = 2; i < m->nq; ++i) *obs++ = qpos()[i];
    for (int i = 0; i < m->nv; ++i) *obs++ = qvel()[i];
    const int n = 6 * m->nbody;
    if (options().contact_forces) {
      for (int i = 0; i < n; ++i) *obs++ = clip(data()->cfrc_ext[i], -1.0, 1.0);
    } else {
      for (int i = 0; i < n; ++i) *obs++ = 0.0;
    }
  }

  // gym: not (isfinite(state_vector).all() and 0.2 <= qpos[2] <= 1.0)
  bool is_terminal_state() const override {
    const mjModel* m = model();
    for (int i = 0; i < m->nq; ++i)
      if (!std::isfinite(qpos()[i])) return true;
    for (int i = 0; i < m->nv; ++i)
      if (!std::isfinite(qvel()[i])) return true;
    const double z = qpos()[2];
    return !(z >= 0.2 && z <= 1.0);
  }

 protected:
  void add_reset_noise(double* qpos, double* qvel) override {
    // Like gym, the noise is added to the quaternion too, which is left unnormalised.
    for (int i = 0; i < model()->nq; ++i) qpos[i] += rng().uniform(-0.1, 0.1);
    for (int i = 0; i < model()->nv; ++i) qvel[i] += 0.1 * rng().normal();
  }

  double forward_x() const override { return data()->xpos[3 * torso_]; }

  void after_physics() override {
    if (options().contact_forces) mj_rnePostConstraint(model(), mutable_data());
  }

  double reward(const double* a, double x_before, double x_after, RewardTerms& terms) const override {
    const double forward = (x_after - x_before) / dt();
    const double ctrl_cost = 0.5 * numpy_sum_of_squares(a, model()->nu);
    double contact_cost = 0.0;
    if (options().contact_forces) {
      double clipped[84];
      for (int i = 0; i < 84; ++i) clipped[i] = clip(data()->cfrc_ext[i], -1.0, 1.0);
      contact_cost = 0.5 * 1e-3 * numpy_sum_of_squares(clipped, 84);
    }
    const double survive = 1.0;
    terms.forward = forward;
    terms.control = -ctrl_cost;
    terms.contact = -contact_cost;
    terms.healthy = survive;
    return forward - ctrl_cost - contact_cost + survive;  // gym's order
  }

  std::string observation_layout() const override {
    return "qpos[2:15] (13), qvel (14), clip(cfrc_ext, -1, 1) (14 bodies x 6 = 84)";
  }
  std::string contact_forces_mode() const override {
    return options().contact_forces ? "real (mj_rnePostConstraint)" : "zeros (as in D4RL's ant-v2 files)";
  }

 private:
  int torso_ = -1;
};

}  // namespace

std::unique_ptr<LocomotionEnv> make_ant_env(const EnvOptions& options) { return std::make_unique<AntEnv>(options); }

}  // namespace grl::envs
