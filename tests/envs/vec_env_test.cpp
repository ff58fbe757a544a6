// VecEnv against the same envs stepped one by one; ThreadPool basics.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <chrono>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "common/runtime.h"
#include "common/seeding.h"
#include "common/subnormals.h"
#include "envs/thread_pool.h"
#include "envs/vec_env.h"
#include "envs/vec_env_tensor.h"

namespace grl::envs {
namespace {

std::vector<float> random_actions(std::mt19937_64& rng, int n, int dim) {
  std::uniform_real_distribution<float> u(-1.2f, 1.2f);
  std::vector<float> a(static_cast<std::size_t>(n) * dim);
  for (auto& x : a) x = u(rng);
  return a;
}

// Serial reference: the same envs, seeds and actions, one env after the other.
struct SerialEnvs {
  std::vector<std::unique_ptr<Env>> envs;
  std::vector<std::vector<double>> obs;
  SerialEnvs(const std::string& id, int n, std::uint64_t seed) {
    for (int i = 0; i < n; ++i) {
      envs.push_back(make_env(id));
      obs.push_back(envs.back()->reset(derive_seed(seed, static_cast<std::uint64_t>(i))));
    }
  }
};

void expect_row(const float* row, const std::vector<double>& obs, const std::string& what) {
  for (std::size_t k = 0; k < obs.size(); ++k) ASSERT_EQ(row[k], static_cast<float>(obs[k])) << what << " k=" << k;
}

TEST(VecEnv, AutoResetEqualsSerialSteppingBitForBit) {
  for (const char* id : {"hopper", "ant"}) {
    const int n = 5;
    VecEnvOptions options;
    options.num_envs = n;
    options.threads = 2;
    options.auto_reset = true;
    options.seed = 17;
    VecEnv vec(id, options);
    vec.reset();
    SerialEnvs serial(id, n, 17);
    for (int i = 0; i < n; ++i) expect_row(vec.observations() + i * vec.obs_dim(), serial.obs[i], "reset");

    std::mt19937_64 rng(1);
    int episodes_ended = 0;
    std::vector<double> returns(n, 0.0);
    for (int t = 0; t < 250; ++t) {
      const auto actions = random_actions(rng, n, vec.act_dim());
      vec.step(actions.data());
      for (int i = 0; i < n; ++i) {
        std::vector<double> a(actions.begin() + i * vec.act_dim(), actions.begin() + (i + 1) * vec.act_dim());
        const auto s = serial.envs[i]->step(a);
        returns[i] += s.reward;
        ASSERT_EQ(vec.rewards()[i], s.reward) << id << " env " << i << " t " << t;
        ASSERT_EQ(vec.terminals()[i], s.terminal);
        ASSERT_EQ(vec.timeouts()[i], s.timeout);
        ASSERT_EQ(vec.reward_terms()[i].forward, s.terms.forward);
        ASSERT_EQ(vec.episode_returns()[i], returns[i]);
        if (s.done()) {
          ++episodes_ended;
          expect_row(vec.final_observations() + i * vec.obs_dim(), s.obs, "final");
          expect_row(vec.observations() + i * vec.obs_dim(), serial.envs[i]->reset(), "auto-reset");
          returns[i] = 0;
        } else {
          expect_row(vec.observations() + i * vec.obs_dim(), s.obs, "step");
        }
      }
    }
    EXPECT_GT(episodes_ended, 0) << id << ": auto-reset was not exercised";
  }
}

TEST(VecEnv, ActiveMaskStepsOnlyLiveEnvs) {
  const int n = 4;
  VecEnvOptions options;
  options.num_envs = n;
  options.threads = 2;
  options.seed = 3;
  VecEnv vec("walker2d", options);
  vec.reset();
  SerialEnvs serial("walker2d", n, 3);
  std::mt19937_64 rng(2);
  const std::uint8_t active[n] = {1, 0, 1, 0};
  for (int t = 0; t < 20; ++t) {
    auto actions = random_actions(rng, n, vec.act_dim());
    for (int k = 0; k < vec.act_dim(); ++k) actions[1 * vec.act_dim() + k] = std::numeric_limits<float>::quiet_NaN();  // unread
    vec.step(actions.data(), active);
    for (int i = 0; i < n; ++i) {
      if (!active[i]) {
        EXPECT_EQ(vec.rewards()[i], 0.0);
        EXPECT_EQ(vec.env(i).elapsed_steps(), 0);
        expect_row(vec.observations() + i * vec.obs_dim(), serial.obs[i], "inactive");
        continue;
      }
      std::vector<double> a(actions.begin() + i * vec.act_dim(), actions.begin() + (i + 1) * vec.act_dim());
      const auto s = serial.envs[i]->step(a);
      EXPECT_EQ(vec.rewards()[i], s.reward);
      expect_row(vec.observations() + i * vec.obs_dim(), s.obs, "active");
    }
  }
}

TEST(VecEnv, ThreadCountDoesNotChangeResults) {
  std::vector<float> results[2];
  for (int threads : {1, 2}) {
    VecEnvOptions options;
    options.num_envs = 6;
    options.threads = threads;
    options.auto_reset = true;
    VecEnv vec("halfcheetah", options);
    vec.reset(42);
    std::mt19937_64 rng(8);
    for (int t = 0; t < 30; ++t) {
      const auto actions = random_actions(rng, 6, vec.act_dim());
      vec.step(actions.data());
    }
    results[threads - 1].assign(vec.observations(), vec.observations() + 6 * vec.obs_dim());
  }
  EXPECT_EQ(results[0], results[1]);
}

TEST(VecEnv, NonFiniteActionNamesEnvAndIndexAndStepsNothing) {
  VecEnvOptions options;
  options.num_envs = 3;
  options.threads = 2;
  VecEnv vec("hopper", options);
  vec.reset(0);
  std::vector<float> actions(9, 0.0f);
  actions[2 * 3 + 1] = std::numeric_limits<float>::infinity();
  try {
    vec.step(actions.data());
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("env 2 action[1]"), std::string::npos) << e.what();
  }
  for (int i = 0; i < 3; ++i) EXPECT_EQ(vec.env(i).elapsed_steps(), 0);
}

TEST(VecEnv, TensorConvenience) {
  VecEnvOptions options;
  options.num_envs = 3;
  VecEnv vec("hopper", options);
  vec.reset(1);
  const auto obs = observations_tensor(vec, torch::kCPU);
  ASSERT_EQ(obs.sizes(), (std::vector<int64_t>{3, 11}));
  EXPECT_EQ(obs[2][4].item<float>(), vec.observations()[2 * 11 + 4]);
  step(vec, torch::zeros({3, 3}, torch::kFloat64), torch::tensor({true, false, true}));
  EXPECT_EQ(vec.env(0).elapsed_steps(), 1);
  EXPECT_EQ(vec.env(1).elapsed_steps(), 0);
  EXPECT_NEAR(rewards_tensor(vec, torch::kCPU)[0].item<float>(), vec.rewards()[0], 1e-4);
  EXPECT_EQ(terminals_tensor(vec, torch::kCPU).dtype(), torch::kBool);
  EXPECT_THROW(step(vec, torch::zeros({3, 4})), std::invalid_argument);
}

TEST(ThreadPool, RunsEveryIndexOnceAndRethrows) {
  ThreadPool pool(2);
  EXPECT_EQ(pool.threads(), 2);
  for (int round = 0; round < 50; ++round) {
    std::vector<std::atomic<int>> hits(37);
    auto fn = [&](int i) { hits[i].fetch_add(1); };
    pool.parallel_for(37, fn);
    for (auto& h : hits) ASSERT_EQ(h.load(), 1);
  }
  auto failing = [](int i) {
    if (i == 5) throw std::runtime_error("index 5 failed");
  };
  EXPECT_THROW(pool.parallel_for(10, failing), std::runtime_error);
  std::atomic<int> after{0};
  auto count = [&](int) { after.fetch_add(1); };
  pool.parallel_for(8, count);  // the pool still works after an exception
  EXPECT_EQ(after.load(), 8);
  EXPECT_THROW(ThreadPool(0), std::invalid_argument);
}

// VecEnv's and the evaluator's workers are started after apply_runtime and inherit its subnormal
// flushing (common/subnormals.h); a pool made before it does not have it, so the check can fail.
TEST(ThreadPool, WorkersStartedAfterApplyRuntimeFlushSubnormals) {
  if (!set_subnormal_flushing_on_this_thread(false)) GTEST_SKIP() << "no flush-to-zero control on this CPU family";
  const auto flags_by_thread = [](ThreadPool& pool) {
    std::mutex mutex;
    std::set<std::thread::id> threads;
    std::set<bool> flags;
    auto record = [&](int) {
      // Long enough that the worker takes indices too, not only the calling thread.
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      const bool flushing = subnormal_flushing_on_this_thread();
      const std::lock_guard<std::mutex> lock(mutex);
      threads.insert(std::this_thread::get_id());
      flags.insert(flushing);
    };
    pool.parallel_for(16, record);
    EXPECT_EQ(threads.size(), 2u) << "the worker ran no index";
    return flags;
  };
  ThreadPool before(2);
  EXPECT_EQ(flags_by_thread(before), std::set<bool>{false});
  apply_runtime(RuntimeSettings{1});
  ThreadPool after(2);
  EXPECT_EQ(flags_by_thread(after), std::set<bool>{true});
  set_subnormal_flushing_on_this_thread(false);
}

}  // namespace
}  // namespace grl::envs
