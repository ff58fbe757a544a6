// Inputs that used to slip through: section overrides that reset a section, integers that wrapped,
// special files that hung the readers, corrupted actions, seeds that saturated, sizes that could
// not fit.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <fstream>

#include "algorithms/evaluation/run_config.h"
#include "algorithms/networks/mlp.h"
#include "algorithms/networks/residual_net.h"
#include "apps/seed_check.h"
#include "common/atomic_file.h"
#include "common/config.h"
#include "common/memory_limit.h"
#include "datasets/action_range.h"
#include "datasets/batch_sampler.h"
#include "datasets/d4rl_file.h"
#include "datasets/offline_dataset.h"
#include "datasets/dataset_error.h"
#include "datasets/dataset_location.h"
#include "envs/env_catalog.h"
#include "robustness/robustness_support.h"
#include "support/temp_dir.h"

namespace grl {
namespace {

using grl::testing::message_of;

struct PolicySection {
  double beta = 1.0;
  std::vector<int> hidden = {256, 256};
  int steps = 10;
  template <class V>
  void visit(V& v) {
    v.field("beta", beta, "inverse temperature", config::non_negative());
    v.field("hidden", hidden, "widths", config::at_least(1));
    v.field("steps", steps, "steps", config::at_least(1));
  }
};

struct RunSection {
  std::int64_t seed = 0;
  PolicySection policy;
  template <class V>
  void visit(V& v) {
    v.field("seed", seed, "run seed", config::non_negative());
    v.section("policy", policy, "policy");
  }
};

TEST(SectionOverride, AMappingChangesTheKeysItNamesAndKeepsTheRestOfTheSection) {
  auto source = config::load_text("policy:\n  beta: 8\n  hidden: [32]\n", "preset.yaml");
  config::apply_overrides(source, {"policy.steps=7", "policy={beta: 3}"});
  const auto run = config::parse<RunSection>(source);
  EXPECT_DOUBLE_EQ(run.policy.beta, 3.0);                      // the mapping's key
  EXPECT_EQ(run.policy.hidden, (std::vector<int>{32}));        // the preset's
  EXPECT_EQ(run.policy.steps, 7);                              // the earlier override's
  auto unknown = config::load_text("policy:\n  beta: 8\n", "preset.yaml");
  config::apply_overrides(unknown, {"policy={betta: 3}"});
  EXPECT_NE(message_of([&] { config::parse<RunSection>(unknown); })
                .find("command-line override 'policy={betta: 3}': unknown key 'policy.betta'"),
            std::string::npos);
  // An error in a key the mapping left alone names the file, one in a key it set names the override.
  auto kept = config::load_text("policy:\n  beta: -8\n", "preset.yaml");
  config::apply_overrides(kept, {"policy={steps: 2}"});
  EXPECT_NE(message_of([&] { config::parse<RunSection>(kept); }).find("preset.yaml line 2: key 'policy.beta'"), std::string::npos);
  auto set = config::load_text("policy:\n  beta: 8\n", "preset.yaml");
  config::apply_overrides(set, {"policy={steps: 0}"});
  EXPECT_NE(message_of([&] { config::parse<RunSection>(set); }).find("command-line override 'policy={steps: 0}': key 'policy.steps'"),
            std::string::npos);
}

TEST(ConfigIntegers, AValueBeyondTheFieldsTypeIsAnErrorNotAWrappedNumber) {
  auto source = config::load_text("policy:\n  steps: 10000000000\n", "big.yaml");
  EXPECT_EQ(message_of([&] { config::parse<RunSection>(source); }),
            "big.yaml line 2: key 'policy.steps': expected an integer, got '10000000000', outside what this key can hold "
            "(-2147483648 to 2147483647)");
  auto list = config::load_text("policy:\n  hidden: [8, 4294967297]\n", "list.yaml");
  EXPECT_NE(message_of([&] { config::parse<RunSection>(list); }).find("'4294967297', outside what this key can hold"),
            std::string::npos);
}

TEST(SpecialFiles, ConfigAndDatasetReadersRefuseDevicesInsteadOfReadingForever) {
  EXPECT_EQ(message_of([] { config::load_file("/dev/zero"); }),
            "/dev/zero: expected a config file (YAML), found a character device");
  EXPECT_EQ(message_of([] { datasets::locate_dataset("/dev/zero"); }),
            "/dev/zero: expected a dataset file (HDF5) or a Minari dataset folder, found a character device");
  EXPECT_EQ(message_of([] { read_file("/dev/zero"); }), "/dev/zero: expected a file, found a character device");
}

TEST(ConfigNesting, DeepNestingIsNamedAsSuch) {
  const std::string deep = "a: " + std::string(5000, '[');
  EXPECT_NE(message_of([&] { config::load_text(deep, "deep.yaml"); }).find("deep.yaml: not valid YAML: nested more than"),
            std::string::npos);
}

TEST(SpecialFiles, AConfigFileOfMegabytesIsRefusedBeforeParsing) {
  grl::testing::TempDir dir;
  const auto path = dir.path() / "huge.yaml";
  {
    std::ofstream out(path);
    for (int i = 0; i < 300000; ++i) out << "key" << i << ": " << i << "\n";
  }
  EXPECT_NE(message_of([&] { config::load_file(path.string()); }).find("config files are at most 4 MiB"), std::string::npos);
}

TEST(ActionRange, AnActionFarOutsideTheEnvsRangeIsNamedWithItsRowAndColumn) {
  const auto& hopper = envs::env_spec("hopper");
  auto actions = torch::rand({50, 3}) * 2 - 1;
  actions[0][0] = 1.0 + 0.5 * datasets::kActionRangeTolerance;  // rounding-sized excess passes
  EXPECT_NO_THROW(datasets::require_actions_in_range(actions, hopper, "f.hdf5"));
  actions[17][2] = 1e30f;
  EXPECT_EQ(message_of([&] { datasets::require_actions_in_range(actions, hopper, "f.hdf5"); }),
            "f.hdf5: key 'actions': row 17, column 2 is 1e+30, outside hopper's action range [-1, 1] by more than 0.001 "
            "(a corrupted row? the env would clip it, but training would fit it as given)");
  actions[17][2] = 0;
  actions[3][1] = -1.01f;
  EXPECT_NE(message_of([&] { datasets::require_actions_in_range(actions, hopper, "f.hdf5"); }).find("row 3, column 1 is -1.01"),
            std::string::npos);
}

TEST(ActionRange, DatasetInfoAndTrainingRefuseAFileWithACorruptedAction) {
  grl::testing::TempDir dir;
  datasets::D4rlFile file;
  file.observations = torch::zeros({20, 11});
  file.actions = torch::zeros({20, 3});
  file.actions[9][1] = 1e30f;  // the case: it passed `dataset info` and trained on NaN
  file.rewards = torch::ones({20});
  file.terminals = torch::zeros({20}, torch::kBool);
  const auto path = dir.path() / "hopper-corrupt.hdf5";
  datasets::write_d4rl_file(path, file);
  const std::string expected = path.string() + ": key 'actions': row 9, column 1 is 1e+30, outside hopper's action range";
  EXPECT_NE(message_of([&] {
              datasets::validate_d4rl_file(datasets::read_d4rl_file(path), path.string(), &envs::env_spec("hopper"));
            }).find(expected),
            std::string::npos);
  datasets::DatasetConfig config;
  config.name = path.string();
  config.env = "hopper";
  EXPECT_NE(message_of([&] { datasets::load_offline_dataset(config); }).find(expected), std::string::npos);
}

TEST(EvaluationLimit, EvaluationsEpisodeLimitLeavesTheTrainingTransitionsAlone) {
  grl::testing::TempDir dir;
  datasets::D4rlFile file;  // 300 rows, no timeouts: episodes end at a time limit
  file.observations = torch::randn({300, 11});
  file.actions = torch::zeros({300, 3});
  file.rewards = torch::ones({300});
  file.terminals = torch::zeros({300}, torch::kBool);
  const auto path = dir.path() / "no-timeouts.hdf5";
  datasets::write_d4rl_file(path, file);
  evaluation::RunConfig config;
  config.dataset = path.string();
  config.env = "hopper";
  config.reward_scaling = "none";
  const auto rows_at_env_limit = evaluation::load_run_dataset(config).transitions.size();
  config.evaluation.max_episode_steps = 20;  // used to cut the file into 20-row episodes
  EXPECT_EQ(evaluation::load_run_dataset(config).transitions.size(), rows_at_env_limit);
  EXPECT_EQ(rows_at_env_limit, 299);  // the last row has no next state
}

std::string seed_error(std::string text, std::uint64_t max) { return cli::seed_check(max)(text); }

TEST(SeedCheck, NegativeOverflowingAndNonNumericSeedsAreRefusedBeforeConversion) {
  const std::uint64_t int64_max = 9223372036854775807ULL;
  EXPECT_EQ(seed_error("0", int64_max), "");
  EXPECT_EQ(seed_error("9223372036854775807", int64_max), "");
  EXPECT_EQ(seed_error("9223372036854775808", int64_max),
            "expected a seed, a whole number from 0 to 9223372036854775807, got '9223372036854775808'");
  EXPECT_EQ(seed_error("-1", int64_max), "expected a seed, a whole number from 0 to 9223372036854775807, got '-1'");
  EXPECT_EQ(seed_error("18446744073709551615", UINT64_MAX), "");
  EXPECT_NE(seed_error("18446744073709551616", UINT64_MAX), "");  // 2^64 used to saturate to 2^64 - 1
  EXPECT_NE(seed_error("1e3", UINT64_MAX), "");
  EXPECT_NE(seed_error("", UINT64_MAX), "");
}

TEST(MemoryLimit, ANetworkWhoseTrainingStateCannotFitIsRefusedBeforeAllocating) {
  ASSERT_GT(physical_memory_bytes(), 0u);
  EXPECT_NO_THROW(require_fits_in_memory(physical_memory_bytes() / 4, "a quarter"));
  EXPECT_NE(message_of([] { require_fits_in_memory(physical_memory_bytes(), "all of it"); })
                .find("all of it needs "),
            std::string::npos);
  datasets::TransitionSet rows;
  rows.observations = torch::zeros({4, 11});
  rows.actions = torch::zeros({4, 3});
  rows.rewards = torch::zeros({4, 1});
  rows.next_observations = torch::zeros({4, 11});
  rows.dones = torch::zeros({4, 1});
  EXPECT_NE(message_of([&] { datasets::BatchSampler sampler(rows, 10000000000, 0); })
                .find("batch sampler: a batch of 10000000000 transitions needs 1080.3 GiB"),
            std::string::npos);
  networks::GenerativeNetworkConfig residual;
  residual.hidden = {100000000};  // the case: it wrote a 20 GB checkpoint in half a minute
  EXPECT_NE(message_of([&] { networks::TemporalSpatialResidualNet net(3, 11, residual); })
                .find("a temporal-spatial residual net of "),
            std::string::npos);
  networks::MlpConfig config;
  config.hidden = {2000000000};  // 11 -> 2e9 -> 3: 3e10 parameters, 480 GB to train
  const std::string m = message_of([&] { networks::Mlp net(11, 3, config); });
  EXPECT_NE(m.find("an MLP 11-2000000000-3 (30000000003 parameters, trained with Adam) needs 447.0 GiB"), std::string::npos) << m;
}

}  // namespace
}  // namespace grl
