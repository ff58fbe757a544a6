// What `grl view` was asked to show (apps/view_command.cpp fills it from the command line).
#pragma once

#include <cstdint>
#include <string>

namespace grl::viewer {

struct ViewerOptions {
  std::string checkpoint;      // a run's checkpoint; empty: no policy (dataset playback or zero actions)
  std::string env;             // catalog env; empty: the checkpoint's, else the dataset's
  std::string dataset;         // playback and neighbours; empty: the checkpoint's dataset, when found
  int playback_episode = -1;   // >= 0: start replaying this dataset episode instead of the policy
  std::uint64_t seed = 0;      // episode e starts from seed + e
  std::string solver;          // generative policies: override the checkpoint's solver
  int steps = 0;               // ... and its number of steps (0: the checkpoint's)
  int samples = 64;            // K, for the action-distribution panel
  double speed = 1.0;          // simulated seconds per wall-clock second
  int width = 1280;            // window, or recorded frame, size in pixels
  int height = 720;
  bool show_robot = true;      // false: draw the world body only (floor-only frames for comparisons)
  std::string device = "cpu";  // where the policy runs

  // Window mode.
  int frames = 0;              // > 0: close after this many frames and print the frame rate
  std::string screenshot;      // with frames: write the last frame (window and panels) here

  // Headless recording.
  std::string record;          // non-empty: record offscreen into this folder or .mp4 file
  int episodes = 1;            // episodes to record
  int max_steps = 0;           // > 0: at most this many steps per recorded episode
};

}  // namespace grl::viewer
