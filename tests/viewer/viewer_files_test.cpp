// The viewer's pieces that need no display: PNG files, the recorder's targets, histograms, the
// episode statistics.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "envs/env_catalog.h"
#include "support/temp_dir.h"
#include "viewer/action_distribution_panel.h"
#include "viewer/episode_monitor.h"
#include "viewer/frame_recorder.h"
#include "viewer/png_file.h"

namespace grl::viewer {
namespace {

RgbImage gradient(int width, int height) {
  RgbImage image;
  image.width = width;
  image.height = height;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      image.pixels.push_back(static_cast<std::uint8_t>(x * 255 / (width - 1)));
      image.pixels.push_back(static_cast<std::uint8_t>(y * 255 / (height - 1)));
      image.pixels.push_back(static_cast<std::uint8_t>((x + y) % 256));
    }
  }
  return image;
}

TEST(PngFile, RoundTripsExactlyAndLeavesNoTemporary) {
  grl::testing::TempDir dir;
  const RgbImage image = gradient(37, 21);  // odd sizes: rows are not padded
  write_png(dir / "a.png", image);
  const RgbImage back = read_png(dir / "a.png");
  EXPECT_EQ(back.width, 37);
  EXPECT_EQ(back.height, 21);
  EXPECT_EQ(back.pixels, image.pixels);
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST(PngFile, ErrorsNameTheFile) {
  grl::testing::TempDir dir;
  try {
    read_png(dir / "missing.png");
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("missing.png"), std::string::npos) << e.what();
  }
  const auto text = dir.write("text.png", "not a png at all");
  try {
    read_png(text);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("is not a PNG"), std::string::npos) << e.what();
  }
  EXPECT_THROW(write_png(dir / "empty.png", RgbImage{}), std::runtime_error);
  EXPECT_THROW(write_png(dir / "no-such-folder" / "x.png", gradient(4, 4)), std::runtime_error);
}

TEST(FrameRecorder, FolderTargetNumbersFramesAndClearsOldOnes) {
  grl::testing::TempDir dir;
  dir.write("frames/frame_000007.png", "stale");
  dir.write("frames/notes.txt", "kept");
  FrameRecorder recorder(dir / "frames");
  EXPECT_FALSE(std::filesystem::exists(dir / "frames/frame_000007.png"));
  EXPECT_TRUE(std::filesystem::exists(dir / "frames/notes.txt"));
  recorder.add(gradient(8, 6));
  recorder.add(gradient(8, 6));
  EXPECT_EQ(recorder.frames(), 2);
  EXPECT_TRUE(std::filesystem::exists(dir / "frames/frame_000000.png"));
  EXPECT_TRUE(std::filesystem::exists(dir / "frames/frame_000001.png"));
  EXPECT_NE(recorder.finish(125).find("2 frames"), std::string::npos);
}

TEST(FrameRecorder, VideoTargetKeepsFramesBesideIt) {
  grl::testing::TempDir dir;
  FrameRecorder recorder(dir / "out.mp4");
  EXPECT_TRUE(recorder.wants_video());
  EXPECT_EQ(recorder.frame_folder(), dir / "out_frames");
  EXPECT_TRUE(std::filesystem::is_directory(dir / "out_frames"));
}

TEST(FrameRecorder, BadTargetsAreErrorsNamingThePath) {
  grl::testing::TempDir dir;
  auto expect_error = [](const std::filesystem::path& target, const std::string& expected) {
    try {
      FrameRecorder recorder(target);
      ADD_FAILURE() << "no error for " << target;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(target.string()), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
  };
  expect_error(dir / "out.avi", "expected a folder (frames/) or a .mp4 file");
  expect_error(dir / "missing-folder" / "out.mp4", "does not exist");
  const auto file = dir.write("plain", "a file");
  expect_error(file, "exists and is not a folder");
}

TEST(Histogram, CountsOneDimensionOfInterleavedRowsAndClampsOutliers) {
  // Rows of (a0, a1): a0 in bins 0, 0, 3 (2.0 clamps into the last); a1 all in bin 2.
  const std::vector<float> values = {-1.0f, 0.1f, -0.6f, 0.2f, 2.0f, 0.3f};
  EXPECT_EQ(histogram_counts(values, 2, 0, 4, -1.0f, 1.0f), (std::vector<int>{2, 0, 0, 1}));
  EXPECT_EQ(histogram_counts(values, 2, 1, 4, -1.0f, 1.0f), (std::vector<int>{0, 0, 3, 0}));
  EXPECT_EQ(histogram_counts(values, 2, 2, 4, -1.0f, 1.0f), (std::vector<int>{0, 0, 0, 0}));  // bad offset
}

TEST(EpisodeMonitor, TracksReturnsAndNormalizedScores) {
  const envs::EnvSpec& hopper = envs::env_spec("hopper");
  EpisodeMonitor monitor(hopper, 3);
  monitor.begin_episode("policy");
  for (int i = 0; i < 5; ++i) monitor.record_step({0.5f, -0.5f, 0.0f}, 2.0);
  EXPECT_EQ(monitor.steps(), 5);
  EXPECT_DOUBLE_EQ(monitor.episode_return(), 10.0);
  EXPECT_EQ(monitor.rewards().size(), 3u);  // the history keeps the last 3
  EXPECT_FLOAT_EQ(monitor.returns().back(), 10.0f);
  EXPECT_FLOAT_EQ(monitor.action_history(1).back(), -0.5f);
  monitor.end_episode(true);
  ASSERT_EQ(monitor.finished().size(), 1u);
  EXPECT_DOUBLE_EQ(monitor.finished()[0].score, envs::normalized_score(hopper, 10.0));
  EXPECT_TRUE(monitor.finished()[0].terminal);
  EXPECT_EQ(monitor.steps(), 0);
  monitor.end_episode(false);  // an empty episode is not counted
  EXPECT_EQ(monitor.finished().size(), 1u);
  EXPECT_DOUBLE_EQ(monitor.mean_score(), monitor.finished()[0].score);
}

}  // namespace
}  // namespace grl::viewer
