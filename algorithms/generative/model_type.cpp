#include "algorithms/generative/model_type.h"

#include <stdexcept>

namespace grl::generative {

std::string to_string(ModelType type) {
  switch (type) {
    case ModelType::score: return "score";
    case ModelType::noise: return "noise";
    case ModelType::velocity: return "velocity";
    case ModelType::data: return "data";
  }
  return "unknown";
}

ModelType parse_model_type(const std::string& name) {
  if (name == "score") return ModelType::score;
  if (name == "noise" || name == "eps") return ModelType::noise;
  if (name == "velocity") return ModelType::velocity;
  if (name == "data" || name == "x0") return ModelType::data;
  throw std::invalid_argument("unknown model type '" + name +
                              "' (expected one of: score, noise (eps), velocity, data (x0))");
}

}  // namespace grl::generative
