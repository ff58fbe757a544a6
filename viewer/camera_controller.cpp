#include "viewer/camera_controller.h"

namespace grl::viewer {

CameraController::CameraController(const mjModel* model) : model_(model) {
  mjv_defaultCamera(&camera_);
  set_tracking(true);
  reset_view();
}

void CameraController::set_tracking(bool tracking) {
  if (tracking) {
    camera_.type = mjCAMERA_TRACKING;
    camera_.trackbodyid = model_->nbody > 1 ? 1 : 0;
  } else {
    // The free camera starts where the tracking camera was, so switching does not jump.
    camera_.type = mjCAMERA_FREE;
    camera_.trackbodyid = -1;
  }
}

void CameraController::reset_view() {
  // A side view: azimuth 90 looks along +y, so forward motion (+x) runs left to right. The models'
  // stat.extent includes the 40 m floor, so the distance is set from the robot's size instead.
  camera_.azimuth = 90;
  camera_.elevation = -15;
  camera_.distance = model_->nbody > 12 ? 6.0 : 3.5;  // the ant is wider than the planar robots
  camera_.lookat[0] = 0;
  camera_.lookat[1] = 0;
  camera_.lookat[2] = 0.8;
}

void CameraController::drag(MouseButton button, bool shift, double dx, double dy, int height,
                            const mjvScene& scene) {
  if (button == MouseButton::none || height <= 0) return;
  int action = mjMOUSE_ZOOM;
  if (button == MouseButton::left) action = shift ? mjMOUSE_ROTATE_H : mjMOUSE_ROTATE_V;
  if (button == MouseButton::right) action = shift ? mjMOUSE_MOVE_H : mjMOUSE_MOVE_V;
  mjv_moveCamera(model_, action, dx / height, dy / height, &scene, &camera_);
}

void CameraController::scroll(double dy, const mjvScene& scene) {
  mjv_moveCamera(model_, mjMOUSE_ZOOM, 0, -0.05 * dy, &scene, &camera_);
}

}  // namespace grl::viewer
