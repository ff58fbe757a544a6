// SHA-256 test vectors, recognising official files (with the hash cache), dataset id resolution.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "datasets/dataset_error.h"
#include "datasets/dataset_location.h"
#include "datasets/official_d4rl_files.h"
#include "datasets/sha256.h"
#include "hdf5_test_files.h"
#include "support/temp_dir.h"

namespace grl::datasets {
namespace {

TEST(Sha256, StandardTestVectors) {
  // FIPS 180-2 examples and the empty string.
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, FileDigestStreamsAcrossBlocks) {
  grl::testing::TempDir dir;
  const auto path = dir.write("million-a", std::string(3000000, 'a'));  // three 1 MiB blocks minus a bit
  EXPECT_EQ(sha256_file_hex(path), sha256_hex(std::string(3000000, 'a')));
  EXPECT_THROW(sha256_file_hex(dir / "missing"), DatasetError);
}

TEST(OfficialD4rlFiles, IdentifiesBySizeThenDigestAndCachesTheDigest) {
  grl::testing::TempDir dir;
  const auto file = dir.write("hopper_medium-v2.hdf5", "abc");
  const auto cache = dir / "cache" / "sha256.tsv";
  const std::vector<OfficialD4rlFile> known = {
      {"hopper_medium-v2", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"other-v2", 5, "0000"}};
  auto identity = identify_d4rl_file(file, known, cache);
  EXPECT_EQ(identity.status, FileIdentity::Status::genuine);
  EXPECT_EQ(identity.official_name, "hopper_medium-v2");
  EXPECT_FALSE(identity.from_cache);
  ASSERT_TRUE(std::filesystem::exists(cache));
  identity = identify_d4rl_file(file, known, cache);
  EXPECT_TRUE(identity.from_cache);
  EXPECT_EQ(identity.status, FileIdentity::Status::genuine);

  // A cached digest is trusted while path, size and mtime are unchanged: doctor the cache to prove it is used.
  std::string text = grl::testing::read_text(cache);
  text.replace(text.find("ba7816bf"), 8, "deadbeef");
  std::ofstream(cache) << text;
  EXPECT_EQ(identify_d4rl_file(file, known, cache).status, FileIdentity::Status::modified);

  // Same size, other content, new mtime: recomputed, and not genuine.
  const auto mtime = std::filesystem::last_write_time(file);
  std::ofstream(file) << "abd";
  std::filesystem::last_write_time(file, mtime + std::chrono::seconds(5));
  identity = identify_d4rl_file(file, known, cache);
  EXPECT_FALSE(identity.from_cache);
  EXPECT_EQ(identity.status, FileIdentity::Status::modified);
  EXPECT_EQ(identity.official_name, "hopper_medium-v2");

  // A size no official file has: no digest computed at all.
  const auto other = dir.write("x.hdf5", "abcdefg");
  identity = identify_d4rl_file(other, known, cache);
  EXPECT_EQ(identity.status, FileIdentity::Status::not_official);
  EXPECT_TRUE(identity.sha256.empty());
}

TEST(OfficialD4rlFiles, TableHoldsTheReferenceDigests) {
  const auto& files = official_d4rl_files();
  ASSERT_EQ(files.size(), 6u);
  EXPECT_EQ(files[4].name, "hopper_medium_replay-v2");
  EXPECT_EQ(files[4].size, 75854457u);
  EXPECT_EQ(files[4].sha256, "e121c5f7c9857a307baa9edc6a2c3b48e85fedb9ac316ecddd0f48ca7ef4e39b");
}

TEST(DatasetLocation, D4rlIdResolvesUnderD4rlDatasetDir) {
  grl::testing::TempDir dir;
  grl::testing::Hdf5Writer w(dir / "hopper_medium_replay-v2.hdf5");
  w.array("observations", {1, 2}, {1, 2});
  w.close();
  setenv("D4RL_DATASET_DIR", dir.path().c_str(), 1);
  const auto location = locate_dataset("hopper-medium-replay-v2");
  EXPECT_EQ(location.file, dir / "hopper_medium_replay-v2.hdf5");
  EXPECT_EQ(location.format, DatasetFormat::d4rl);
  ASSERT_TRUE(location.env.has_value());
  EXPECT_EQ(location.env->obs_dim, 11);
  unsetenv("D4RL_DATASET_DIR");
  // A path works as well, and the env comes from the file name.
  const auto by_path = locate_dataset((dir / "hopper_medium_replay-v2.hdf5").string());
  EXPECT_EQ(by_path.env->id, "hopper");
}

TEST(DatasetLocation, InfersEnvFromNames) {
  EXPECT_EQ(infer_env("halfcheetah_medium_expert-v2.hdf5")->id, "halfcheetah");
  EXPECT_EQ(infer_env("mujoco/walker2d/medium-v0")->id, "walker2d");
  EXPECT_EQ(infer_env("HalfCheetah-v5")->id, "halfcheetah");
  EXPECT_EQ(infer_env("Ant-v4")->id, "ant");
  EXPECT_FALSE(infer_env("antmaze-umaze-v2").has_value());
  EXPECT_FALSE(infer_env("my_data.hdf5").has_value());
}

}  // namespace
}  // namespace grl::datasets
