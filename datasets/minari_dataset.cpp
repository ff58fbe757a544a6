#include "datasets/minari_dataset.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "datasets/d4rl_transitions.h"
#include "datasets/dataset_error.h"
#include "datasets/finite_check.h"
#include "datasets/hdf5_file.h"

namespace grl::datasets {

namespace {

void read_metadata(MinariDataset& dataset) {
  const auto file = dataset.data_file.parent_path() / "metadata.json";
  std::ifstream in(file);
  if (!in) return;
  std::stringstream text;
  text << in.rdbuf();
  dataset.metadata_json = text.str();
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(dataset.metadata_json);
  } catch (const std::exception& e) {
    throw DatasetError(file.string() + ": not valid JSON: " + e.what());
  }
  if (json.contains("dataset_id") && json["dataset_id"].is_string()) dataset.dataset_id = json["dataset_id"];
  if (json.contains("ref_min_score") && json["ref_min_score"].is_number()) dataset.ref_min_score = json["ref_min_score"].get<double>();
  if (json.contains("ref_max_score") && json["ref_max_score"].is_number()) dataset.ref_max_score = json["ref_max_score"].get<double>();
  if (json.contains("env_spec")) {
    nlohmann::json spec = json["env_spec"];
    if (spec.is_string()) {  // Minari stores the EnvSpec as a JSON string inside the JSON
      try {
        spec = nlohmann::json::parse(spec.get<std::string>());
      } catch (const std::exception&) {
        spec = nullptr;
      }
    }
    if (spec.is_object() && spec.contains("id") && spec["id"].is_string()) dataset.env_id = spec["id"];
  }
  if (json.contains("total_steps") && json["total_steps"].is_number_integer()) {
    const auto expected = json["total_steps"].get<int64_t>();
    if (expected != dataset.total_steps())
      throw DatasetError(file.string() + ": key 'total_steps' says " + std::to_string(expected) + " but the episodes in " +
                         dataset.data_file.string() + " hold " + std::to_string(dataset.total_steps()) + " steps");
  }
  if (json.contains("total_episodes") && json["total_episodes"].is_number_integer()) {
    const auto expected = json["total_episodes"].get<int64_t>();
    if (expected != static_cast<int64_t>(dataset.episodes.size()))
      throw DatasetError(file.string() + ": key 'total_episodes' says " + std::to_string(expected) + " but " +
                         dataset.data_file.string() + " holds " + std::to_string(dataset.episodes.size()) + " episodes");
  }
}

torch::Tensor read_array(hid_t h5, const std::string& key, const std::string& label) {
  if (hdf5::is_group(h5, key))
    fail_key(label, key, "is a group (a dict space); only array (Box) observations and actions are supported");
  if (!hdf5::is_dataset(h5, key)) fail_key(label, key, "required key is missing");
  return hdf5::read_tensor(h5, key, label);
}

}  // namespace

std::int64_t MinariDataset::total_steps() const {
  std::int64_t steps = 0;
  for (const auto& e : episodes) steps += e.steps();
  return steps;
}

MinariDataset read_minari_dataset(const std::filesystem::path& data_file) {
  MinariDataset dataset;
  dataset.data_file = data_file;
  const std::string label = data_file.string();
  hdf5::Handle handle = hdf5::open_file_readonly(data_file);
  const hid_t h5 = handle.get();
  std::vector<std::pair<int64_t, std::string>> groups;
  for (const auto& child : hdf5::list_children(h5)) {
    if (child.rfind("episode_", 0) != 0) continue;
    try {
      groups.emplace_back(std::stoll(child.substr(8)), child);
    } catch (const std::exception&) {
      fail_key(label, child, "episode group name does not end in a number");
    }
  }
  if (groups.empty()) throw DatasetError(label + ": no episode_<id> groups (not a Minari main_data.hdf5)");
  std::sort(groups.begin(), groups.end());
  for (const auto& [id, group] : groups) {
    MinariEpisode e;
    e.id = id;
    if (auto seed = hdf5::read_attribute(h5, group, "seed"))
      if (const auto* value = std::get_if<std::int64_t>(&*seed)) e.seed = *value;
    e.observations = read_array(h5, group + "/observations", label);
    e.actions = read_array(h5, group + "/actions", label);
    e.rewards = read_array(h5, group + "/rewards", label).reshape({-1});
    e.terminations = per_row_flags(read_array(h5, group + "/terminations", label));
    e.truncations = per_row_flags(read_array(h5, group + "/truncations", label));
    if (e.actions.dim() == 1) e.actions = e.actions.unsqueeze(1);
    if (e.observations.dim() != 2) fail_key(label, group + "/observations", "expected a 2-D array (T+1, obs_dim)");
    if (e.actions.dim() != 2) fail_key(label, group + "/actions", "expected a 2-D array (T, act_dim)");
    const int64_t steps = e.actions.size(0);
    if (e.observations.size(0) != steps + 1)
      fail_key(label, group + "/observations",
           "has " + std::to_string(e.observations.size(0)) + " rows, expected " + std::to_string(steps + 1) +
               " (one more than the " + std::to_string(steps) + " actions: the reset observation is included)");
    const std::pair<const char*, const torch::Tensor*> per_step[] = {
        {"rewards", &e.rewards}, {"terminations", &e.terminations}, {"truncations", &e.truncations}};
    for (const auto& [key, tensor] : per_step)
      if (tensor->size(0) != steps)
        fail_key(label, group + "/" + key, "has " + std::to_string(tensor->size(0)) + " rows but 'actions' has " + std::to_string(steps));
    if (!dataset.episodes.empty()) {
      const auto& first = dataset.episodes.front();
      if (e.observations.size(1) != first.observations.size(1) || e.actions.size(1) != first.actions.size(1))
        fail_key(label, group, "observation/action widths differ from " + std::string("episode_") + std::to_string(first.id));
    }
    require_finite(e.observations, label, group + "/observations");
    require_finite(e.actions, label, group + "/actions");
    require_finite(e.rewards, label, group + "/rewards");
    if (hdf5::is_group(h5, group + "/infos")) {
      for (const auto& name : hdf5::list_children(h5, group + "/infos")) {
        const std::string key = group + "/infos/" + name;
        if (!hdf5::is_dataset(h5, key) || hdf5::is_string_dataset(h5, key)) continue;
        e.infos[name] = hdf5::read_tensor(h5, key, label);
      }
    }
    dataset.episodes.push_back(std::move(e));
  }
  dataset.dataset_id = data_file.parent_path().parent_path().filename().string();
  read_metadata(dataset);
  return dataset;
}

TransitionSet minari_transitions(const MinariDataset& dataset) {
  std::vector<torch::Tensor> s, a, r, next, done;
  for (const auto& e : dataset.episodes) {
    const int64_t t = e.steps();
    if (t == 0) continue;
    s.push_back(e.observations.narrow(0, 0, t));
    next.push_back(e.observations.narrow(0, 1, t));
    a.push_back(e.actions);
    r.push_back(e.rewards);
    done.push_back(e.terminations);
  }
  if (s.empty()) throw DatasetError(dataset.data_file.string() + ": the episodes hold no steps");
  TransitionSet set;
  set.observations = torch::cat(s).to(torch::kFloat).contiguous();
  set.next_observations = torch::cat(next).to(torch::kFloat).contiguous();
  set.actions = torch::cat(a).to(torch::kFloat).contiguous();
  set.rewards = torch::cat(r).to(torch::kFloat).unsqueeze(1).contiguous();
  set.dones = torch::cat(done).to(torch::kFloat).unsqueeze(1).contiguous();
  return set;
}

D4rlFile minari_to_d4rl(const MinariDataset& dataset) {
  std::vector<torch::Tensor> s, next, a, r, terminals, timeouts;
  for (const auto& e : dataset.episodes) {
    const int64_t t = e.steps();
    if (t == 0) continue;
    s.push_back(e.observations.narrow(0, 0, t));
    next.push_back(e.observations.narrow(0, 1, t));
    a.push_back(e.actions);
    r.push_back(e.rewards);
    terminals.push_back(e.terminations);
    auto timeout = e.truncations.clone();
    if (!e.terminations[t - 1].item<bool>() && !e.truncations[t - 1].item<bool>()) timeout[t - 1] = true;
    timeouts.push_back(timeout);
  }
  if (s.empty()) throw DatasetError(dataset.data_file.string() + ": the episodes hold no steps");
  D4rlFile file;
  file.observations = torch::cat(s).contiguous();
  file.next_observations = torch::cat(next).contiguous();
  file.actions = torch::cat(a).contiguous();
  file.rewards = torch::cat(r).contiguous();
  file.terminals = torch::cat(terminals).contiguous();
  file.timeouts = torch::cat(timeouts).contiguous();
  // infos: only keys every episode has with one row per step (or per observation), same width.
  if (!dataset.episodes.empty()) {
    for (const auto& [key, first] : dataset.episodes.front().infos) {
      std::vector<torch::Tensor> parts;
      bool consistent = true;
      for (const auto& e : dataset.episodes) {
        auto it = e.infos.find(key);
        if (it == e.infos.end() || it->second.dim() < 1 || !it->second.sizes().slice(1).equals(first.sizes().slice(1)) ||
            it->second.scalar_type() != first.scalar_type() ||
            (it->second.size(0) != e.steps() && it->second.size(0) != e.steps() + 1)) {
          consistent = false;
          break;
        }
        if (e.steps() > 0) parts.push_back(it->second.narrow(0, 0, e.steps()));
      }
      if (consistent && !parts.empty()) file.infos[key] = torch::cat(parts).contiguous();
      else file.skipped.push_back("infos/" + key + ": differs between episodes");
    }
  }
  file.metadata["source"] = std::string("minari");
  file.metadata["minari_dataset_id"] = dataset.dataset_id;
  if (!dataset.env_id.empty()) file.metadata["env_id"] = dataset.env_id;
  if (!dataset.metadata_json.empty()) file.metadata["minari_metadata_json"] = dataset.metadata_json;
  return file;
}

}  // namespace grl::datasets
