// The viewer's camera: tracks the robot's torso by default and takes mouse orbit / zoom / pan the
// way MuJoCo's own `simulate` does (left drag rotates, right drag moves, middle drag or the wheel
// zooms; shift swaps vertical for horizontal motion).
#pragma once

#include <mujoco/mujoco.h>

namespace grl::viewer {

enum class MouseButton { none, left, right, middle };

class CameraController {
 public:
  // Tracking camera on body 1 (the torso of every locomotion model), looking at the robot's side.
  explicit CameraController(const mjModel* model);

  mjvCamera& camera() { return camera_; }
  // Tracking follows the torso (the lookat point moves with it); free keeps the lookat point fixed.
  void set_tracking(bool tracking);
  bool tracking() const { return camera_.type == mjCAMERA_TRACKING; }
  // Back to the initial distance, azimuth and elevation.
  void reset_view();

  // A drag of (dx, dy) pixels in a window `height` pixels tall with `button` held.
  void drag(MouseButton button, bool shift, double dx, double dy, int height, const mjvScene& scene);
  // A wheel turn of `dy` notches (positive: towards the user, zooming in).
  void scroll(double dy, const mjvScene& scene);

 private:
  const mjModel* model_;
  mjvCamera camera_;
};

}  // namespace grl::viewer
