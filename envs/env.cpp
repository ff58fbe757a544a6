#include "envs/env.h"

#include <stdexcept>

#include "envs/locomotion_env.h"

namespace grl::envs {

Step Env::step(const std::vector<double>& action) {
  if (static_cast<int>(action.size()) != act_dim())
    throw std::invalid_argument(spec().id + ": expected an action of " + std::to_string(act_dim()) + " values, got " +
                                std::to_string(action.size()));
  Step result;
  result.obs.resize(obs_dim());
  static_cast<StepResult&>(result) = step(action.data(), result.obs.data());
  return result;
}

std::vector<double> Env::qpos() const {
  std::vector<double> qpos(nq()), qvel(nv());
  get_state(qpos.data(), qvel.data());
  return qpos;
}

std::vector<double> Env::qvel() const {
  std::vector<double> qpos(nq()), qvel(nv());
  get_state(qpos.data(), qvel.data());
  return qvel;
}

void Env::set_state(const std::vector<double>& qpos, const std::vector<double>& qvel) {
  if (static_cast<int>(qpos.size()) != nq() || static_cast<int>(qvel.size()) != nv())
    throw std::invalid_argument(spec().id + ": expected a state of " + std::to_string(nq()) + " qpos and " +
                                std::to_string(nv()) + " qvel values, got " + std::to_string(qpos.size()) + " and " +
                                std::to_string(qvel.size()));
  set_state(qpos.data(), qvel.data());
}

std::unique_ptr<Env> make_env(const std::string& id, const EnvOptions& options) {
  std::string env_id = id;
  if (!find_env_spec(id)) {
    if (auto dataset = try_parse_dataset_id(id)) env_id = dataset->env;
    else env_spec(id);  // throws listing the known ids
  }
  if (env_id == "halfcheetah") return make_half_cheetah_env(options);
  if (env_id == "hopper") return make_hopper_env(options);
  if (env_id == "walker2d") return make_walker2d_env(options);
  if (env_id == "ant") return make_ant_env(options);
  throw std::invalid_argument("environment '" + env_id + "' is in the catalog but has no implementation");
}

}  // namespace grl::envs
