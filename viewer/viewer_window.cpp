#include "viewer/viewer_window.h"

#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>

#include <algorithm>
#include <cfloat>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iomanip>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "viewer/action_distribution_panel.h"
#include "viewer/camera_controller.h"
#include "viewer/glfw_window.h"
#include "viewer/policy_worker.h"
#include "viewer/scene_renderer.h"
#include "viewer/viewer_session.h"

namespace grl::viewer {
namespace {

using Clock = std::chrono::steady_clock;

// The scene, its renderer and camera, and the policy's worker: everything that is rebuilt when
// another checkpoint, env or dataset is loaded from the panel.
struct Loaded {
  std::unique_ptr<ViewerSession> session;
  std::unique_ptr<SceneRenderer> renderer;
  std::unique_ptr<CameraController> camera;
  std::unique_ptr<PolicyWorker> worker;  // null without a checkpoint; declared last, destroyed first
};

// Mesa's software rasterisers: shadows and reflections cost them two thirds of a frame.
bool software_renderer(const std::string& name) {
  return name.find("llvmpipe") != std::string::npos || name.find("softpipe") != std::string::npos;
}

Loaded load(const ViewerOptions& options, bool effects) {
  Loaded l;
  l.session = std::make_unique<ViewerSession>(options);
  l.renderer = std::make_unique<SceneRenderer>(l.session->env().model(), options.width, options.height);
  l.renderer->set_show_robot(options.show_robot);
  l.renderer->set_effects(effects);
  l.camera = std::make_unique<CameraController>(l.session->env().model());
  if (l.session->policy()) l.worker = std::make_unique<PolicyWorker>(l.session->policy(), l.session->dataset());
  return l;
}

void copy_text(char* buffer, std::size_t size, const std::string& text) {
  std::snprintf(buffer, size, "%s", text.c_str());
}

// Frame times, for the summary of a --frames run.
struct FrameStats {
  std::vector<double> seconds;
  double percentile(double p) const {
    if (seconds.empty()) return 0;
    std::vector<double> sorted = seconds;
    std::sort(sorted.begin(), sorted.end());
    return sorted[static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1))];
  }
};

class ViewerWindow {
 public:
  ViewerWindow(const ViewerOptions& options, std::ostream& out)
      : options_(options), out_(out), window_(options.width, options.height, "grl view", /*visible=*/true) {
    loaded_ = load(options_, !software_renderer(window_.renderer_name()));  // bad input from the command line is an error, not a panel message
    copy_text(checkpoint_path_, sizeof checkpoint_path_, options_.checkpoint);
    copy_text(dataset_path_, sizeof dataset_path_, options_.dataset);
    env_index_ = env_index_of(loaded_.session->spec().id);
    seed_ = static_cast<int>(options_.seed);
    speed_ = static_cast<float>(options_.speed);
    samples_ = options_.samples;
    playback_index_ = std::max(options_.playback_episode, 0);
    sync_solver_controls();
    // Vsync where a display has it; under Xvfb the swap returns at once and the loop runs free.
    glfwSwapInterval(1);
    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGui::GetIO().IniFilename = nullptr;  // no imgui.ini written into the user's folder
    ImGui::StyleColorsDark();
    ImGui_ImplGlfw_InitForOpenGL(window_.get(), /*install_callbacks=*/true);
    ImGui_ImplOpenGL3_Init("#version 130");
  }

  ~ViewerWindow() {
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
  }

  int run() {
    const Clock::time_point start = Clock::now();
    Clock::time_point last = start;
    int frame = 0;
    while (!glfwWindowShouldClose(window_.get()) && (options_.frames <= 0 || frame < options_.frames)) {
      glfwPollEvents();
      const Clock::time_point now = Clock::now();
      const double elapsed = std::chrono::duration<double>(now - last).count();
      last = now;
      if (frame > 0) frame_stats_.seconds.push_back(elapsed);
      advance(elapsed);
      refresh_distribution();
      draw_frame();
      const bool last_frame = options_.frames > 0 && frame + 1 == options_.frames;
      if (screenshot_requested_ || (last_frame && !options_.screenshot.empty())) take_screenshot(last_frame);
      glfwSwapBuffers(window_.get());
      ++frame;
    }
    const double total = std::chrono::duration<double>(Clock::now() - start).count();
    out_ << "frames " << frame << " in " << std::fixed << std::setprecision(2) << total << " s: " << std::setprecision(1)
         << frame / std::max(total, 1e-9) << " frames/s (frame time median " << std::setprecision(1)
         << 1000 * frame_stats_.percentile(0.5) << " ms, p95 " << 1000 * frame_stats_.percentile(0.95) << " ms, max "
         << 1000 * frame_stats_.percentile(1.0) << " ms); env steps " << env_steps_ << ", policy calls " << policy_calls_;
    if (policy_calls_ > 0) out_ << " (mean inference " << std::setprecision(2) << 1000 * inference_seconds_ / policy_calls_ << " ms)";
    out_ << ", distributions sampled " << distributions_ << "; " << window_.renderer_name() << "\n";
    const auto& finished = loaded_.session->monitor().finished();
    for (std::size_t i = 0; i < finished.size(); ++i) {
      out_ << "episode " << i << " (" << finished[i].source << "): return " << std::setprecision(2)
           << finished[i].episode_return << ", length " << finished[i].length << ", normalized score "
           << std::setprecision(1) << finished[i].score << "\n";
    }
    return frame;
  }

 private:
  static int env_index_of(const std::string& id) {
    const auto& specs = envs::env_specs();
    for (std::size_t i = 0; i < specs.size(); ++i) {
      if (specs[i].id == id) return static_cast<int>(i);
    }
    return 0;
  }

  void sync_solver_controls() {
    if (!loaded_.worker) return;
    const PolicyInfo info = loaded_.worker->current_info();
    const auto& names = generative_solver_names();
    solver_index_ = static_cast<int>(std::find(names.begin(), names.end(), info.solver) - names.begin());
    if (solver_index_ >= static_cast<int>(names.size())) solver_index_ = 0;
    solver_steps_ = std::max(info.steps, 1);
  }

  // --- Simulation: as many env steps as the elapsed time (times the speed) asks for, each with an
  // action from the worker; the wait for an answer is bounded per frame so drawing never stalls.
  void advance(double elapsed) {
    ViewerSession& s = *loaded_.session;
    if (!playing_ && !step_once_) return;
    if (s.episode_over()) {
      if (!playing_) return;
      // Let the final pose be seen for a moment, then start the next episode.
      pause_left_ -= elapsed;
      if (pause_left_ > 0) return;
      restart_episode();
      return;
    }
    const double dt = s.spec().dt;
    if (playing_) sim_budget_ = std::min(sim_budget_ + elapsed * speed_, 0.25);  // no catching up after a stall
    const Clock::time_point frame_deadline = Clock::now() + std::chrono::milliseconds(8);
    while ((step_once_ || sim_budget_ >= dt) && !s.episode_over()) {
      if (s.source() == MotionSource::dataset) {
        s.playback_step();
      } else if (s.source() == MotionSource::zero_action || !loaded_.worker) {
        s.step(std::vector<float>(static_cast<std::size_t>(s.spec().act_dim), 0.0f));
      } else {
        if (!action_pending_) {
          loaded_.worker->request_action(s.observation());
          action_pending_ = true;
        }
        const double budget = std::chrono::duration<double>(frame_deadline - Clock::now()).count();
        std::optional<ActionAnswer> answer = loaded_.worker->wait_action(std::max(budget, 0.0));
        if (!answer) break;  // still sampling: draw this frame, pick the action up in a later one
        action_pending_ = false;
        ++policy_calls_;
        inference_seconds_ += answer->seconds;
        if (!answer->error.empty()) {
          status_ = "policy failed: " + answer->error;
          playing_ = false;
          break;
        }
        s.step(answer->action);
        if (!s.episode_over()) {
          // Ask for the next action at once, so inference overlaps the drawing.
          loaded_.worker->request_action(s.observation());
          action_pending_ = true;
        }
      }
      ++env_steps_;
      sim_budget_ = std::max(0.0, sim_budget_ - dt);
      step_once_ = false;
      if (s.episode_over()) pause_left_ = 1.0;
      if (Clock::now() > frame_deadline) break;
    }
    step_once_ = false;
  }

  void restart_episode() {
    ViewerSession& s = *loaded_.session;
    drop_pending_action();
    if (s.source() == MotionSource::dataset) {
      const int next = (playback_index_ + 1) % std::max(1, s.dataset()->episode_count());
      playback_index_ = next;
      s.start_playback(next);
    } else {
      ++seed_;
      s.reset(static_cast<std::uint64_t>(seed_));
    }
  }

  // An action asked for a state that is gone (reset, playback) must not be applied.
  void drop_pending_action() {
    if (action_pending_ && loaded_.worker) {
      loaded_.worker->wait_action(10.0);
    }
    action_pending_ = false;
  }

  void refresh_distribution() {
    if (!loaded_.worker) return;
    if (auto answer = loaded_.worker->take_distribution()) {
      distribution_pending_ = false;
      ++distributions_;
      if (!answer->error.empty()) {
        status_ = "sampling failed: " + answer->error;
      } else {
        distribution_.act_dim = loaded_.session->spec().act_dim;
        distribution_.samples = std::move(answer->samples);
        distribution_.comparison = std::move(answer->comparison);
        distribution_.comparison_label = answer->comparison_label;
        distribution_.seconds = answer->seconds;
      }
    }
    if (auto result = loaded_.worker->take_sampler_result()) {
      status_ = result->empty() ? "solver set" : "solver not changed: " + *result;
      sync_solver_controls();
    }
    const bool wanted = sample_now_ || (auto_sample_ && loaded_.session->monitor().steps() != sampled_at_step_);
    if (wanted && !distribution_pending_) {
      const Comparison comparison = comparison_index_ == 1 ? Comparison::dataset_neighbours
                                    : comparison_index_ == 2 ? Comparison::behaviour_model
                                                             : Comparison::none;
      loaded_.worker->request_distribution(loaded_.session->observation(), samples_, comparison);
      distribution_pending_ = true;
      sampled_at_step_ = loaded_.session->monitor().steps();
      sample_now_ = false;
    }
  }

  // --- Drawing.
  void draw_frame() {
    int width = 0, height = 0;
    glfwGetFramebufferSize(window_.get(), &width, &height);
    handle_mouse_and_keys(height);
    glViewport(0, 0, width, height);
    glClearColor(0.1f, 0.1f, 0.12f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
    loaded_.renderer->render_to_window(loaded_.session->env().mutable_data(), loaded_.camera->camera(),
                                       mjrRect{0, 0, width, height});
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
    draw_run_panel();
    draw_plots_panel(width);
    if (loaded_.worker) draw_distribution_panel(width);
    ImGui::Render();
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  }

  void handle_mouse_and_keys(int height) {
    ImGuiIO& io = ImGui::GetIO();
    double x = 0, y = 0;
    glfwGetCursorPos(window_.get(), &x, &y);
    const double dx = x - mouse_x_, dy = y - mouse_y_;
    mouse_x_ = x;
    mouse_y_ = y;
    if (!io.WantCaptureMouse) {
      GLFWwindow* w = window_.get();
      MouseButton button = MouseButton::none;
      if (glfwGetMouseButton(w, GLFW_MOUSE_BUTTON_LEFT) == GLFW_PRESS) button = MouseButton::left;
      if (glfwGetMouseButton(w, GLFW_MOUSE_BUTTON_RIGHT) == GLFW_PRESS) button = MouseButton::right;
      if (glfwGetMouseButton(w, GLFW_MOUSE_BUTTON_MIDDLE) == GLFW_PRESS) button = MouseButton::middle;
      const bool shift = glfwGetKey(w, GLFW_KEY_LEFT_SHIFT) == GLFW_PRESS || glfwGetKey(w, GLFW_KEY_RIGHT_SHIFT) == GLFW_PRESS;
      // Window coordinates may differ from framebuffer pixels (HiDPI); both motion and height are
      // in window units here, so the relative motion is right either way.
      int window_width = 0, window_height = 0;
      glfwGetWindowSize(w, &window_width, &window_height);
      if (button != MouseButton::none && (dx != 0 || dy != 0)) {
        loaded_.camera->drag(button, shift, dx, dy, window_height > 0 ? window_height : height, loaded_.renderer->scene());
      }
      if (io.MouseWheel != 0) loaded_.camera->scroll(io.MouseWheel, loaded_.renderer->scene());
    }
    if (!io.WantCaptureKeyboard) {
      if (ImGui::IsKeyPressed(GLFW_KEY_SPACE, false)) playing_ = !playing_;
      if (ImGui::IsKeyPressed(GLFW_KEY_RIGHT)) step_once_ = true;
      if (ImGui::IsKeyPressed(GLFW_KEY_BACKSPACE, false)) reset_clicked();
    }
    if (ImGui::IsKeyPressed(GLFW_KEY_F12, false)) screenshot_requested_ = true;
  }

  void reset_clicked() {
    drop_pending_action();
    ViewerSession& s = *loaded_.session;
    if (s.source() == MotionSource::dataset) {
      s.start_playback(playback_index_);
    } else {
      if (loaded_.worker) loaded_.worker->request_seed(static_cast<std::uint64_t>(seed_));
      s.reset(static_cast<std::uint64_t>(seed_));
    }
    sim_budget_ = 0;
  }

  void reload(const ViewerOptions& options) {
    try {
      drop_pending_action();
      Loaded fresh = load(options, loaded_.renderer->effects());
      loaded_ = std::move(fresh);
      options_ = options;
      env_index_ = env_index_of(loaded_.session->spec().id);
      distribution_ = ActionDistribution{};
      distribution_pending_ = false;
      sync_solver_controls();
      status_ = "loaded";
    } catch (const std::exception& e) {
      status_ = e.what();  // the old scene stays
    }
  }

  void draw_run_panel() {
    ViewerSession& s = *loaded_.session;
    ImGui::SetNextWindowPos(ImVec2(10, 10), ImGuiCond_FirstUseEver);
    ImGui::SetNextWindowSize(ImVec2(380, 0), ImGuiCond_FirstUseEver);
    ImGui::Begin("Run");
    ImGui::Text("%.0f frames/s", ImGui::GetIO().Framerate);
    ImGui::SameLine();
    ImGui::TextDisabled("| env %s, step %d, return %.1f", s.spec().id.c_str(), s.monitor().steps(),
                        s.monitor().episode_return());
    if (ImGui::CollapsingHeader("Checkpoint and env", ImGuiTreeNodeFlags_DefaultOpen)) {
      ImGui::InputText("checkpoint", checkpoint_path_, sizeof checkpoint_path_);
      const auto& specs = envs::env_specs();
      std::vector<const char*> env_names;
      for (const auto& spec : specs) env_names.push_back(spec.id.c_str());
      ImGui::Combo("env", &env_index_, env_names.data(), static_cast<int>(env_names.size()));
      ImGui::InputText("dataset", dataset_path_, sizeof dataset_path_);
      if (ImGui::Button("Load")) {
        ViewerOptions o = options_;
        o.checkpoint = checkpoint_path_;
        o.env = o.checkpoint.empty() ? specs[static_cast<std::size_t>(env_index_)].id : "";
        o.dataset = dataset_path_;
        o.playback_episode = -1;
        o.solver.clear();
        o.steps = 0;
        reload(o);
      }
      ImGui::SameLine();
      ImGui::TextDisabled("(the env comes from the checkpoint when one is given)");
      if (auto policy = s.policy()) {
        const PolicyInfo& info = policy->info();
        ImGui::Text("%s on %s, dataset %s", info.algorithm.c_str(), info.env_id.c_str(), info.dataset.c_str());
      }
      ImGui::TextWrapped("dataset: %s", s.dataset() ? s.dataset()->file().c_str() : s.dataset_note().c_str());
    }
    if (ImGui::CollapsingHeader("Playback", ImGuiTreeNodeFlags_DefaultOpen)) {
      if (ImGui::Button(playing_ ? "Pause" : "Play")) playing_ = !playing_;
      ImGui::SameLine();
      if (ImGui::Button("Step")) {
        playing_ = false;
        step_once_ = true;
      }
      ImGui::SameLine();
      if (ImGui::Button("Reset")) reset_clicked();
      ImGui::SameLine();
      if (ImGui::Button("Screenshot")) screenshot_requested_ = true;
      ImGui::SliderFloat("speed", &speed_, 0.05f, 4.0f, "%.2fx", ImGuiSliderFlags_Logarithmic);
      if (ImGui::InputInt("seed", &seed_)) seed_ = std::max(seed_, 0);
      int source = static_cast<int>(s.source());
      const bool have_policy = s.policy() != nullptr, have_dataset = s.dataset() != nullptr;
      bool changed = false;
      if (!have_policy) ImGui::BeginDisabled();
      changed |= ImGui::RadioButton("policy", &source, static_cast<int>(MotionSource::policy));
      if (!have_policy) ImGui::EndDisabled();
      ImGui::SameLine();
      if (!have_dataset) ImGui::BeginDisabled();
      changed |= ImGui::RadioButton("dataset episode", &source, static_cast<int>(MotionSource::dataset));
      if (!have_dataset) ImGui::EndDisabled();
      ImGui::SameLine();
      changed |= ImGui::RadioButton("zero action", &source, static_cast<int>(MotionSource::zero_action));
      if (have_dataset) {
        ImGui::SetNextItemWidth(120);
        ImGui::InputInt("episode", &playback_index_);
        playback_index_ = std::clamp(playback_index_, 0, s.dataset()->episode_count() - 1);
        const DatasetEpisode& e = s.dataset()->episode(playback_index_);
        ImGui::SameLine();
        ImGui::TextDisabled("of %d: %lld steps, return %.1f", s.dataset()->episode_count(),
                            static_cast<long long>(e.length), e.episode_return);
        if (ImGui::Button("Play dataset episode")) {
          changed = true;
          source = static_cast<int>(MotionSource::dataset);
        }
      }
      if (changed) {
        drop_pending_action();
        if (source == static_cast<int>(MotionSource::dataset)) {
          s.start_playback(playback_index_);
        } else {
          s.set_source(static_cast<MotionSource>(source));
          s.reset(static_cast<std::uint64_t>(seed_));
        }
        playing_ = true;
      }
    }
    if (loaded_.worker && loaded_.worker->info().generative && ImGui::CollapsingHeader("Solver", ImGuiTreeNodeFlags_DefaultOpen)) {
      const auto& names = generative_solver_names();
      std::vector<const char*> labels;
      for (const auto& n : names) labels.push_back(n.c_str());
      ImGui::Combo("solver", &solver_index_, labels.data(), static_cast<int>(labels.size()));
      ImGui::SliderInt("steps", &solver_steps_, 1, 100);
      if (ImGui::Button("Apply solver")) {
        loaded_.worker->request_sampler(names[static_cast<std::size_t>(solver_index_)], solver_steps_);
      }
      const PolicyInfo info = loaded_.worker->current_info();
      ImGui::SameLine();
      ImGui::TextDisabled("acting: %s, %d steps", info.solver.c_str(), info.steps);
      if (policy_calls_ > 0) ImGui::Text("mean inference %.2f ms", 1000 * inference_seconds_ / policy_calls_);
    }
    if (ImGui::CollapsingHeader("Camera")) {
      bool tracking = loaded_.camera->tracking();
      if (ImGui::Checkbox("track the robot", &tracking)) loaded_.camera->set_tracking(tracking);
      ImGui::SameLine();
      if (ImGui::Button("Reset view")) loaded_.camera->reset_view();
      bool robot = loaded_.renderer->show_robot();
      if (ImGui::Checkbox("show the robot", &robot)) loaded_.renderer->set_show_robot(robot);
      bool effects = loaded_.renderer->effects();
      if (ImGui::Checkbox("shadows and reflections", &effects)) loaded_.renderer->set_effects(effects);
      ImGui::TextDisabled("left drag: rotate, right drag: move, wheel: zoom, shift: horizontal");
    }
    if (!status_.empty()) ImGui::TextWrapped("%s", status_.c_str());
    ImGui::End();
  }

  void draw_plots_panel(int width) {
    EpisodeMonitor& m = loaded_.session->monitor();
    ImGui::SetNextWindowPos(ImVec2(10, 470), ImGuiCond_FirstUseEver);
    ImGui::SetNextWindowSize(ImVec2(380, 240), ImGuiCond_FirstUseEver);
    ImGui::Begin("Plots");
    const float plot_width = ImGui::GetContentRegionAvail().x;
    auto lines = [&](const char* label, const std::vector<float>& values, float lo, float hi, float h) {
      ImGui::PlotLines(label, values.empty() ? nullptr : values.data(), static_cast<int>(values.size()), 0, nullptr,
                       lo, hi, ImVec2(plot_width, h));
    };
    ImGui::Text("reward %.2f", m.rewards().empty() ? 0.0f : m.rewards().back());
    lines("##reward", m.rewards(), FLT_MAX, FLT_MAX, 40);
    ImGui::Text("return %.1f", m.episode_return());
    lines("##return", m.returns(), FLT_MAX, FLT_MAX, 40);
    if (ImGui::TreeNode("actions")) {
      for (int d = 0; d < m.act_dim(); ++d) {
        ImGui::PushID(d);
        ImGui::Text("a%d", d);
        ImGui::SameLine(40);
        ImGui::PlotLines("##a", m.action_history(d).empty() ? nullptr : m.action_history(d).data(),
                         static_cast<int>(m.action_history(d).size()), 0, nullptr, -1.0f, 1.0f,
                         ImVec2(plot_width - 40, 24));
        ImGui::PopID();
      }
      ImGui::TreePop();
    }
    const auto& finished = m.finished();
    ImGui::Text("finished episodes: %d, mean normalized score %.1f", static_cast<int>(finished.size()), m.mean_score());
    std::vector<float> scores;
    for (const auto& f : finished) scores.push_back(static_cast<float>(f.score));
    if (!scores.empty()) ImGui::PlotHistogram("##scores", scores.data(), static_cast<int>(scores.size()), 0, "scores", 0.0f, FLT_MAX, ImVec2(plot_width, 40));
    for (std::size_t i = finished.size() > 5 ? finished.size() - 5 : 0; i < finished.size(); ++i) {
      ImGui::TextDisabled("%s: return %.1f, %d steps, score %.1f%s", finished[i].source.c_str(), finished[i].episode_return,
                          finished[i].length, finished[i].score, finished[i].terminal ? " (fell)" : "");
    }
    ImGui::End();
    (void)width;
  }

  void draw_distribution_panel(int width) {
    ImGui::SetNextWindowPos(ImVec2(static_cast<float>(width) - 370, 10), ImGuiCond_FirstUseEver);
    // Sized to its content: the histograms appear only once the first samples arrive.
    ImGui::SetNextWindowSizeConstraints(ImVec2(360, 0), ImVec2(360, FLT_MAX));
    ImGui::Begin("Action distribution", nullptr, ImGuiWindowFlags_AlwaysAutoResize);
    ImGui::SliderInt("K", &samples_, 4, 512);
    const char* comparisons[] = {"none", "dataset: nearest states", "behaviour model"};
    ImGui::Combo("compare with", &comparison_index_, comparisons, 3);
    if (comparison_index_ == 1 && !loaded_.session->dataset()) ImGui::TextDisabled("no dataset loaded");
    if (comparison_index_ == 2 && !loaded_.worker->info().has_behaviour) ImGui::TextDisabled("this checkpoint has no behaviour model");
    ImGui::Checkbox("follow the state", &auto_sample_);
    ImGui::SameLine();
    if (ImGui::Button("Sample now")) sample_now_ = true;
    panel_.draw(distribution_);
    ImGui::End();
  }

  void take_screenshot(bool last_frame) {
    int width = 0, height = 0;
    glfwGetFramebufferSize(window_.get(), &width, &height);
    std::string file;
    if (last_frame && !options_.screenshot.empty()) {
      file = options_.screenshot;
    } else {
      char name[64];
      std::snprintf(name, sizeof name, "grl-view-%03d.png", ++screenshot_count_);
      file = name;
    }
    try {
      write_png(file, SceneRenderer::read_window(width, height));
      status_ = "screenshot: " + file;
      if (last_frame) out_ << "screenshot " << file << " (" << width << " x " << height << ")\n";
    } catch (const std::exception& e) {
      status_ = e.what();
      if (last_frame) throw;
    }
    screenshot_requested_ = false;
  }

  ViewerOptions options_;
  std::ostream& out_;
  GlfwWindow window_;
  Loaded loaded_;
  ActionDistributionPanel panel_;
  ActionDistribution distribution_;
  FrameStats frame_stats_;
  std::string status_;
  char checkpoint_path_[1024] = {};
  char dataset_path_[1024] = {};
  int env_index_ = 0;
  int seed_ = 0;
  float speed_ = 1.0f;
  int samples_ = 64;
  int playback_index_ = 0;
  int solver_index_ = 0;
  int solver_steps_ = 1;
  int comparison_index_ = 1;
  bool playing_ = true;
  bool step_once_ = false;
  bool action_pending_ = false;
  bool distribution_pending_ = false;
  bool auto_sample_ = true;
  bool sample_now_ = false;
  bool screenshot_requested_ = false;
  int sampled_at_step_ = -1;
  int screenshot_count_ = 0;
  double sim_budget_ = 0;
  double pause_left_ = 0;
  double mouse_x_ = 0, mouse_y_ = 0;
  long long env_steps_ = 0, policy_calls_ = 0, distributions_ = 0;
  double inference_seconds_ = 0;
};

}  // namespace

int run_viewer_window(const ViewerOptions& options, std::ostream& out) {
  ViewerWindow window(options, out);
  return window.run();
}

}  // namespace grl::viewer
