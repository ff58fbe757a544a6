// Env steps per second: our Env beside a bare mj_step loop on the same model (the speed of
// light), and VecEnv with 1 and 2 threads.
//
//   build/perf/grl_perf_env_speed [--quick]
//
// The bare loop and the Env run the same trajectory (same start state, same actions, no resets;
// an Env may be stepped past the end of an episode), so the ratio is the Env's own overhead:
// clipping, observation, reward, termination. Runs alternate and the best of several is kept,
// which filters out other load on the machine. VecEnv runs use random actions with auto-reset.
#include <mujoco/mujoco.h>

#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "envs/env.h"
#include "envs/locomotion_env.h"
#include "envs/vec_env.h"

using grl::envs::Env;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// CPU seconds used by the whole process (all threads): divided by wall time it shows how many
// cores a run actually got, which on a shared machine can be far fewer than it asked for.
double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

struct Rate {
  double steps_per_second = 0;
  double cores_used = 0;
};

struct Case {
  const char* id;
  int steps;  // env steps per timed run
};

// The same work as Env::step without any of its bookkeeping.
double bare_loop(const mjModel* m, mjData* d, const std::vector<double>& qpos, const std::vector<double>& qvel,
                 const std::vector<double>& actions, int steps, int frame_skip, std::vector<double>& final_qpos) {
  mj_resetData(m, d);
  mju_copy(d->qpos, qpos.data(), m->nq);
  mju_copy(d->qvel, qvel.data(), m->nv);
  mj_forward(m, d);
  const int nu = m->nu;
  const auto start = Clock::now();
  for (int t = 0; t < steps; ++t) {
    const double* a = actions.data() + static_cast<std::size_t>(t) * nu;
    for (int i = 0; i < nu; ++i) d->ctrl[i] = a[i];
    for (int k = 0; k < frame_skip; ++k) mj_step(m, d);
  }
  const double elapsed = seconds_since(start);
  final_qpos.assign(d->qpos, d->qpos + m->nq);
  return steps / elapsed;
}

double env_loop(Env& env, const std::vector<double>& qpos, const std::vector<double>& qvel,
                const std::vector<double>& actions, int steps, std::vector<double>& final_qpos) {
  env.reset(0);
  env.set_state(qpos, qvel);
  std::vector<double> obs(env.obs_dim());
  const int nu = env.act_dim();
  double total_reward = 0;
  const auto start = Clock::now();
  for (int t = 0; t < steps; ++t) total_reward += env.step(actions.data() + static_cast<std::size_t>(t) * nu, obs.data()).reward;
  const double elapsed = seconds_since(start);
  final_qpos = env.qpos();
  if (total_reward == 12345.678) std::printf(" ");  // keep the reward computation alive
  return steps / elapsed;
}

Rate vec_env_rate(const char* id, int num_envs, int threads, int iterations) {
  grl::envs::VecEnvOptions options;
  options.num_envs = num_envs;
  options.threads = threads;
  options.auto_reset = true;
  grl::envs::VecEnv vec(id, options);
  vec.reset(1);
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> actions(static_cast<std::size_t>(iterations) * num_envs * vec.act_dim());
  for (auto& a : actions) a = u(rng);
  const std::size_t row = static_cast<std::size_t>(num_envs) * vec.act_dim();
  for (int t = 0; t < 5; ++t) vec.step(actions.data() + t * row);  // warm-up
  const double cpu_start = process_cpu_seconds();
  const auto start = Clock::now();
  for (int t = 0; t < iterations; ++t) vec.step(actions.data() + t * row);
  const double wall = seconds_since(start);
  return {static_cast<double>(iterations) * num_envs / wall, (process_cpu_seconds() - cpu_start) / wall};
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const double scale = quick ? 0.2 : 1.0;
  const int repeats = quick ? 2 : 5;
  const Case cases[] = {{"halfcheetah", 20000}, {"hopper", 10000}, {"walker2d", 8000}, {"ant", 3000}};

  std::printf("Env steps per second, one thread (best of %d alternating runs, same trajectory)\n", repeats);
  std::printf("%-12s %12s %12s %8s\n", "env", "bare mj_step", "grl Env", "ratio");
  for (const auto& c : cases) {
    const int steps = static_cast<int>(c.steps * scale);
    auto env = grl::envs::make_env(c.id);
    auto* locomotion = dynamic_cast<grl::envs::LocomotionEnv*>(env.get());
    const int frame_skip = locomotion->frame_skip();
    env->reset(3);
    const auto qpos = env->qpos(), qvel = env->qvel();
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    std::vector<double> actions(static_cast<std::size_t>(steps) * env->act_dim());
    for (auto& a : actions) a = u(rng);

    const mjModel* m = env->model();
    mjData* d = mj_makeData(m);
    double best_bare = 0, best_env = 0;
    std::vector<double> bare_final, env_final;
    for (int r = 0; r < repeats; ++r) {
      best_bare = std::max(best_bare, bare_loop(m, d, qpos, qvel, actions, steps, frame_skip, bare_final));
      best_env = std::max(best_env, env_loop(*env, qpos, qvel, actions, steps, env_final));
    }
    mj_deleteData(d);
    const bool same = bare_final == env_final;
    std::printf("%-12s %12.0f %12.0f %8.3f%s\n", c.id, best_bare, best_env, best_env / best_bare,
                same ? "" : "  (trajectories differ!)");
  }

  std::printf("\nVecEnv, 16 envs, random actions, auto-reset (env steps per second; cores = process CPU time / wall time)\n");
  std::printf("%-12s %12s %6s %12s %6s %8s\n", "env", "1 thread", "cores", "2 threads", "cores", "speedup");
  for (const auto& c : cases) {
    const int iterations = static_cast<int>(c.steps * scale / 16);
    Rate best1, best2;
    for (int r = 0; r < (quick ? 1 : 3); ++r) {
      const Rate r1 = vec_env_rate(c.id, 16, 1, iterations), r2 = vec_env_rate(c.id, 16, 2, iterations);
      if (r1.steps_per_second > best1.steps_per_second) best1 = r1;
      if (r2.steps_per_second > best2.steps_per_second) best2 = r2;
    }
    std::printf("%-12s %12.0f %6.2f %12.0f %6.2f %8.2fx\n", c.id, best1.steps_per_second, best1.cores_used,
                best2.steps_per_second, best2.cores_used, best2.steps_per_second / best1.steps_per_second);
  }
  return 0;
}
