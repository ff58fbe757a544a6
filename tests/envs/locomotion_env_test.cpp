// Env semantics against the gym v2 definitions: observation layout, each reward recomputed from
// the state before and after a step, termination exactly at the thresholds, the time limit,
// reset noise, seeding, clipping and bad actions.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include "envs/env.h"

namespace grl::envs {
namespace {

const char* const kIds[] = {"halfcheetah", "hopper", "walker2d", "ant"};

std::vector<double> random_action(std::mt19937_64& rng, int n, double scale = 1.0) {
  std::uniform_real_distribution<double> u(-scale, scale);
  std::vector<double> a(n);
  for (auto& x : a) x = u(rng);
  return a;
}

double clipped_sum_of_squares(const std::vector<double>& a) {
  double s = 0;
  for (double x : a) {
    const double c = std::max(-1.0, std::min(1.0, x));
    s += c * c;
  }
  return s;
}

TEST(LocomotionEnv, DimensionsAndObservationLayout) {
  for (const char* id : kIds) {
    auto env = make_env(id);
    EXPECT_EQ(env->obs_dim(), env_spec(id).obs_dim) << id;
    const auto obs = env->reset(3);
    ASSERT_EQ(static_cast<int>(obs.size()), env->obs_dim()) << id;
    const auto qpos = env->qpos(), qvel = env->qvel();
    const int skip = std::string(id) == "ant" ? 2 : 1;
    int k = 0;
    for (std::size_t i = skip; i < qpos.size(); ++i) EXPECT_EQ(obs[k++], qpos[i]) << id;
    for (double v : qvel) EXPECT_EQ(obs[k++], std::string(id) == "hopper" || std::string(id) == "walker2d" ? std::max(-10.0, std::min(10.0, v)) : v) << id;
    if (std::string(id) == "ant") {
      EXPECT_EQ(k, 27);
      for (; k < 111; ++k) EXPECT_EQ(obs[k], 0.0);
    }
    EXPECT_EQ(k, env->obs_dim()) << id;
    EXPECT_DOUBLE_EQ(env->describe().dt, env_spec(id).dt) << id;
  }
  EXPECT_EQ(make_env("hopper-medium-replay-v2")->spec().id, "hopper");
  EXPECT_THROW(make_env("humanoid"), std::invalid_argument);
}

TEST(LocomotionEnv, VelocityObservationIsClippedForHopperAndWalker) {
  for (const char* id : {"hopper", "walker2d"}) {
    auto env = make_env(id);
    env->reset(0);
    auto qpos = env->qpos(), qvel = env->qvel();
    qvel[0] = 25.0;
    qvel[1] = -12.0;
    env->set_state(qpos, qvel);
    const auto obs = env->observe();
    const int v0 = env->nq() - 1;
    EXPECT_EQ(obs[v0], 10.0) << id;
    EXPECT_EQ(obs[v0 + 1], -10.0) << id;
  }
}

// reward recomputed from qpos[0] (torso xpos for Ant) before and after, and the clipped action.
TEST(LocomotionEnv, RewardsRecomputedFromStateAndAction) {
  std::mt19937_64 rng(11);
  for (const char* id : kIds) {
    const std::string name = id;
    auto env = make_env(id);
    env->reset(5);
    const double dt = env->describe().dt;
    for (int t = 0; t < 40; ++t) {
      const auto action = random_action(rng, env->act_dim(), 1.5);  // partly out of range
      const mjData* d = env->data();
      const double x0 = name == "ant" ? d->xpos[3 * 1] : d->qpos[0];
      const auto s = env->step(action);
      const double x1 = name == "ant" ? d->xpos[3 * 1] : d->qpos[0];
      const double v = (x1 - x0) / dt, sq = clipped_sum_of_squares(action);
      double expected = 0;
      if (name == "halfcheetah") expected = v - 0.1 * sq;
      if (name == "hopper" || name == "walker2d") expected = v + 1.0 - 1e-3 * sq;
      if (name == "ant") expected = v - 0.5 * sq + 1.0;  // contact cost 0: contact forces are zeros
      EXPECT_NEAR(s.reward, expected, 1e-12 * (1 + std::abs(expected))) << id << " step " << t;
      EXPECT_NEAR(s.reward, s.terms.forward + s.terms.control + s.terms.healthy + s.terms.contact, 1e-12 * (1 + std::abs(expected)));
      EXPECT_EQ(s.terms.x_before, x0);
      EXPECT_EQ(s.terms.x_after, x1);
      EXPECT_NEAR(s.terms.forward, v, 1e-12 * (1 + std::abs(v)));
      if (s.done()) env->reset();
    }
  }
}

TEST(LocomotionEnv, AntContactForcesAreZerosByDefaultAndRealOnRequest) {
  EnvOptions real;
  real.contact_forces = true;
  auto zeros_env = make_env("ant"), forces_env = make_env("ant", real);
  EXPECT_NE(zeros_env->describe().contact_forces.find("zeros"), std::string::npos);
  EXPECT_NE(forces_env->describe().contact_forces.find("mj_rnePostConstraint"), std::string::npos);
  zeros_env->reset(1);
  forces_env->reset(1);
  bool any_force = false;
  double contact_cost_seen = 0;
  for (int t = 0; t < 30; ++t) {  // the ant drops from 0.75 and lands within these steps
    const std::vector<double> a(8, 0.0);
    const auto z = zeros_env->step(a);
    const auto f = forces_env->step(a);
    for (int k = 27; k < 111; ++k) {
      EXPECT_EQ(z.obs[k], 0.0);
      EXPECT_LE(std::abs(f.obs[k]), 1.0);
      any_force = any_force || f.obs[k] != 0.0;
    }
    // Same physics either way: mj_rnePostConstraint only reads the state.
    for (int k = 0; k < 27; ++k) EXPECT_EQ(z.obs[k], f.obs[k]);
    EXPECT_EQ(z.terms.contact, 0.0);
    double sq = 0;
    for (int k = 27; k < 111; ++k) sq += f.obs[k] * f.obs[k];
    EXPECT_NEAR(f.terms.contact, -0.5e-3 * sq, 1e-15);
    contact_cost_seen = std::min(contact_cost_seen, f.terms.contact);
  }
  EXPECT_TRUE(any_force);
  EXPECT_LT(contact_cost_seen, 0.0);
}

// Sets qpos[index] = value on top of the reset state and reports the termination rule.
bool terminal_with(Env& env, int index, double value, bool velocity = false) {
  env.reset(0);
  auto qpos = env.qpos(), qvel = env.qvel();
  (velocity ? qvel : qpos)[index] = value;
  env.set_state(qpos, qvel);
  return env.is_terminal_state();
}

TEST(LocomotionEnv, HopperTerminatesExactlyAtItsThresholds) {
  auto env = make_env("hopper");
  const double eps = 1e-9;
  EXPECT_FALSE(terminal_with(*env, 1, 0.7 + eps));
  EXPECT_TRUE(terminal_with(*env, 1, 0.7));
  EXPECT_FALSE(terminal_with(*env, 2, 0.2 - eps));
  EXPECT_TRUE(terminal_with(*env, 2, 0.2));
  EXPECT_FALSE(terminal_with(*env, 2, -0.2 + eps));
  EXPECT_TRUE(terminal_with(*env, 2, -0.2));
  EXPECT_FALSE(terminal_with(*env, 3, -2.0));        // joint angles are not bounded by the rule...
  EXPECT_FALSE(terminal_with(*env, 0, 1000.0));      // ...nor is x (s[0]); s[1] is the height
  EXPECT_FALSE(terminal_with(*env, 3, 100.0 - 1e-9, true));
  EXPECT_TRUE(terminal_with(*env, 3, 100.0, true));  // |s[2:]| < 100 covers velocities
  EXPECT_TRUE(terminal_with(*env, 0, -100.0, true));
  EXPECT_FALSE(terminal_with(*env, 0, -100.0 + 1e-9, true));
  env->reset(0);
  env->mutable_data()->qvel[4] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(env->is_terminal_state());
}

TEST(LocomotionEnv, Walker2dTerminatesExactlyAtItsThresholds) {
  auto env = make_env("walker2d");
  const double eps = 1e-9;
  EXPECT_TRUE(terminal_with(*env, 1, 0.8));
  EXPECT_FALSE(terminal_with(*env, 1, 0.8 + eps));
  EXPECT_FALSE(terminal_with(*env, 1, 2.0 - eps));
  EXPECT_TRUE(terminal_with(*env, 1, 2.0));
  EXPECT_FALSE(terminal_with(*env, 2, 1.0 - eps));
  EXPECT_TRUE(terminal_with(*env, 2, 1.0));
  EXPECT_FALSE(terminal_with(*env, 2, -1.0 + eps));
  EXPECT_TRUE(terminal_with(*env, 2, -1.0));
  EXPECT_FALSE(terminal_with(*env, 5, 50.0, true));  // no bound on velocities
}

TEST(LocomotionEnv, AntTerminatesExactlyAtItsThresholds) {
  auto env = make_env("ant");
  const double eps = 1e-9;
  EXPECT_FALSE(terminal_with(*env, 2, 0.2));  // inclusive bounds
  EXPECT_TRUE(terminal_with(*env, 2, 0.2 - eps));
  EXPECT_FALSE(terminal_with(*env, 2, 1.0));
  EXPECT_TRUE(terminal_with(*env, 2, 1.0 + eps));
  env->reset(0);
  env->mutable_data()->qvel[7] = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(env->is_terminal_state());
}

TEST(LocomotionEnv, HalfCheetahNeverTerminates) {
  auto env = make_env("halfcheetah");
  EXPECT_FALSE(terminal_with(*env, 1, -5.0));
  EXPECT_FALSE(terminal_with(*env, 2, 3.0));
}

TEST(LocomotionEnv, StepReportsTheRuleOnTheStateAfterTheStep) {
  auto env = make_env("hopper");
  env->reset(0);
  auto qpos = env->qpos(), qvel = env->qvel();
  qpos[1] = 0.6;  // already below 0.7 and at rest: still below after one 8 ms step
  env->set_state(qpos, qvel);
  const auto s = env->step(std::vector<double>(3, 0.0));
  EXPECT_TRUE(s.terminal);
  EXPECT_FALSE(s.timeout);
  EXPECT_LT(env->qpos()[1], 0.7);

  env->reset(0);
  const auto healthy = env->step(std::vector<double>(3, 0.0));
  EXPECT_FALSE(healthy.terminal);
  EXPECT_EQ(healthy.terminal, env->is_terminal_state());
}

TEST(LocomotionEnv, TimeoutAtStep1000AndNotBefore) {
  auto env = make_env("halfcheetah");
  env->reset(0);
  std::vector<double> obs(env->obs_dim());
  const double a[6] = {0, 0, 0, 0, 0, 0};
  for (int t = 1; t < 1000; ++t) {
    const auto s = env->step(a, obs.data());
    ASSERT_FALSE(s.timeout) << "step " << t;
    ASSERT_FALSE(s.terminal);
  }
  const auto last = env->step(a, obs.data());
  EXPECT_TRUE(last.timeout);
  EXPECT_FALSE(last.terminal);
  EXPECT_EQ(env->elapsed_steps(), 1000);
  env->reset();
  EXPECT_EQ(env->elapsed_steps(), 0);

  EnvOptions short_episodes;
  short_episodes.max_episode_steps = 3;
  auto walker = make_env("walker2d", short_episodes);
  walker->reset(0);
  EXPECT_FALSE(walker->step(std::vector<double>(6, 0.0)).timeout);
  EXPECT_FALSE(walker->step(std::vector<double>(6, 0.0)).timeout);
  EXPECT_TRUE(walker->step(std::vector<double>(6, 0.0)).timeout);
}

TEST(LocomotionEnv, ResetNoiseWithinBounds) {
  for (const char* id : kIds) {
    const std::string name = id;
    auto env = make_env(id);
    const mjModel* m = env->model();
    const bool small = name == "hopper" || name == "walker2d";
    const double bound = small ? 0.005 : 0.1;
    double max_qpos = 0, sum_qvel = 0, sum_sq_qvel = 0, max_qvel = 0;
    int n_qvel = 0;
    env->seed(123);
    for (int r = 0; r < 200; ++r) {
      env->reset();
      const auto qpos = env->qpos(), qvel = env->qvel();
      for (int i = 0; i < m->nq; ++i) {
        if (name == "ant" && i >= 3 && i < 7) continue;  // quaternion: renormalised by mj_forward, below
        const double noise = qpos[i] - m->qpos0[i];
        ASSERT_LE(std::abs(noise), bound) << id;
        max_qpos = std::max(max_qpos, std::abs(noise));
      }
      if (name == "ant") {
        EXPECT_NEAR(qpos[3] * qpos[3] + qpos[4] * qpos[4] + qpos[5] * qpos[5] + qpos[6] * qpos[6], 1.0, 1e-12);
      }
      for (double v : qvel) {
        if (small) {
          ASSERT_LE(std::abs(v), 0.005) << id;
        }
        max_qvel = std::max(max_qvel, std::abs(v));
        sum_qvel += v;
        sum_sq_qvel += v * v;
        ++n_qvel;
      }
    }
    EXPECT_GT(max_qpos, 0.95 * bound) << id;  // the noise spans its interval
    if (small) {
      EXPECT_GT(max_qvel, 0.95 * 0.005) << id;
    } else {
      // qvel noise is 0.1 * N(0, 1): check its moments over ~2000 draws.
      const double mean = sum_qvel / n_qvel, sd = std::sqrt(sum_sq_qvel / n_qvel - mean * mean);
      EXPECT_NEAR(mean, 0.0, 0.01) << id;
      EXPECT_NEAR(sd, 0.1, 0.01) << id;
      EXPECT_GT(max_qvel, 0.25) << id;  // not bounded like a uniform of width 0.1
    }
  }
}

std::vector<double> trajectory(const char* id, std::uint64_t seed, int steps) {
  auto env = make_env(id);
  std::mt19937_64 actions(99);
  std::vector<double> out = env->reset(seed);
  for (int t = 0; t < steps; ++t) {
    const auto s = env->step(random_action(actions, env->act_dim()));
    out.insert(out.end(), s.obs.begin(), s.obs.end());
    out.push_back(s.reward);
    if (s.done()) {
      const auto obs = env->reset();
      out.insert(out.end(), obs.begin(), obs.end());
    }
  }
  return out;
}

TEST(LocomotionEnv, SameSeedSameTrajectoryBitForBit) {
  for (const char* id : kIds) {
    const auto a = trajectory(id, 7, 150), b = trajectory(id, 7, 150), c = trajectory(id, 8, 150);
    ASSERT_EQ(a.size(), b.size());
    EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * sizeof(double))) << id;
    EXPECT_NE(a[0], c[0]) << id;
  }
}

TEST(LocomotionEnv, RngStateRoundTripRepeatsTheResetNoise) {
  for (const char* id : kIds) {
    auto env = make_env(id, EnvOptions{});
    env->seed(11);
    env->reset();
    const std::string saved = env->rng_state();
    const auto first = env->reset();
    env->reset();  // moves the RNG on
    env->set_rng_state(saved);
    EXPECT_EQ(env->reset(), first) << id;
    try {
      env->set_rng_state("not a state");
      ADD_FAILURE() << id << ": no error";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(std::string(id) + ": not an RNG state"), std::string::npos) << e.what();
    }
  }
}

TEST(LocomotionEnv, OutOfRangeActionsAreClipped) {
  for (const char* id : kIds) {
    auto clipped = make_env(id), wild = make_env(id);
    clipped->reset(4);
    wild->reset(4);
    std::mt19937_64 rng(5);
    for (int t = 0; t < 20; ++t) {
      auto a = random_action(rng, clipped->act_dim(), 3.0);
      std::vector<double> c = a;
      for (auto& x : c) x = std::max(-1.0, std::min(1.0, x));
      const auto s1 = wild->step(a), s2 = clipped->step(c);
      EXPECT_EQ(s1.reward, s2.reward) << id;  // control cost on the clipped action
      EXPECT_EQ(0, std::memcmp(s1.obs.data(), s2.obs.data(), s1.obs.size() * sizeof(double))) << id;
      for (int i = 0; i < clipped->act_dim(); ++i) EXPECT_EQ(wild->data()->ctrl[i], c[i]);
    }
  }
}

TEST(LocomotionEnv, NonFiniteActionIsAnErrorNamingTheIndex) {
  auto env = make_env("hopper");
  env->reset(0);
  const auto qpos = env->qpos();
  for (double bad : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    try {
      env->step({0.1, bad, 0.2});
      FAIL() << "expected an exception";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("action[1]"), std::string::npos) << e.what();
    }
    EXPECT_EQ(env->qpos(), qpos);  // nothing was stepped
    EXPECT_EQ(env->elapsed_steps(), 0);
  }
  EXPECT_THROW(env->step({0.1, 0.2}), std::invalid_argument);  // wrong size
  auto qvel = env->qvel();
  qvel[2] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(env->set_state(env->qpos(), qvel), std::invalid_argument);
}

TEST(LocomotionEnv, StateRoundTripReproducesTheStep) {
  for (const char* id : kIds) {
    auto a = make_env(id), b = make_env(id);
    a->reset(21);
    b->reset(999);
    b->step(std::vector<double>(b->act_dim(), 0.5));
    b->set_state(a->qpos(), a->qvel());  // b's earlier history must not matter (solver warm start)
    EXPECT_EQ(a->observe(), b->observe()) << id;
    std::mt19937_64 rng(3);
    for (int t = 0; t < 5; ++t) {
      const auto action = random_action(rng, a->act_dim());
      const auto sa = a->step(action), sb = b->step(action);
      EXPECT_EQ(sa.obs, sb.obs) << id;
      EXPECT_EQ(sa.reward, sb.reward) << id;
    }
  }
}

}  // namespace
}  // namespace grl::envs
