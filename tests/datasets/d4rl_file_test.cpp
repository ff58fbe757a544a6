// Reading D4RL files written with the HDF5 API in the layouts found in the wild, and writing them back.
#include <gtest/gtest.h>

#include "datasets/d4rl_file.h"
#include "datasets/dataset_error.h"
#include "hdf5_test_files.h"
#include "support/temp_dir.h"

namespace grl::datasets {
namespace {

using grl::testing::Hdf5Writer;
using grl::testing::ramp;

struct Layout {
  H5::PredType float_type = H5::PredType::IEEE_F32LE;
  bool rewards_column = false;  // (N, 1) instead of (N,)
  bool next_observations = true;
  bool timeouts = true;
  std::string terminal_type = "bool";  // bool, uint8, float
};

// 8 rows, obs (8, 3), actions (8, 2); terminal at row 2, timeout at row 5.
std::filesystem::path write_small_file(const std::filesystem::path& path, const Layout& layout) {
  Hdf5Writer w(path);
  w.array("observations", ramp(8, 3), {8, 3}, layout.float_type);
  w.array("actions", ramp(8, 2, 0.5), {8, 2}, layout.float_type);
  std::vector<double> rewards = {0.25, 1.5, -2, 3, 4.75, 5, 6, 7};
  if (layout.rewards_column) w.array("rewards", rewards, {8, 1}, layout.float_type);
  else w.array("rewards", rewards, {8}, layout.float_type);
  const std::vector<int> terminals = {0, 0, 1, 0, 0, 0, 0, 0};
  if (layout.terminal_type == "bool") w.bools("terminals", terminals);
  else w.array("terminals", {0, 0, 1, 0, 0, 0, 0, 0}, {8},
               layout.terminal_type == "uint8" ? H5::PredType::STD_U8LE : H5::PredType::IEEE_F32LE);
  if (layout.timeouts) w.bools("timeouts", {0, 0, 0, 0, 0, 1, 0, 0});
  if (layout.next_observations) w.array("next_observations", ramp(8, 3, 1000), {8, 3}, layout.float_type);
  w.group("infos");
  w.array("infos/qpos", ramp(8, 4, 0.125), {8, 4}, H5::PredType::IEEE_F64LE);
  w.array("infos/action_log_probs", {-1, -2, -3, -4, -5, -6, -7, -8}, {8}, H5::PredType::IEEE_F32LE);
  w.group("metadata");
  w.scalar_string("metadata/algorithm", "SAC");
  w.scalar_int("metadata/iteration", 1234);
  w.fixed_string("metadata/policy_name", "tanh_gaussian");
  w.group("metadata/policy");
  w.group("metadata/policy/fc0");
  w.array("metadata/policy/fc0/weight", ramp(4, 3, 0.5), {4, 3});
  w.array("metadata/policy/fc0/bias", {0.1, 0.2, 0.3, 0.4}, {4});
  w.close();
  return path;
}

TEST(D4rlFile, ReadsFloat32FileInStoredTypes) {
  grl::testing::TempDir dir;
  const auto file = read_d4rl_file(write_small_file(dir / "f32.hdf5", {}));
  EXPECT_EQ(file.rows(), 8);
  EXPECT_EQ(file.observations.scalar_type(), torch::kFloat);
  EXPECT_EQ(file.observations.sizes(), (std::vector<int64_t>{8, 3}));
  EXPECT_FLOAT_EQ(file.observations[7][2].item<float>(), 72.0f);
  EXPECT_FLOAT_EQ(file.actions[3][1].item<float>(), 31.5f);
  EXPECT_EQ(file.rewards.sizes(), (std::vector<int64_t>{8}));
  EXPECT_FLOAT_EQ(file.rewards[4].item<float>(), 4.75f);
  EXPECT_EQ(file.terminals.scalar_type(), torch::kBool);
  EXPECT_TRUE(file.terminals[2].item<bool>());
  EXPECT_EQ(file.terminals.sum().item<int64_t>(), 1);
  ASSERT_TRUE(file.timeouts.has_value());
  EXPECT_TRUE((*file.timeouts)[5].item<bool>());
  ASSERT_TRUE(file.next_observations.has_value());
  EXPECT_FLOAT_EQ((*file.next_observations)[1][0].item<float>(), 1010.0f);
  ASSERT_EQ(file.infos.count("qpos"), 1u);
  EXPECT_EQ(file.infos.at("qpos").scalar_type(), torch::kDouble);
  EXPECT_DOUBLE_EQ(file.infos.at("qpos")[2][3].item<double>(), 23.125);
  EXPECT_EQ(file.infos.at("action_log_probs").scalar_type(), torch::kFloat);
  EXPECT_EQ(std::get<std::string>(file.metadata.at("algorithm")), "SAC");
  EXPECT_EQ(std::get<std::int64_t>(file.metadata.at("iteration")), 1234);
  EXPECT_EQ(std::get<std::string>(file.metadata.at("policy_name")), "tanh_gaussian");
  const auto& weight = std::get<torch::Tensor>(file.metadata.at("policy/fc0/weight"));
  EXPECT_EQ(weight.sizes(), (std::vector<int64_t>{4, 3}));
  EXPECT_FLOAT_EQ(weight[1][2].item<float>(), 12.5f);
  EXPECT_EQ(std::get<torch::Tensor>(file.metadata.at("policy/fc0/bias")).size(0), 4);
}

TEST(D4rlFile, ReadsFloat64ColumnRewardsAndNumericTerminals) {
  grl::testing::TempDir dir;
  Layout layout;
  layout.float_type = H5::PredType::IEEE_F64LE;
  layout.rewards_column = true;
  layout.terminal_type = "uint8";
  const auto file = read_d4rl_file(write_small_file(dir / "f64.hdf5", layout));
  EXPECT_EQ(file.observations.scalar_type(), torch::kDouble);
  EXPECT_EQ(file.actions.scalar_type(), torch::kDouble);
  EXPECT_EQ(file.rewards.sizes(), (std::vector<int64_t>{8, 1}));
  EXPECT_DOUBLE_EQ(file.rewards[1][0].item<double>(), 1.5);
  EXPECT_EQ(file.terminals.scalar_type(), torch::kByte);
  EXPECT_EQ(file.terminals[2].item<int>(), 1);

  layout.terminal_type = "float";
  layout.next_observations = false;
  layout.timeouts = false;
  const auto other = read_d4rl_file(write_small_file(dir / "float-terminals.hdf5", layout));
  EXPECT_EQ(other.terminals.scalar_type(), torch::kFloat);
  EXPECT_FALSE(other.next_observations.has_value());
  EXPECT_FALSE(other.timeouts.has_value());
}

TEST(D4rlFile, ReadOptionsSkipInfosAndMetadata) {
  grl::testing::TempDir dir;
  D4rlReadOptions options;
  options.infos = false;
  options.metadata = false;
  const auto file = read_d4rl_file(write_small_file(dir / "f.hdf5", {}), options);
  EXPECT_TRUE(file.infos.empty());
  EXPECT_TRUE(file.metadata.empty());
  EXPECT_EQ(file.rows(), 8);
}

TEST(D4rlFile, KeepsOtherArraysAndReportsWhatItCannotRepresent) {
  grl::testing::TempDir dir;
  const auto path = write_small_file(dir / "f.hdf5", {});
  {
    H5::H5File file(path.string(), H5F_ACC_RDWR);
    H5::Group group = file.createGroup("extra");
    hsize_t n = 8;
    H5::DataSpace space(1, &n);
    std::vector<int> goal(8, 7);
    group.createDataSet("goal", H5::PredType::STD_I32LE, space).write(goal.data(), H5::PredType::NATIVE_INT);
  }
  Layout layout;
  const auto strings = write_small_file(dir / "s.hdf5", layout);
  {
    H5::H5File file(strings.string(), H5F_ACC_RDWR);
    H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
    hsize_t n = 2;
    H5::DataSpace space(1, &n);
    const char* names[] = {"a", "b"};
    file.openGroup("infos").createDataSet("names", type, space).write(names, type);
  }
  const auto file = read_d4rl_file(path);
  ASSERT_EQ(file.other_arrays.count("extra/goal"), 1u);
  EXPECT_EQ(file.other_arrays.at("extra/goal").scalar_type(), torch::kInt);
  EXPECT_EQ(file.other_arrays.at("extra/goal")[3].item<int>(), 7);
  const auto with_strings = read_d4rl_file(strings);
  ASSERT_EQ(with_strings.skipped.size(), 1u);
  EXPECT_EQ(with_strings.skipped[0], "infos/names: an array of strings");
}

void expect_identical(const torch::Tensor& a, const torch::Tensor& b, const std::string& what) {
  EXPECT_EQ(a.scalar_type(), b.scalar_type()) << what;
  EXPECT_EQ(a.sizes(), b.sizes()) << what;
  EXPECT_TRUE(torch::equal(a, b)) << what;
}

void expect_identical(const D4rlFile& a, const D4rlFile& b) {
  expect_identical(a.observations, b.observations, "observations");
  expect_identical(a.actions, b.actions, "actions");
  expect_identical(a.rewards, b.rewards, "rewards");
  expect_identical(a.terminals, b.terminals, "terminals");
  ASSERT_EQ(a.next_observations.has_value(), b.next_observations.has_value());
  if (a.next_observations) expect_identical(*a.next_observations, *b.next_observations, "next_observations");
  ASSERT_EQ(a.timeouts.has_value(), b.timeouts.has_value());
  if (a.timeouts) expect_identical(*a.timeouts, *b.timeouts, "timeouts");
  ASSERT_EQ(a.infos.size(), b.infos.size());
  for (const auto& [key, value] : a.infos) expect_identical(value, b.infos.at(key), "infos/" + key);
  ASSERT_EQ(a.metadata.size(), b.metadata.size());
  for (const auto& [key, value] : a.metadata) {
    ASSERT_EQ(b.metadata.count(key), 1u) << key;
    const auto& other = b.metadata.at(key);
    ASSERT_EQ(value.index(), other.index()) << key;
    if (const auto* t = std::get_if<torch::Tensor>(&value)) expect_identical(*t, std::get<torch::Tensor>(other), key);
    else if (const auto* text = std::get_if<std::string>(&value)) EXPECT_EQ(*text, std::get<std::string>(other)) << key;
    else if (const auto* integer = std::get_if<std::int64_t>(&value)) EXPECT_EQ(*integer, std::get<std::int64_t>(other)) << key;
    else if (const auto* number = std::get_if<double>(&value)) EXPECT_EQ(*number, std::get<double>(other)) << key;
    else EXPECT_EQ(std::get<bool>(value), std::get<bool>(other)) << key;
  }
}

TEST(D4rlFile, WriterRoundTripGivesIdenticalArrays) {
  grl::testing::TempDir dir;
  for (bool compress : {true, false}) {
    Layout layout;
    layout.float_type = H5::PredType::IEEE_F64LE;
    layout.rewards_column = true;
    const auto original = read_d4rl_file(write_small_file(dir / "in.hdf5", layout));
    D4rlWriteOptions options;
    options.gzip_level = compress ? 6 : 0;
    write_d4rl_file(dir / "out.hdf5", original, options);
    const auto copy = read_d4rl_file(dir / "out.hdf5");
    expect_identical(original, copy);
    EXPECT_EQ(std::get<std::string>(copy.metadata.at("algorithm")), "SAC");
    EXPECT_EQ(std::get<std::int64_t>(copy.metadata.at("iteration")), 1234);
  }
  // No temporary file is left beside the output.
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) files += entry.is_regular_file();
  EXPECT_EQ(files, 2);
}

TEST(D4rlFile, WriterRoundTripOfGeneratedDataWithEveryDtype) {
  grl::testing::TempDir dir;
  torch::manual_seed(3);
  D4rlFile file;
  file.observations = torch::randn({5000, 17});
  file.actions = torch::rand({5000, 6}) * 2 - 1;
  file.rewards = torch::randn({5000}, torch::kDouble);
  file.terminals = torch::rand({5000}) < 0.01;
  file.timeouts = torch::zeros({5000}, torch::kBool);
  file.next_observations = torch::randn({5000, 17});
  file.infos["qpos"] = torch::randn({5000, 9}, torch::kDouble);
  file.infos["counter"] = torch::arange(5000, torch::kLong);
  file.infos["flags"] = torch::randint(0, 255, {5000}, torch::kByte);
  file.metadata["algorithm"] = std::string("SAC");
  file.metadata["iteration"] = std::int64_t{42};
  file.metadata["temperature"] = 0.2;
  file.metadata["deterministic"] = true;
  file.metadata["policy/last_fc/weight"] = torch::randn({6, 256});
  write_d4rl_file(dir / "generated.hdf5", file);
  const auto copy = read_d4rl_file(dir / "generated.hdf5");
  expect_identical(file, copy);
  EXPECT_DOUBLE_EQ(std::get<double>(copy.metadata.at("temperature")), 0.2);
  EXPECT_TRUE(std::get<bool>(copy.metadata.at("deterministic")));
}

TEST(D4rlFile, WriterCompresses) {
  grl::testing::TempDir dir;
  D4rlFile file;
  file.observations = torch::zeros({100000, 17});
  file.actions = torch::zeros({100000, 6});
  file.rewards = torch::zeros({100000});
  file.terminals = torch::zeros({100000}, torch::kBool);
  write_d4rl_file(dir / "zeros.hdf5", file);
  EXPECT_LT(std::filesystem::file_size(dir / "zeros.hdf5"), 100000u * 24 * 4 / 20);
  D4rlWriteOptions raw;
  raw.gzip_level = 0;
  write_d4rl_file(dir / "raw.hdf5", file, raw);
  EXPECT_GT(std::filesystem::file_size(dir / "raw.hdf5"), 100000u * 24 * 4);
}

}  // namespace
}  // namespace grl::datasets
