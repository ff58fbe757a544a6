// The step path allocates nothing: Env::step (pointer form) and VecEnv::step are counted with a
// replaced global operator new (for this test binary only).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "envs/env.h"
#include "envs/vec_env.h"

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace grl::envs {
namespace {

TEST(Allocation, CounterSeesAllocations) {
  const long before = g_allocations.load();
  std::vector<double> v(10);
  EXPECT_EQ(g_allocations.load() - before, 1);
}

TEST(Allocation, EnvStepAllocatesNothing) {
  for (const char* id : {"halfcheetah", "hopper", "walker2d", "ant"}) {
    auto env = make_env(id);
    std::vector<double> obs(env->obs_dim()), action(env->act_dim(), 0.3);
    env->seed(1);
    env->reset_into(obs.data());
    const long before = g_allocations.load();
    for (int t = 0; t < 50; ++t) {
      const auto s = env->step(action.data(), obs.data());
      if (s.done()) env->reset_into(obs.data());
    }
    EXPECT_EQ(g_allocations.load() - before, 0) << id;
  }
}

TEST(Allocation, VecEnvStepAllocatesNothing) {
  VecEnvOptions options;
  options.num_envs = 6;
  options.threads = 2;
  options.auto_reset = true;
  VecEnv vec("hopper", options);
  vec.reset(0);
  std::vector<float> actions(6 * 3, 0.7f);
  std::vector<std::uint8_t> active = {1, 1, 0, 1, 0, 1};
  vec.step(actions.data());  // the first wake-up of a worker may allocate inside the runtime
  const long before = g_allocations.load();
  for (int t = 0; t < 100; ++t) {
    vec.step(actions.data());
    vec.step(actions.data(), active.data());
  }
  EXPECT_EQ(g_allocations.load() - before, 0);
}

}  // namespace
}  // namespace grl::envs
