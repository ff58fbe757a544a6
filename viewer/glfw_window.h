// A GLFW window with a current OpenGL context: the visible viewer window, or (visible = false) the
// invisible one that only carries the context for offscreen rendering, which works under Xvfb.
#pragma once

#include <string>

struct GLFWwindow;

namespace grl::viewer {

class GlfwWindow {
 public:
  // Throws std::runtime_error with GLFW's reason, and a hint when no display is set.
  GlfwWindow(int width, int height, const std::string& title, bool visible);
  ~GlfwWindow();
  GlfwWindow(const GlfwWindow&) = delete;
  GlfwWindow& operator=(const GlfwWindow&) = delete;

  GLFWwindow* get() const { return window_; }
  // The OpenGL renderer, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)".
  std::string renderer_name() const;

 private:
  GLFWwindow* window_ = nullptr;
};

}  // namespace grl::viewer
