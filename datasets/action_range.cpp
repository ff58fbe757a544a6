#include "datasets/action_range.h"

#include <sstream>

#include "datasets/dataset_error.h"

namespace grl::datasets {

void require_actions_in_range(const torch::Tensor& actions, const envs::EnvSpec& env, const std::string& label,
                              const std::string& key) {
  if (!actions.defined() || actions.numel() == 0) return;
  const double bound = env.action_limit + kActionRangeTolerance;
  const torch::Tensor outside = actions.abs().gt(bound).reshape({-1});
  if (!outside.any().item<bool>()) return;
  const std::int64_t flat = outside.to(torch::kUInt8).argmax().item<std::int64_t>();
  const std::int64_t columns = actions.dim() >= 2 ? actions.size(-1) : 1;
  std::ostringstream message;
  message << label << ": key '" << key << "': row " << flat / columns;
  if (actions.dim() >= 2) message << ", column " << flat % columns;
  message << " is " << actions.reshape({-1})[flat].item<double>() << ", outside " << env.id << "'s action range [-"
          << env.action_limit << ", " << env.action_limit << "] by more than " << kActionRangeTolerance
          << " (a corrupted row? the env would clip it, but training would fit it as given)";
  throw DatasetError(message.str());
}

}  // namespace grl::datasets
