#include "viewer/frame_recorder.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "common/atomic_file.h"

namespace grl::viewer {
namespace {

// Quotes a path for /bin/sh.
std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (const char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace

std::filesystem::path frame_path(const std::filesystem::path& folder, int index) {
  char name[32];
  std::snprintf(name, sizeof name, "frame_%06d.png", index);
  return folder / name;
}

std::filesystem::path find_on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return {};
  std::stringstream folders(path);
  std::string folder;
  while (std::getline(folders, folder, ':')) {
    if (folder.empty()) continue;
    const std::filesystem::path candidate = std::filesystem::path(folder) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

FrameRecorder::FrameRecorder(const std::filesystem::path& target) {
  if (target.empty()) throw std::invalid_argument("--record: empty path");
  const std::string extension = target.extension().string();
  std::error_code ec;
  if (extension == ".mp4") {
    const std::filesystem::path parent = target.has_parent_path() ? target.parent_path() : ".";
    if (!std::filesystem::is_directory(parent, ec)) {
      throw std::invalid_argument("--record " + target.string() + ": the folder " + parent.string() +
                                  " does not exist");
    }
    if (std::filesystem::is_directory(target, ec)) {
      throw std::invalid_argument("--record " + target.string() + ": is a folder, not a video file");
    }
    video_ = target;
    frame_folder_ = parent / (target.stem().string() + "_frames");
  } else if (!extension.empty()) {
    throw std::invalid_argument("--record " + target.string() + ": expected a folder (frames/) or a .mp4 file, not a '" +
                                extension + "' file");
  } else {
    frame_folder_ = target;
  }
  if (std::filesystem::exists(frame_folder_, ec) && !std::filesystem::is_directory(frame_folder_, ec)) {
    throw std::invalid_argument("--record " + target.string() + ": " + frame_folder_.string() +
                                " exists and is not a folder");
  }
  std::filesystem::create_directories(frame_folder_, ec);
  if (ec) {
    throw std::invalid_argument("--record " + target.string() + ": cannot create the folder " +
                                frame_folder_.string() + ": " + ec.message());
  }
  for (const auto& entry : std::filesystem::directory_iterator(frame_folder_)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("frame_", 0) == 0 && entry.path().extension() == ".png") std::filesystem::remove(entry.path());
  }
}

void FrameRecorder::add(const RgbImage& frame) {
  write_png(frame_path(frame_folder_, frames_), frame);
  ++frames_;
}

std::string FrameRecorder::finish(double frames_per_second) {
  const std::string frames_line = std::to_string(frames_) + " frames in " + frame_folder_.string();
  if (video_.empty()) return "wrote " + frames_line;
  if (frames_ == 0) return "no frames recorded; no video written";
  const std::filesystem::path ffmpeg = find_on_path("ffmpeg");
  if (ffmpeg.empty()) {
    return "wrote " + frames_line + "; ffmpeg is not installed, so no video " + video_.string() +
           " (apt-get install ffmpeg, or encode the frames yourself)";
  }
  // ffmpeg picks the container from the extension, so the temporary keeps ".mp4".
  const std::filesystem::path temporary = temporary_path_for(video_).string() + ".mp4";
  std::ostringstream command;
  // yuv420p plays everywhere but needs even sizes; the scale filter rounds down to them.
  command << shell_quote(ffmpeg.string()) << " -loglevel error -y -framerate " << frames_per_second << " -i "
          << shell_quote((frame_folder_ / "frame_%06d.png").string())
          << " -vf 'scale=trunc(iw/2)*2:trunc(ih/2)*2' -c:v libx264 -pix_fmt yuv420p " << shell_quote(temporary.string());
  const int rc = std::system(command.str().c_str());
  std::error_code ec;
  if (rc != 0) {
    std::filesystem::remove(temporary, ec);
    throw std::runtime_error("ffmpeg failed (status " + std::to_string(rc) + ") encoding " + frame_folder_.string() +
                             " into " + video_.string() + "; the frames are kept");
  }
  std::filesystem::rename(temporary, video_);
  return "wrote " + video_.string() + " (" + std::to_string(frames_) + " frames, " + frame_folder_.string() + " kept)";
}

}  // namespace grl::viewer
