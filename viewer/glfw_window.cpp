#include "viewer/glfw_window.h"

#include <GLFW/glfw3.h>

#include <cstdlib>
#include <stdexcept>

namespace grl::viewer {
namespace {

// GLFW reports errors through a callback; the last one explains a failed init or window creation.
std::string& last_glfw_error() {
  static std::string error;
  return error;
}

void remember_glfw_error(int code, const char* description) {
  last_glfw_error() = std::string(description) + " (GLFW error " + std::to_string(code) + ")";
}

[[noreturn]] void fail(const std::string& what) {
  std::string message = what + ": " + (last_glfw_error().empty() ? "unknown reason" : last_glfw_error());
  const char* display = std::getenv("DISPLAY");
  if (display == nullptr || *display == '\0') {
    message += "; DISPLAY is not set: run under an X server, e.g. xvfb-run -a -s \"-screen 0 1280x1024x24\" grl view ...";
  }
  throw std::runtime_error(message);
}

}  // namespace

GlfwWindow::GlfwWindow(int width, int height, const std::string& title, bool visible) {
  glfwSetErrorCallback(remember_glfw_error);
  if (glfwInit() != GLFW_TRUE) fail("cannot start GLFW");
  glfwDefaultWindowHints();
  // MuJoCo's renderer uses the compatibility profile (fixed-function calls); GLFW's default context
  // is one. Multisampling is done by MuJoCo's own offscreen buffer, so the window needs none.
  glfwWindowHint(GLFW_VISIBLE, visible ? GLFW_TRUE : GLFW_FALSE);
  glfwWindowHint(GLFW_DOUBLEBUFFER, GLFW_TRUE);
  window_ = glfwCreateWindow(width, height, title.c_str(), nullptr, nullptr);
  if (window_ == nullptr) {
    glfwTerminate();
    fail("cannot open a " + std::to_string(width) + " x " + std::to_string(height) + " OpenGL window");
  }
  glfwMakeContextCurrent(window_);
}

GlfwWindow::~GlfwWindow() {
  glfwDestroyWindow(window_);
  glfwTerminate();
}

std::string GlfwWindow::renderer_name() const {
  const unsigned char* name = glGetString(GL_RENDERER);
  return name != nullptr ? reinterpret_cast<const char*>(name) : "unknown";
}

}  // namespace grl::viewer
