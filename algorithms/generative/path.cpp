#include "algorithms/generative/path.h"

#include <stdexcept>

namespace grl::generative {

std::string to_string(PathKind kind) {
  switch (kind) {
    case PathKind::vpsde: return "vpsde";
    case PathKind::gvp: return "gvp";
    case PathKind::linear: return "linear";
    case PathKind::icfm: return "icfm";
    case PathKind::otcfm: return "otcfm";
  }
  return "unknown";
}

std::string GenerativePath::name() const { return to_string(kind); }

GenerativePath make_path(const std::string& name, const PathOptions& options) {
  GenerativePath path;
  path.flow = options.flow;
  if (name == "icfm" || name == "otcfm") {
    if (!(options.flow.sigma >= 0.0)) {
      throw std::invalid_argument("path '" + name + "': flow sigma must be >= 0, got " +
                                  std::to_string(options.flow.sigma));
    }
    path.kind = name == "icfm" ? PathKind::icfm : PathKind::otcfm;
    return path;
  }
  if (name == "vpsde" || name == "linear_vp_sde" || name == "vp" || name == "gvp" || name == "linear") {
    path.diffusion = make_diffusion_path(name, options.diffusion);
    switch (path.diffusion->kind()) {
      case DiffusionPathKind::vpsde: path.kind = PathKind::vpsde; break;
      case DiffusionPathKind::gvp: path.kind = PathKind::gvp; break;
      case DiffusionPathKind::linear: path.kind = PathKind::linear; break;
    }
    return path;
  }
  throw std::invalid_argument("unknown path '" + name + "' (expected one of: vpsde, gvp, linear, icfm, otcfm)");
}

}  // namespace grl::generative
