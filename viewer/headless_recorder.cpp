#include "viewer/headless_recorder.h"

#include <algorithm>
#include <chrono>
#include <iomanip>

#include "viewer/camera_controller.h"
#include "viewer/frame_recorder.h"
#include "viewer/glfw_window.h"
#include "viewer/scene_renderer.h"
#include "viewer/viewer_session.h"

namespace grl::viewer {

int record_episodes(const ViewerOptions& options, std::ostream& out) {
  // The target is checked before anything slow happens.
  FrameRecorder recorder(options.record);
  ViewerSession session(options);
  const GlfwWindow window(64, 64, "grl view (recording)", /*visible=*/false);
  SceneRenderer renderer(session.env().model(), options.width, options.height);
  renderer.set_show_robot(options.show_robot);
  CameraController camera(session.env().model());
  CheckpointPolicy* policy = session.policy().get();

  const auto start = std::chrono::steady_clock::now();
  const bool limited = options.frames > 0;
  auto capture = [&] {
    recorder.add(renderer.render_offscreen(session.env().mutable_data(), camera.camera()));
    return limited && recorder.frames() >= options.frames;
  };
  bool full = false;
  for (int e = 0; e < options.episodes && !full; ++e) {
    if (options.playback_episode >= 0) {
      session.start_playback(options.playback_episode + e);
    } else {
      session.reset(options.seed + static_cast<std::uint64_t>(e));
    }
    full = capture();
    bool over = false;
    while (!over && !full) {
      if (session.source() == MotionSource::dataset) {
        over = session.playback_step();
        if (!over && options.max_steps > 0 && session.monitor().steps() >= options.max_steps) over = true;
      } else {
        const std::vector<float> action =
            policy != nullptr ? policy->act(session.observation())
                              : std::vector<float>(static_cast<std::size_t>(session.spec().act_dim), 0.0f);
        over = session.step(action, options.max_steps);
      }
      // A dataset holds the states before each action, not the one after the last: its episode
      // is its rows, one frame each. A rollout also shows the state its last action led to.
      if (over && session.source() == MotionSource::dataset) break;
      full = capture();
    }
    const EpisodeMonitor& monitor = session.monitor();
    if (!monitor.finished().empty() && over) {
      const FinishedEpisode& f = monitor.finished().back();
      out << "episode " << e << " (" << f.source << "): return " << std::fixed << std::setprecision(2)
          << f.episode_return << ", length " << f.length << ", normalized score " << std::setprecision(1) << f.score
          << (f.terminal ? ", fell" : "") << "\n";
    } else {
      out << "episode " << e << ": stopped after " << monitor.steps() << " steps (--frames " << options.frames << ")\n";
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out << "rendered " << recorder.frames() << " frames of " << options.width << " x " << options.height << " in "
      << std::fixed << std::setprecision(1) << seconds << " s (" << std::setprecision(1)
      << recorder.frames() / std::max(seconds, 1e-9) << " frames/s, " << window.renderer_name() << ")\n";
  out << recorder.finish(1.0 / session.spec().dt) << "\n";
  return recorder.frames();
}

}  // namespace grl::viewer
