// Where recorded frames go: a folder of numbered PNGs (frame_000000.png, ...), or a .mp4 file, for
// which the PNGs are written into "<name>_frames/" beside it and encoded by ffmpeg when it is on the
// PATH (without ffmpeg the frames stay and finish() says so).
#pragma once

#include <filesystem>
#include <string>

#include "viewer/png_file.h"

namespace grl::viewer {

class FrameRecorder {
 public:
  // `target` ends in ".mp4" (a video) or names a folder (created if missing). Throws
  // std::invalid_argument naming the path for any other extension, a folder that is an existing
  // file, an .mp4 whose folder does not exist, or a folder that cannot be created. A folder that
  // already holds frame_*.png files has them removed, so a recording never mixes two runs.
  explicit FrameRecorder(const std::filesystem::path& target);

  // Writes frame number frames() as a PNG (atomically).
  void add(const RgbImage& frame);
  int frames() const { return frames_; }
  const std::filesystem::path& frame_folder() const { return frame_folder_; }
  bool wants_video() const { return !video_.empty(); }

  // For a video: encodes the frames with ffmpeg at `frames_per_second` into a temporary file and
  // renames it to the target. Returns a line for the user: what was written, or why no video was made. Throws
  // std::runtime_error when ffmpeg runs and fails.
  std::string finish(double frames_per_second);

 private:
  std::filesystem::path frame_folder_;
  std::filesystem::path video_;  // empty: frames only
  int frames_ = 0;
};

// The file frame `index` is written to: <folder>/frame_000042.png.
std::filesystem::path frame_path(const std::filesystem::path& folder, int index);
// The full path of `program` on $PATH, or empty.
std::filesystem::path find_on_path(const std::string& program);

}  // namespace grl::viewer
