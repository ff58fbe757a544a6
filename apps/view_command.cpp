// `grl view [--checkpoint runs/<name>/checkpoints/latest.pt] [--env E] [--dataset D] ...`
// The interactive viewer (docs/viewer.md): watch a policy act, replay dataset episodes, look at a
// generative policy's action distribution. `--frames N` closes the window after N frames and prints
// the frame rate; `--record out.mp4|frames/` renders offscreen instead (no window, works under Xvfb).
#include <iostream>
#include <stdexcept>

#include "apps/command.h"
#include "apps/seed_check.h"
#include "viewer/headless_recorder.h"
#include "viewer/viewer_window.h"

namespace grl::cli {
namespace {

std::function<int()> add_view(CLI::App& parent, GlobalOptions& global) {
  auto options = std::make_shared<viewer::ViewerOptions>();
  auto* view = parent.add_subcommand("view", "watch, probe and record policies and datasets (window or --record)");
  view->add_option("--checkpoint", options->checkpoint, "checkpoint to act with (runs/<name>/checkpoints/latest.pt)")
      ->check(CLI::ExistingFile);
  view->add_option("--env", options->env, "env to show (default: the checkpoint's; must agree with it)");
  view->add_option("--dataset", options->dataset,
                   "D4RL id or file for playback and comparison (default: the checkpoint's dataset, when found)");
  view->add_option("--episode", options->playback_episode, "start by replaying this dataset episode")
      ->check(CLI::NonNegativeNumber);
  view->add_option("--seed", options->seed, "seed of the first episode (episode e uses seed + e)")
      ->check(seed_check(std::numeric_limits<std::uint64_t>::max()))
      ->capture_default_str();
  view->add_option("--solver", options->solver, "generative policies: solver (euler, heun, rk4, dopri5, sde, dpm_solver)");
  view->add_option("--steps", options->steps, "generative policies: solver steps (default: the checkpoint's)")
      ->check(CLI::PositiveNumber);
  view->add_option("--samples", options->samples, "actions sampled for the action-distribution panel")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  view->add_option("--speed", options->speed, "simulated seconds per second")->check(CLI::Range(0.01, 100.0))->capture_default_str();
  view->add_option("--width", options->width, "window or frame width in pixels")->check(CLI::Range(64, 8192))->capture_default_str();
  view->add_option("--height", options->height, "window or frame height in pixels")->check(CLI::Range(64, 8192))->capture_default_str();
  view->add_flag("!--no-robot", options->show_robot, "draw only the floor (world body): a baseline frame for comparisons");
  view->add_option("--frames", options->frames,
                   "window: close after N frames and print the frame rate; --record: at most N frames")
      ->check(CLI::PositiveNumber);
  view->add_option("--screenshot", options->screenshot, "window with --frames: write the last frame here (PNG)");
  view->add_option("--record", options->record,
                   "render offscreen into a folder of PNGs or an .mp4 (frames kept; video when ffmpeg is installed)");
  view->add_option("--episodes", options->episodes, "--record: episodes to record")->check(CLI::PositiveNumber)->capture_default_str();
  view->add_option("--max-steps", options->max_steps, "--record: at most N steps per episode")->check(CLI::PositiveNumber);
  return [options, &global] {
    options->device = global.runtime.device;
    if (!options->screenshot.empty() && options->frames <= 0) {
      throw std::invalid_argument("--screenshot " + options->screenshot + " needs --frames N (the screenshot is of frame N)");
    }
    if (!options->record.empty()) {
      viewer::record_episodes(*options, std::cout);
    } else {
      viewer::run_viewer_window(*options, std::cout);
    }
    return 0;
  };
}

}  // namespace
}  // namespace grl::cli

GRL_REGISTER_COMMAND("view", 60, grl::cli::add_view);
