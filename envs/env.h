// The environment interface: one robot, one episode at a time, in MuJoCo's own terms.
//
// Semantics are those of the gym "v2" MuJoCo classes that D4RL recorded its data in
// (docs/envs.md): the action is clipped to [-1, 1] before stepping and before the control cost,
// one step is frame_skip calls of mj_step, and the 1000-step time limit is reported as `timeout`,
// separately from `terminal` (the robot fell). The model (mjModel) is loaded once and shared
// read-only between instances; every instance owns its mjData and its random number generator.
//
// The pointer forms (reset_into, step(action, obs), observe(obs)) write into caller buffers and
// never allocate; the std::vector forms are conveniences for tools and tests.
#pragma once

#include <mujoco/mujoco.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/config.h"
#include "envs/env_catalog.h"

namespace grl::envs {

struct EnvOptions {
  // Ant only. false: the 84 contact-force entries of the observation are zeros, exactly as in
  // D4RL's ant-v2 files (MuJoCo >= 2.0 fills cfrc_ext only in mj_rnePostConstraint, which gym v2
  // never called), and the contact cost is therefore 0. true: real external contact forces from
  // mj_rnePostConstraint after each step, in the observation and in the contact cost.
  bool contact_forces = false;
  // Steps after which the episode times out (gym's TimeLimit).
  int max_episode_steps = 1000;

  template <class V>
  void visit(V& v) {
    v.field("contact_forces", contact_forces, "Ant: real contact forces in the observation (D4RL files: zeros)");
    v.field("max_episode_steps", max_episode_steps, "time limit in steps (reported as timeout)",
            config::at_least(1));
  }
};

// The reward of one step split into its terms (gym's info dict). reward = sum of the four terms.
struct RewardTerms {
  double forward = 0;  // forward velocity: (x after - x before) / dt
  double control = 0;  // minus the control cost, computed on the clipped action (<= 0)
  double healthy = 0;  // alive bonus: 1 for Hopper, Walker2d and Ant, 0 for HalfCheetah
  double contact = 0;  // Ant: minus the contact cost (0 while contact forces are zeros)
  double x_before = 0; // the x coordinate the forward term differentiates, before the step
  double x_after = 0;  // ... and after it
};

struct StepResult {
  double reward = 0;
  bool terminal = false;  // the robot fell / the state left its healthy region: do not bootstrap
  bool timeout = false;   // the time limit was reached (truncation): bootstrap from the observation
  RewardTerms terms;

  bool done() const { return terminal || timeout; }
};

// StepResult plus the observation, for callers that do not keep their own buffer.
struct Step : StepResult {
  std::vector<double> obs;
};

// What an env instance is, for `grl env info`, logs and checkpoints.
struct EnvDescription {
  std::string id;               // "hopper"
  std::string model_path;       // the MJCF file the model was loaded from
  int obs_dim = 0;
  int act_dim = 0;
  int nq = 0;
  int nv = 0;
  double timestep = 0;          // mjModel opt.timestep
  int frame_skip = 0;
  double dt = 0;                // timestep * frame_skip
  int max_episode_steps = 0;
  std::string observation;      // the observation layout in words
  std::string contact_forces;   // Ant: "zeros (D4RL)" or "mj_rnePostConstraint"; "n/a" otherwise
};

class Env {
 public:
  virtual ~Env() = default;

  virtual const EnvSpec& spec() const = 0;
  virtual EnvDescription describe() const = 0;
  int obs_dim() const { return spec().obs_dim; }
  int act_dim() const { return spec().act_dim; }
  double dt() const { return spec().dt; }

  // Re-seeds this instance's RNG; the next reset() draws its noise from the new sequence.
  virtual void seed(std::uint64_t seed) = 0;
  // The RNG's position as text, and back: a checkpoint of a run that resets envs (online RL) stores
  // it so that the resumed run draws the same reset noise. set_rng_state throws std::invalid_argument
  // for text that rng_state() did not produce.
  virtual std::string rng_state() const = 0;
  virtual void set_rng_state(const std::string& state) = 0;
  // mj_resetData, reset noise from the instance's RNG, mj_forward; writes obs_dim values.
  virtual void reset_into(double* obs) = 0;
  // Clips the action to [-1, 1], applies it for frame_skip mj_step calls and writes the new
  // observation. Throws std::invalid_argument naming the index of a NaN or infinite entry (the
  // state is then unchanged). Stepping after the episode ended is allowed (the physics goes on,
  // timeout stays true); callers that follow episodes reset when done().
  virtual StepResult step(const double* action, double* obs) = 0;
  // The observation of the current state.
  virtual void observe(double* obs) const = 0;
  // The termination rule evaluated on the current state (what step() reports as terminal).
  virtual bool is_terminal_state() const = 0;
  // Steps since the last reset.
  virtual int elapsed_steps() const = 0;

  // Simulator state (qpos: nq values, qvel: nv values). set_state zeroes ctrl and the solver warm
  // start (as a reset does), runs mj_forward and keeps the step counter, so what follows depends
  // on (qpos, qvel) alone; it throws std::invalid_argument on a non-finite entry.
  virtual int nq() const = 0;
  virtual int nv() const = 0;
  virtual void get_state(double* qpos, double* qvel) const = 0;
  virtual void set_state(const double* qpos, const double* qvel) = 0;

  // For rendering and inspection: the shared model (immutable) and this instance's data.
  virtual const mjModel* model() const = 0;
  virtual const mjData* data() const = 0;
  virtual mjData* mutable_data() = 0;

  // Conveniences (allocate).
  std::vector<double> reset() {
    std::vector<double> obs(obs_dim());
    reset_into(obs.data());
    return obs;
  }
  std::vector<double> reset(std::uint64_t seed_value) {
    seed(seed_value);
    return reset();
  }
  Step step(const std::vector<double>& action);
  std::vector<double> observe() const {
    std::vector<double> obs(obs_dim());
    observe(obs.data());
    return obs;
  }
  std::vector<double> qpos() const;
  std::vector<double> qvel() const;
  void set_state(const std::vector<double>& qpos, const std::vector<double>& qvel);
};

// An env by id: "halfcheetah", "hopper", "walker2d", "ant", or any dataset id of them
// ("hopper-medium-replay-v2" -> hopper). Throws listing the known ids. The instance's RNG starts
// from seed 0 until seed() is called.
std::unique_ptr<Env> make_env(const std::string& id, const EnvOptions& options = {});

}  // namespace grl::envs
