// MuJoCo's renderer for one env's scene: into the window, or into MuJoCo's offscreen buffer and back
// to memory (recording, screenshots). Needs a current OpenGL context (a GLFW window, visible or not).
//
// The env's mjModel is shared and read-only, so the renderer keeps its own copy: the offscreen
// buffer's size lives in the model (vis.global.offwidth/offheight), and the copy lets it be set to the
// recording size without touching the env.
#pragma once

#include <mujoco/mujoco.h>

#include "viewer/png_file.h"

namespace grl::viewer {

class SceneRenderer {
 public:
  SceneRenderer(const mjModel* model, int offscreen_width, int offscreen_height);
  ~SceneRenderer();
  SceneRenderer(const SceneRenderer&) = delete;
  SceneRenderer& operator=(const SceneRenderer&) = delete;

  // false: only what belongs to the world body (floor, sky) is drawn. A floor-only frame is the
  // baseline the tests compare a robot frame with, and a clear background for comparisons.
  void set_show_robot(bool show) { show_robot_ = show; }
  bool show_robot() const { return show_robot_; }

  // Shadows, the floor's reflection and the skybox. A software OpenGL (Mesa's llvmpipe under Xvfb)
  // spends most of a frame on them: 8.8 frames/s with them, about 26 without, at 1280 x 720.
  void set_effects(bool on);
  bool effects() const;

  // Updates the scene from `data` (mjv_updateScene needs it mutable; nothing is changed but
  // its visualisation caches) and draws it into `viewport` of the window's back buffer.
  void render_to_window(mjData* data, mjvCamera& camera, const mjrRect& viewport);
  // Draws into the offscreen buffer at its full size and reads it back.
  RgbImage render_offscreen(mjData* data, mjvCamera& camera);
  // The window's back buffer (scene and panels, as drawn so far in this frame).
  static RgbImage read_window(int width, int height);

  int offscreen_width() const { return offscreen_width_; }
  int offscreen_height() const { return offscreen_height_; }
  const mjvScene& scene() const { return scene_; }
  const mjModel* model() const { return model_; }

 private:
  void update_scene(mjData* data, mjvCamera& camera);

  mjModel* model_ = nullptr;  // our copy
  mjvScene scene_;
  mjvOption option_;
  mjrContext context_;
  bool show_robot_ = true;
  int offscreen_width_ = 0;
  int offscreen_height_ = 0;
};

}  // namespace grl::viewer
