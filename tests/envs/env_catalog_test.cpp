#include "envs/env_catalog.h"

#include <gtest/gtest.h>

namespace grl::envs {
namespace {

TEST(EnvCatalog, DatasetIdsMapToEnvsAndFileNames) {
  const auto id = parse_dataset_id("hopper-medium-replay-v2");
  EXPECT_EQ(id.env, "hopper");
  EXPECT_EQ(id.kind, "medium-replay");
  EXPECT_EQ(id.version, "v2");
  EXPECT_FALSE(id.native);
  EXPECT_EQ(id.d4rl_file_name(), "hopper_medium_replay-v2.hdf5");
  EXPECT_EQ(id.to_string(), "hopper-medium-replay-v2");

  const auto native = parse_dataset_id("halfcheetah-medium-native-v0");
  EXPECT_TRUE(native.native);
  EXPECT_EQ(native.kind, "medium");
  EXPECT_EQ(native.to_string(), "halfcheetah-medium-native-v0");
  EXPECT_EQ(native.transitions, 0);
  const auto small = parse_dataset_id("hopper-medium-expert-native-50k-v0");
  EXPECT_TRUE(small.native);
  EXPECT_EQ(small.kind, "medium-expert");
  EXPECT_EQ(small.transitions, 50000);
  EXPECT_EQ(small.to_string(), "hopper-medium-expert-native-50k-v0");
  EXPECT_EQ(small.d4rl_file_name(), "hopper_medium_expert_native_50k-v0.hdf5");
  EXPECT_EQ(native.d4rl_file_name(), "halfcheetah_medium_native-v0.hdf5");
  EXPECT_FALSE(try_parse_dataset_id("hopper-medium-native-0k-v0"));
  EXPECT_FALSE(try_parse_dataset_id("hopper-medium-50k-v0"));  // a size only after "native"

  EXPECT_EQ(parse_dataset_id("walker2d-medium-expert-v2").kind, "medium-expert");
  EXPECT_FALSE(try_parse_dataset_id("hopper-mediocre-v2"));
  EXPECT_FALSE(try_parse_dataset_id("humanoid-medium-v2"));
  EXPECT_FALSE(try_parse_dataset_id("hopper-medium"));
  EXPECT_THROW(parse_dataset_id("hopper-medium-vx"), std::invalid_argument);
}

TEST(EnvCatalog, NormalizedScoreUsesD4rlReferences) {
  const auto hopper = env_spec("hopper");  // a copy: GCC 13 takes the reference for a dangling one
  EXPECT_DOUBLE_EQ(normalized_score(hopper, -20.272305), 0.0);
  EXPECT_DOUBLE_EQ(normalized_score(hopper, 3234.3), 100.0);
  EXPECT_NEAR(normalized_score(env_spec("halfcheetah"), 5000), 100.0 * (5000 + 280.178953) / (12135.0 + 280.178953), 1e-12);
  EXPECT_EQ(env_spec("ant").obs_dim, 111);
  try {
    env_spec("humanoid");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("known: halfcheetah, hopper, walker2d, ant"), std::string::npos);
  }
}

}  // namespace
}  // namespace grl::envs
