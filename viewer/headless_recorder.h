// `grl view --record out.mp4|frames/`: renders episodes offscreen (an invisible GLFW window carries
// the OpenGL context, so it runs under Xvfb with nobody watching) and writes one PNG per env step,
// the initial state included, then the video when ffmpeg is installed.
#pragma once

#include <ostream>

#include "viewer/viewer_options.h"

namespace grl::viewer {

// Records options.episodes episodes (each at most options.max_steps steps when > 0), stopping early
// after options.frames frames when > 0. Prints each episode and where the frames went to `out`.
// Returns the number of frames written. Throws on bad input (naming the file or value).
int record_episodes(const ViewerOptions& options, std::ostream& out);

}  // namespace grl::viewer
