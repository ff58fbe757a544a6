#include "datasets/transition_set.h"

#include "datasets/dataset_error.h"

namespace grl::datasets {

TransitionSet TransitionSet::to(const torch::Device& device) const {
  TransitionSet out;
  out.observations = observations.to(device);
  out.actions = actions.to(device);
  out.rewards = rewards.to(device);
  out.next_observations = next_observations.to(device);
  out.dones = dones.to(device);
  for (const auto& [key, value] : extras) out.extras[key] = value.to(device);
  return out;
}

TransitionSet TransitionSet::select(const torch::Tensor& indices) const {
  TransitionSet out;
  out.observations = observations.index_select(0, indices);
  out.actions = actions.index_select(0, indices);
  out.rewards = rewards.index_select(0, indices);
  out.next_observations = next_observations.index_select(0, indices);
  out.dones = dones.index_select(0, indices);
  for (const auto& [key, value] : extras) out.extras[key] = value.index_select(0, indices);
  return out;
}

void TransitionSet::check() const {
  const std::pair<const char*, const torch::Tensor*> fields[] = {{"observations", &observations},
                                                                  {"actions", &actions},
                                                                  {"rewards", &rewards},
                                                                  {"next_observations", &next_observations},
                                                                  {"dones", &dones}};
  for (const auto& [name, tensor] : fields) {
    if (!tensor->defined() || tensor->dim() != 2)
      throw DatasetError(std::string("transition set: '") + name + "' must be a 2-D tensor");
    if (tensor->size(0) != size())
      throw DatasetError(std::string("transition set: '") + name + "' has " + std::to_string(tensor->size(0)) +
                         " rows, 'observations' has " + std::to_string(size()));
  }
  if (rewards.size(1) != 1 || dones.size(1) != 1) throw DatasetError("transition set: rewards and dones must be (N, 1)");
  if (next_observations.size(1) != observations.size(1))
    throw DatasetError("transition set: next_observations and observations differ in width");
  for (const auto& [key, value] : extras)
    if (!value.defined() || value.dim() < 1 || value.size(0) != size())
      throw DatasetError("transition set: extra field '" + key + "' does not have " + std::to_string(size()) + " rows");
}

}  // namespace grl::datasets
