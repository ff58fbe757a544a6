// Every probability path a generative policy can be trained on: the three diffusion paths and the two
// flow-matching paths (ICFM, OT-CFM), behind one value type chosen by name.
#pragma once

#include "algorithms/generative/diffusion_path.h"
#include "algorithms/generative/ot_pairing.h"

#include <string>

namespace grl::generative {

enum class PathKind { vpsde, gvp, linear, icfm, otcfm };

// Flow-matching paths in flow time (t=0 noise x0 ~ N(0, I), t=1 data x1):
// x_t = (1 - t) x0 + t x1 + sigma z, target velocity x1 - x0.
struct FlowPathOptions {
  double sigma = 0.1;
  OtOptions ot;  // OT-CFM only
};

struct PathOptions {
  DiffusionPathOptions diffusion;
  FlowPathOptions flow;
};

struct GenerativePath {
  PathKind kind = PathKind::vpsde;
  DiffusionPathPtr diffusion;  // set for vpsde, gvp, linear; null for flows
  FlowPathOptions flow;        // used by icfm, otcfm

  bool is_flow() const { return kind == PathKind::icfm || kind == PathKind::otcfm; }
  std::string name() const;
};

// "vpsde", "gvp", "linear", "icfm", "otcfm" (diffusion aliases as in make_diffusion_path); throws
// std::invalid_argument naming the value and the known names otherwise.
GenerativePath make_path(const std::string& name, const PathOptions& options = {});
std::string to_string(PathKind kind);

}  // namespace grl::generative
