// Asset lookup: $GRL_ASSET_DIR first, then the install location, then the source tree.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "envs/model_assets.h"
#include "grl_version.h"
#include "support/temp_dir.h"

namespace grl::envs {
namespace {

struct AssetDirOverride {
  explicit AssetDirOverride(const std::string& dir) { setenv("GRL_ASSET_DIR", dir.c_str(), 1); }
  ~AssetDirOverride() { unsetenv("GRL_ASSET_DIR"); }
};

TEST(ModelAssets, MissingModelErrorListsEveryFolderSearched) {
  grl::testing::TempDir dir;
  AssetDirOverride override_dir(dir.path().string());
  try {
    find_asset("no_such_robot.xml");
    FAIL();
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("no_such_robot.xml"), std::string::npos) << what;
    EXPECT_NE(what.find(dir.path().string()), std::string::npos) << what;
    EXPECT_NE(what.find("share/grl/assets"), std::string::npos) << what;
    EXPECT_NE(what.find(std::string(GRL_SOURCE_DIR) + "/envs/assets"), std::string::npos) << what;
    EXPECT_NE(what.find("GRL_ASSET_DIR"), std::string::npos) << what;
  }
}

TEST(ModelAssets, SourceTreeFallbackAndEnvironmentOverride) {
  unsetenv("GRL_ASSET_DIR");
  EXPECT_EQ(find_asset("hopper.xml"), std::filesystem::path(GRL_SOURCE_DIR) / "envs" / "assets" / "hopper.xml");
  const auto search = asset_search_path();
  ASSERT_EQ(search.size(), 2u);
  EXPECT_EQ(search[0].filename(), "assets");
  EXPECT_EQ(search[0].parent_path().filename(), "grl");

  // A model in $GRL_ASSET_DIR wins over the source tree.
  grl::testing::TempDir dir;
  std::string text = grl::testing::read_text(find_asset("hopper.xml"));
  const std::string from = "timestep=\"0.002\"";
  text.replace(text.find(from), from.size(), "timestep=\"0.004\"");
  dir.write("hopper.xml", text);
  AssetDirOverride override_dir(dir.path().string());
  EXPECT_EQ(find_asset("hopper.xml"), dir / "hopper.xml");
  EXPECT_DOUBLE_EQ(load_model("hopper.xml")->opt.timestep, 0.004);
}

TEST(ModelAssets, ModelsAreSharedAndBrokenFilesNameThemselves) {
  unsetenv("GRL_ASSET_DIR");
  EXPECT_EQ(load_model("ant.xml").get(), load_model("ant.xml").get());
  grl::testing::TempDir dir;
  dir.write("broken.xml", "<mujoco><worldbody><geom type=\"capsule\"/></worldbody>");
  AssetDirOverride override_dir(dir.path().string());
  try {
    load_model("broken.xml");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find((dir / "broken.xml").string()), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace grl::envs
