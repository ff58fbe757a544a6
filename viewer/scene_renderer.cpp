#include "viewer/scene_renderer.h"

#include <GL/gl.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace grl::viewer {

SceneRenderer::SceneRenderer(const mjModel* model, int offscreen_width, int offscreen_height)
    : offscreen_width_(offscreen_width), offscreen_height_(offscreen_height) {
  if (offscreen_width <= 0 || offscreen_height <= 0) {
    throw std::invalid_argument("offscreen size must be positive, got " + std::to_string(offscreen_width) + " x " +
                                std::to_string(offscreen_height));
  }
  model_ = mj_copyModel(nullptr, model);
  if (model_ == nullptr) throw std::runtime_error("mj_copyModel failed");
  model_->vis.global.offwidth = offscreen_width;
  model_->vis.global.offheight = offscreen_height;
  mjv_defaultScene(&scene_);
  mjv_defaultOption(&option_);
  mjr_defaultContext(&context_);
  mjv_makeScene(model_, &scene_, 2000);
  // mjr_makeContext allocates the offscreen framebuffer of offwidth x offheight, the font textures
  // and the model's textures; MuJoCo calls mju_error (and exits) when the context has no OpenGL.
  mjr_makeContext(model_, &context_, mjFONTSCALE_150);
  if (context_.offWidth != offscreen_width || context_.offHeight != offscreen_height) {
    const std::string got = std::to_string(context_.offWidth) + " x " + std::to_string(context_.offHeight);
    mjr_freeContext(&context_);
    mjv_freeScene(&scene_);
    mj_deleteModel(model_);
    throw std::runtime_error("the OpenGL driver gave an offscreen buffer of " + got + " instead of " +
                             std::to_string(offscreen_width) + " x " + std::to_string(offscreen_height) +
                             " (larger than its maximum renderbuffer size?)");
  }
}

void SceneRenderer::set_effects(bool on) {
  const mjtByte value = on ? 1 : 0;
  scene_.flags[mjRND_SHADOW] = value;
  scene_.flags[mjRND_REFLECTION] = value;
  scene_.flags[mjRND_SKYBOX] = value;
}

bool SceneRenderer::effects() const { return scene_.flags[mjRND_SHADOW] != 0; }

SceneRenderer::~SceneRenderer() {
  mjr_freeContext(&context_);
  mjv_freeScene(&scene_);
  mj_deleteModel(model_);
}

void SceneRenderer::update_scene(mjData* data, mjvCamera& camera) {
  mjv_updateScene(model_, data, &option_, nullptr, &camera, mjCAT_ALL, &scene_);
  if (show_robot_) return;
  // Keep only geoms of the world body (body 0): the floor. Decorations and other objects stay.
  int kept = 0;
  for (int i = 0; i < scene_.ngeom; ++i) {
    const mjvGeom& geom = scene_.geoms[i];
    const bool robot = geom.objtype == mjOBJ_GEOM && geom.objid >= 0 && model_->geom_bodyid[geom.objid] != 0;
    if (!robot) scene_.geoms[kept++] = geom;
  }
  scene_.ngeom = kept;
}

void SceneRenderer::render_to_window(mjData* data, mjvCamera& camera, const mjrRect& viewport) {
  update_scene(data, camera);
  mjr_setBuffer(mjFB_WINDOW, &context_);
  mjr_render(viewport, &scene_, &context_);
}

RgbImage SceneRenderer::render_offscreen(mjData* data, mjvCamera& camera) {
  update_scene(data, camera);
  mjr_setBuffer(mjFB_OFFSCREEN, &context_);
  const mjrRect viewport{0, 0, offscreen_width_, offscreen_height_};
  mjr_render(viewport, &scene_, &context_);
  RgbImage image;
  image.width = offscreen_width_;
  image.height = offscreen_height_;
  image.pixels.resize(static_cast<std::size_t>(offscreen_width_) * offscreen_height_ * 3);
  mjr_readPixels(image.pixels.data(), nullptr, viewport, &context_);
  mjr_setBuffer(mjFB_WINDOW, &context_);
  // OpenGL's rows run bottom to top; images run top to bottom.
  const std::size_t row = static_cast<std::size_t>(offscreen_width_) * 3;
  for (int y = 0; y < offscreen_height_ / 2; ++y) {
    std::swap_ranges(image.pixels.begin() + y * row, image.pixels.begin() + (y + 1) * row,
                     image.pixels.begin() + (offscreen_height_ - 1 - y) * row);
  }
  return image;
}

RgbImage SceneRenderer::read_window(int width, int height) {
  RgbImage image;
  image.width = width;
  image.height = height;
  image.pixels.resize(static_cast<std::size_t>(width) * height * 3);
  glReadBuffer(GL_BACK);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE, image.pixels.data());
  const std::size_t row = static_cast<std::size_t>(width) * 3;
  for (int y = 0; y < height / 2; ++y) {
    std::swap_ranges(image.pixels.begin() + y * row, image.pixels.begin() + (y + 1) * row,
                     image.pixels.begin() + (height - 1 - y) * row);
  }
  return image;
}

}  // namespace grl::viewer
