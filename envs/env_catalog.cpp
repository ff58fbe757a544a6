#include "envs/env_catalog.h"

#include <stdexcept>

namespace grl::envs {

const std::vector<EnvSpec>& env_specs() {
  // Dimensions and timing: gym v2 classes. Reference returns: D4RL (same for v0, v1, v2).
  static const std::vector<EnvSpec> specs = {
      {"halfcheetah", "HalfCheetah", 17, 6, 9, 9, 0.05, 1000, -280.178953, 12135.0},
      {"hopper", "Hopper", 11, 3, 6, 6, 0.008, 1000, -20.272305, 3234.3},
      {"walker2d", "Walker2d", 17, 6, 9, 9, 0.008, 1000, 1.629008, 4592.3},
      {"ant", "Ant", 111, 8, 15, 14, 0.05, 1000, -325.6, 3879.7},
  };
  return specs;
}

std::optional<EnvSpec> find_env_spec(const std::string& id) {
  for (const auto& spec : env_specs())
    if (spec.id == id) return spec;
  return std::nullopt;
}

const EnvSpec& env_spec(const std::string& id) {
  for (const auto& spec : env_specs())
    if (spec.id == id) return spec;
  std::string known;
  for (const auto& spec : env_specs()) known += (known.empty() ? "" : ", ") + spec.id;
  throw std::invalid_argument("unknown environment '" + id + "' (known: " + known + ")");
}

namespace {
const std::vector<std::string> kKinds = {"random", "medium-replay", "medium-expert", "medium", "expert", "full-replay"};
}

std::optional<DatasetId> try_parse_dataset_id(const std::string& text) {
  // <env>-<kind>[-native]-v<N>
  const auto dash_v = text.rfind("-v");
  if (dash_v == std::string::npos || dash_v + 2 >= text.size()) return std::nullopt;
  const std::string version = text.substr(dash_v + 1);
  for (char c : version.substr(1))
    if (c < '0' || c > '9') return std::nullopt;
  std::string rest = text.substr(0, dash_v);
  bool native = false;
  std::int64_t transitions = 0;
  // A small native variant ends in "-native-<N>k".
  if (const auto last = rest.rfind('-'); last != std::string::npos && rest.size() > last + 2 && rest.back() == 'k') {
    const std::string digits = rest.substr(last + 1, rest.size() - last - 2);
    const bool numeric = !digits.empty() && digits.find_first_not_of("0123456789") == std::string::npos;
    const std::string before = rest.substr(0, last);
    const std::string native_suffix = "-native";
    if (numeric && before.size() > native_suffix.size() &&
        before.compare(before.size() - native_suffix.size(), native_suffix.size(), native_suffix) == 0) {
      transitions = std::stoll(digits) * 1000;
      if (transitions == 0) return std::nullopt;
      rest = before;
    }
  }
  const std::string native_suffix = "-native";
  if (rest.size() > native_suffix.size() && rest.compare(rest.size() - native_suffix.size(), native_suffix.size(), native_suffix) == 0) {
    native = true;
    rest.resize(rest.size() - native_suffix.size());
  }
  const auto dash = rest.find('-');
  if (dash == std::string::npos) return std::nullopt;
  const std::string env = rest.substr(0, dash), kind = rest.substr(dash + 1);
  if (!find_env_spec(env)) return std::nullopt;
  for (const auto& k : kKinds)
    if (k == kind) return DatasetId{env, kind, version, native, transitions};
  return std::nullopt;
}

DatasetId parse_dataset_id(const std::string& text) {
  if (auto id = try_parse_dataset_id(text)) return *id;
  std::string kinds;
  for (const auto& k : kKinds) kinds += (kinds.empty() ? "" : ", ") + k;
  throw std::invalid_argument("'" + text + "' is not a dataset id: expected <env>-<kind>-v<N> with env one of "
                              "halfcheetah, hopper, walker2d, ant and kind one of " + kinds +
                              " (native datasets: <env>-<kind>-native-v<N>, small variants <env>-<kind>-native-<N>k-v<N>)");
}

namespace {

std::string size_tag(std::int64_t transitions) {
  return transitions > 0 ? std::to_string(transitions / 1000) + "k" : std::string();
}

}  // namespace

std::string DatasetId::to_string() const {
  if (!native) return env + "-" + kind + "-" + version;
  return env + "-" + kind + "-native-" + (transitions > 0 ? size_tag(transitions) + "-" : "") + version;
}

std::string DatasetId::d4rl_file_name() const {
  std::string k = kind;
  for (char& c : k)
    if (c == '-') c = '_';
  if (!native) return env + "_" + k + "-" + version + ".hdf5";
  return env + "_" + k + "_native" + (transitions > 0 ? "_" + size_tag(transitions) : "") + "-" + version + ".hdf5";
}

double normalized_score(const EnvSpec& spec, double episode_return) {
  return 100.0 * (episode_return - spec.ref_min_return) / (spec.ref_max_return - spec.ref_min_return);
}

}  // namespace grl::envs
