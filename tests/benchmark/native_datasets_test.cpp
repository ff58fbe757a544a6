// Native datasets: the catalog, recording from behaviour policy files, medium-expert as medium then
// expert, making on first use, choosing policies from a SAC run, and medium-replay replayed
// bit-identically from the SAC run's config.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <map>

#include "baselines/sac/replay_buffer.h"
#include "benchmark/native_datasets.h"
#include "common/run_directory.h"
#include "datasets/d4rl_file.h"
#include "datasets/dataset_error.h"
#include "datasets/dataset_location.h"
#include "envs/env_catalog.h"
#include "support/temp_dir.h"

namespace grl::benchmark {
namespace {

// Points GRL_POLICY_DIR and GRL_DATASET_DIR at a test's folders while it runs.
class ScopedFolders {
 public:
  explicit ScopedFolders(const testing::TempDir& dir) {
    setenv("GRL_POLICY_DIR", (dir / "policies").c_str(), 1);
    setenv("GRL_DATASET_DIR", (dir / "datasets").c_str(), 1);
    std::filesystem::create_directories(dir / "policies");
  }
  ~ScopedFolders() {
    unsetenv("GRL_POLICY_DIR");
    unsetenv("GRL_DATASET_DIR");
  }
};

void write_policy(const std::filesystem::path& file, std::int64_t step, std::uint64_t init_seed) {
  torch::manual_seed(init_seed);
  networks::TanhGaussianActor actor(11, 3, networks::TanhGaussianActorConfig{{16}, -20, 2});
  sac::ActorFileInfo info;
  info.env = "hopper";
  info.step = step;
  info.source = "test policy " + std::to_string(init_seed);
  sac::save_actor_file(file, *actor, info);
}

TEST(NativeDatasets, CatalogHasEveryKindForEachEnv) {
  for (const std::string env : {"halfcheetah", "hopper", "walker2d"}) {
    for (const std::string kind : {"random", "medium", "expert", "medium-expert", "medium-replay"}) {
      const auto spec = find_native_dataset(env + "-" + kind + "-native-v0");
      ASSERT_TRUE(spec) << env << " " << kind;
      EXPECT_EQ(spec->env, env);
      EXPECT_EQ(spec->kind, kind);
      EXPECT_EQ(spec->transitions, kind == "medium-replay" ? 0 : 1000000);
    }
    EXPECT_EQ(find_native_dataset(env + "-medium-native-50k-v0")->transitions, 50000);
    EXPECT_FALSE(find_native_dataset(env + "-medium-replay-native-50k-v0"));
  }
  const auto me = *find_native_dataset("hopper-medium-expert-native-v0");
  ASSERT_EQ(me.parts.size(), 2u);
  EXPECT_EQ(me.parts[0].policy, "hopper-medium.pt");
  EXPECT_EQ(me.parts[1].policy, "hopper-expert.pt");
  EXPECT_EQ(me.parts[0].seed, find_native_dataset("hopper-medium-native-v0")->parts[0].seed);
  EXPECT_EQ(me.parts[1].seed, find_native_dataset("hopper-expert-native-v0")->parts[0].seed);
}

TEST(NativeDatasets, MediumExpertIsTheMediumFileFollowedByTheExpertFile) {
  testing::TempDir dir;
  ScopedFolders folders(dir);
  write_policy(dir / "policies" / "hopper-medium.pt", 100, 1);
  write_policy(dir / "policies" / "hopper-expert.pt", 200, 2);
  auto small = [](const std::string& kind) {
    auto spec = *find_native_dataset("hopper-" + kind + "-native-50k-v0");
    spec.transitions = 300;  // the same recipe, smaller
    return spec;
  };
  const auto medium = make_native_dataset(small("medium"), dir / "m.hdf5");
  make_native_dataset(small("expert"), dir / "e.hdf5");
  const auto both = make_native_dataset(small("medium-expert"), dir / "me.hdf5");
  EXPECT_EQ(medium.transitions, 300);
  EXPECT_EQ(both.transitions, 600);
  const auto m = datasets::read_d4rl_file(dir / "m.hdf5"), e = datasets::read_d4rl_file(dir / "e.hdf5"),
             me = datasets::read_d4rl_file(dir / "me.hdf5");
  EXPECT_TRUE(torch::equal(me.observations, torch::cat({m.observations, e.observations})));
  EXPECT_TRUE(torch::equal(me.infos.at("action_log_probs"),
                           torch::cat({m.infos.at("action_log_probs"), e.infos.at("action_log_probs")})));
  // The medium part's last row (mid-episode: the rows ran out) becomes a timeout; nothing else changes.
  ASSERT_FALSE(m.timeouts->index({-1}).item<bool>());
  ASSERT_FALSE(m.terminals.index({-1}).item<bool>());
  torch::Tensor expected_timeouts = torch::cat({*m.timeouts, *e.timeouts}).clone();
  expected_timeouts[299] = true;
  EXPECT_TRUE(torch::equal(*me.timeouts, expected_timeouts));
  EXPECT_TRUE(torch::equal(me.terminals, torch::cat({m.terminals, e.terminals})));
  // Single-policy files carry the policy (D4RL's metadata layout); the two-policy file does not.
  EXPECT_EQ(std::get<std::int64_t>(m.metadata.at("iteration")), 100);
  EXPECT_EQ(std::get<torch::Tensor>(m.metadata.at("policy/fc0/weight")).sizes(), (std::vector<int64_t>{16, 11}));
  EXPECT_EQ(me.metadata.count("policy/fc0/weight"), 0u);
  EXPECT_EQ(std::get<std::string>(me.metadata.at("dataset_id")), "hopper-medium-expert-native-50k-v0");
  // Made twice, a file is the same.
  make_native_dataset(small("medium"), dir / "m2.hdf5");
  EXPECT_TRUE(torch::equal(datasets::read_d4rl_file(dir / "m2.hdf5").actions, m.actions));
}

TEST(NativeDatasets, AMissingDatasetIsMadeOnFirstUse) {
  testing::TempDir dir;
  ScopedFolders folders(dir);
  write_policy(dir / "policies" / "hopper-random.pt", 0, 3);
  EXPECT_THROW(datasets::locate_dataset("hopper-random-native-50k-v0"), datasets::DatasetError);
  ensure_native_dataset("hopper-random-native-50k-v0");
  const auto location = datasets::locate_dataset("hopper-random-native-50k-v0");
  EXPECT_EQ(location.file, dir / "datasets" / "hopper_random_native_50k-v0.hdf5");
  EXPECT_EQ(datasets::read_d4rl_file(location.file).rows(), 50000);
  ensure_native_dataset("hopper-medium-v2");  // not native: left alone
  try {
    ensure_native_dataset("hopper-full-replay-native-v0");
    FAIL() << "no error";
  } catch (const datasets::DatasetError& e) {
    EXPECT_NE(std::string(e.what()).find("not a native dataset; the native datasets are:"), std::string::npos);
  }
}

TEST(NativeDatasets, ShippedPoliciesFitTheirEnvAndMediumIsAboutAThirdOfTheExpert) {
  for (const std::string env : {"halfcheetah", "hopper", "walker2d"}) {
    const envs::EnvSpec& spec = envs::env_spec(env);
    std::map<std::string, sac::ActorFileInfo> infos;
    for (const std::string kind : {"random", "medium", "expert"}) {
      const auto [actor, info] = sac::load_actor_file(find_behaviour_policy(env + "-" + kind + ".pt"));
      EXPECT_EQ(info.env, env) << kind;
      EXPECT_EQ(actor->state_dim(), spec.obs_dim) << env << " " << kind;
      EXPECT_EQ(actor->action_dim(), spec.act_dim) << env << " " << kind;
      EXPECT_EQ(info.evaluation_episodes, 100) << env << " " << kind;  // re-evaluated by select-policies
      EXPECT_FALSE(info.training_config.empty()) << env << " " << kind;  // medium-replay replays it
      infos[kind] = info;
    }
    EXPECT_EQ(infos["random"].step, 0) << env;
    EXPECT_LT(infos["medium"].step, infos["expert"].step) << env;
    // D4RL's medium policies reach about a third of its experts' return; select-policies keeps the
    // snapshot closest to that.
    const double ratio = infos["medium"].return_stochastic / infos["expert"].return_stochastic;
    EXPECT_GT(ratio, 0.2) << env;
    EXPECT_LT(ratio, 0.45) << env;
  }
}

TEST(NativeDatasets, MissingPolicyFileSaysWhereItLooked) {
  testing::TempDir dir;
  ScopedFolders folders(dir);
  // Every shipped id has its policy in the source tree, so the spec names one that is nowhere.
  NativeDatasetSpec spec = *find_native_dataset("walker2d-expert-native-50k-v0");
  spec.parts.front().policy = "walker2d-retrained.pt";
  try {
    make_native_dataset(spec, dir / "x.hdf5");
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("cannot find the behaviour policy 'walker2d-retrained.pt'"), std::string::npos) << what;
    EXPECT_NE(what.find("GRL_POLICY_DIR"), std::string::npos) << what;
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "x.hdf5"));
}

sac::SacConfig tiny_sac() {
  sac::SacConfig c;
  c.env = "hopper";
  c.total_steps = 900;
  c.learning_starts = 100;
  c.batch_size = 16;
  c.actor.hidden = {16, 16};
  c.critic.hidden = {16, 16};
  c.eval_episodes = 2;
  c.eval_every = 300;
  c.snapshot_every = 300;
  c.checkpoint_every = 450;  // a checkpoint (and its episode cut) inside the replayed part
  c.log_every = 300;
  return c;
}

TEST(NativeDatasets, PoliciesChosenFromASacRunAndMediumReplayReplaysItsBuffer) {
  testing::TempDir dir;
  ScopedFolders folders(dir);
  const auto config = tiny_sac();
  const auto run = RunDirectory::create(dir.path(), "sac-hopper");
  run.write_config(config::to_yaml(config));
  ASSERT_EQ(sac::train_sac(config, run), sac::SacOutcome::finished);

  const auto chosen = select_behaviour_policies(run.path(), dir / "policies", 2);
  ASSERT_EQ(chosen.size(), 3u);
  EXPECT_EQ(chosen[0].step, 0);  // random: the untrained actor
  EXPECT_GE(chosen[2].return_stochastic, chosen[1].return_stochastic - 1e-9);
  for (const char* kind : {"random", "medium", "expert"}) {
    const auto info = sac::load_actor_file(dir / "policies" / (std::string("hopper-") + kind + ".pt")).second;
    EXPECT_EQ(info.evaluation_episodes, 2) << kind;
    EXPECT_NE(info.training_config.find("total_steps: 900"), std::string::npos) << kind;
    EXPECT_NE(info.source.find(std::string("chosen as ") + kind), std::string::npos) << info.source;
  }

  // The replay reproduces the original run's first M rows exactly (M = the medium snapshot's step).
  const std::int64_t medium_step = chosen[1].step;
  if (medium_step == 0) GTEST_SKIP() << "the medium choice is the untrained actor: nothing to replay";
  const auto made = make_native_dataset(*find_native_dataset("hopper-medium-replay-native-v0"), dir / "mr.hdf5");
  EXPECT_EQ(made.transitions, medium_step);
  sac::ReplayBuffer original(sac::replay_capacity(config), 11, 3, 6, 6);
  original.load(training::CheckpointReader(run.checkpoints_dir() / "latest.pt"), "replay");
  const auto expected = original.to_d4rl(medium_step);
  const auto replayed = datasets::read_d4rl_file(dir / "mr.hdf5");
  EXPECT_TRUE(torch::equal(replayed.observations, expected.observations));
  EXPECT_TRUE(torch::equal(replayed.actions, expected.actions));
  EXPECT_TRUE(torch::equal(replayed.rewards, expected.rewards));
  EXPECT_TRUE(torch::equal(*replayed.timeouts, *expected.timeouts));
  EXPECT_TRUE(torch::equal(replayed.infos.at("qpos"), expected.infos.at("qpos")));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "mr.hdf5.sac-replay"));  // the replay's run folder is gone
  // ... and its actor is the shipped medium actor, which the file records.
  EXPECT_EQ(std::get<double>(replayed.metadata.at("replay_actor_max_difference")), 0.0);

  // A shipped policy the replay does not reproduce (one weight moved by 0.25) is reported by how far it is.
  auto [medium_actor, medium_info] = sac::load_actor_file(dir / "policies" / "hopper-medium.pt");
  {
    torch::NoGradGuard no_grad;
    medium_actor->parameters().front().view(-1)[0] += 0.25;
  }
  sac::save_actor_file(dir / "policies" / "hopper-medium.pt", *medium_actor, medium_info);
  make_native_dataset(*find_native_dataset("hopper-medium-replay-native-v0"), dir / "mr2.hdf5");
  const auto diverged = datasets::read_d4rl_file(dir / "mr2.hdf5");
  EXPECT_NEAR(std::get<double>(diverged.metadata.at("replay_actor_max_difference")), 0.25, 1e-6);
  EXPECT_TRUE(torch::equal(diverged.observations, expected.observations));  // the buffer itself is the same
}

}  // namespace
}  // namespace grl::benchmark
