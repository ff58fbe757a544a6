// `grl view`: the interactive window. MuJoCo draws the scene, Dear ImGui the panels (run controls,
// plots, the action distribution); the policy runs on a PolicyWorker thread, so the window keeps its
// frame rate while a generative policy samples. Keys: space play/pause, right arrow step,
// backspace reset, F12 (or the button) screenshot into the working folder.
#pragma once

#include <ostream>

#include "viewer/viewer_options.h"

namespace grl::viewer {

// Runs until the window is closed, or for options.frames frames (then prints the frame rate to
// `out`). Throws on bad input, naming the file or value.
int run_viewer_window(const ViewerOptions& options, std::ostream& out);

}  // namespace grl::viewer
