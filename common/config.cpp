#include "common/config.h"

#include <yaml-cpp/depthguard.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "common/atomic_file.h"

namespace grl::config {

std::string Check::describe() const {
  if (!choices.empty()) {
    std::string s = "{";
    for (std::size_t i = 0; i < choices.size(); ++i) s += (i ? ", " : "") + choices[i];
    return s + "}";
  }
  auto num = [](double v) {
    std::ostringstream s;
    s << v;
    return s.str();
  };
  if (min && max) {
    return std::string("a value in ") + (min_exclusive ? "(" : "[") + num(*min) + ", " + num(*max) +
           (max_exclusive ? ")" : "]");
  }
  if (min) return std::string("a value ") + (min_exclusive ? "> " : ">= ") + num(*min);
  if (max) return std::string("a value ") + (max_exclusive ? "< " : "<= ") + num(*max);
  return "any value";
}

bool Check::accepts(double v) const {
  if (min && (min_exclusive ? !(v > *min) : !(v >= *min))) return false;
  if (max && (max_exclusive ? !(v < *max) : !(v <= *max))) return false;
  return true;
}

namespace {

// YAML keeps one of two equal keys in a map and drops the other without a word (yaml-cpp: lookups find
// the first), so a preset edited by hand could carry a value nobody reads. Refuse them, naming both
// lines. `where` is a label and line prefix for errors; `path` the dotted key path so far.
void reject_duplicate_keys(const YAML::Node& node, const std::string& label, const std::string& path) {
  if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i) reject_duplicate_keys(node[i], label, path + "[" + std::to_string(i) + "]");
    return;
  }
  if (!node.IsMap()) return;
  std::map<std::string, int> first_line;
  for (const auto& item : node) {
    const std::string key = item.first.IsScalar() ? item.first.Scalar() : "";
    const std::string dotted = path.empty() ? key : path + "." + key;
    const int line = item.first.Mark().line + 1;
    if (item.first.IsScalar()) {
      const auto [it, inserted] = first_line.emplace(key, line);
      if (!inserted) {
        throw ConfigError(label + " line " + std::to_string(line) + ": key '" + dotted + "' appears twice (first at line " +
                          std::to_string(it->second) + "); YAML would keep only one of them");
      }
    }
    reject_duplicate_keys(item.second, label, dotted);
  }
}

Source from_node(YAML::Node root, const std::string& label) {
  if (!root || root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  if (!root.IsMap()) {
    throw ConfigError(label + " line " + std::to_string(root.Mark().line + 1) +
                      ": expected a map of keys at the top level");
  }
  reject_duplicate_keys(root, label, "");
  return Source{label, root, {}};
}

// Sets every key of `from` in `into`, recursing where both hold a section, and appends the dotted
// path of each key it set to `set_keys` (so that errors in them name the override, and errors in
// the keys it left name the file).
void merge_map_into(YAML::Node into, const YAML::Node& from, const std::string& prefix, std::vector<std::string>& set_keys) {
  const YAML::Node& lookup = into;  // const: a lookup must not add the key
  for (const auto& item : from) {
    const std::string key = item.first.Scalar();
    const std::string dotted = prefix.empty() ? key : prefix + "." + key;
    const YAML::Node current = lookup[key];
    if (item.second.IsMap() && current && current.IsMap()) {
      merge_map_into(into[key], item.second, dotted, set_keys);
    } else {
      into[key] = item.second;
      set_keys.push_back(dotted);
    }
  }
}

// The dotted paths of every value (not section) under `node`.
void collect_value_paths(const YAML::Node& node, const std::string& prefix, std::vector<std::string>& paths) {
  for (const auto& item : node) {
    const std::string key = prefix.empty() ? item.first.Scalar() : prefix + "." + item.first.Scalar();
    if (item.second.IsMap()) {
      collect_value_paths(item.second, key, paths);
    } else {
      paths.push_back(key);
    }
  }
}

std::string read_config_text(const std::string& path) {
  // The largest preset is a few kilobytes; a file of megabytes is a mistake (a dataset passed as
  // --preset), and yaml-cpp would hold hundreds of bytes per key of it before any check ran.
  constexpr std::uintmax_t kMaxConfigBytes = 4u << 20;
  try {
    require_regular_file(path, "config file (YAML)");
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec && size > kMaxConfigBytes) {
      throw std::runtime_error(path + ": a config file of " + std::to_string(size) + " bytes; config files are at most " +
                               std::to_string(kMaxConfigBytes >> 20) + " MiB");
    }
    return read_file(path);
  } catch (const std::runtime_error& e) {
    throw ConfigError(e.what());
  }
}

// `chain`: the files being loaded, outermost first, to refuse a cycle of extends.
Source load_file_in_chain(const std::string& path, std::vector<std::string>& chain) {
  if (!std::filesystem::exists(path)) throw ConfigError(path + ": config file not found");
  Source source = load_text(read_config_text(path), path);
  const YAML::Node& root = source.root;  // const: a lookup must not add the key
  const YAML::Node extends = root["extends"];
  if (!extends) return source;
  const std::string where = path + " line " + std::to_string(extends.Mark().line + 1) + ": key 'extends'";
  if (!extends.IsScalar() || extends.Scalar().empty()) throw ConfigError(where + ": expected the path of a base config file");
  const std::string base_path = (std::filesystem::path(path).parent_path() / extends.Scalar()).lexically_normal().string();
  if (!std::filesystem::exists(base_path)) {
    throw ConfigError(where + ": base file '" + extends.Scalar() + "' not found (looked for " + base_path + ")");
  }
  std::error_code ec;
  chain.push_back(std::filesystem::weakly_canonical(path, ec).string());
  const std::string base_id = std::filesystem::weakly_canonical(base_path, ec).string();
  for (const auto& loading : chain) {
    if (loading != base_id) continue;
    std::string cycle;
    for (const auto& file : chain) cycle += file + " -> ";
    throw ConfigError(where + ": extends form a cycle: " + cycle + base_id);
  }
  Source base = load_file_in_chain(base_path, chain);
  chain.pop_back();
  source.root.remove("extends");

  // Every value the base holds keeps its origin unless this file sets it.
  std::map<std::string, std::string> inherited;
  std::vector<std::string> base_paths;
  collect_value_paths(base.root, "", base_paths);
  for (const auto& key : base_paths) {
    const auto deeper = base.inherited.find(key);
    inherited[key] = deeper != base.inherited.end() ? deeper->second : base.file;
  }
  std::vector<std::string> set_keys;
  merge_map_into(base.root, source.root, "", set_keys);
  for (const auto& key : set_keys) {
    for (auto it = inherited.begin(); it != inherited.end();) {
      it = it->first == key || it->first.rfind(key + ".", 0) == 0 ? inherited.erase(it) : std::next(it);
    }
  }
  return Source{path, base.root, {}, inherited};
}

}  // namespace

Source load_file(const std::string& path) {
  std::vector<std::string> chain;
  return load_file_in_chain(path, chain);
}

Source load_text(const std::string& text, const std::string& label) {
  try {
    return from_node(YAML::Load(text), label);
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp's own message for this is "bad file", at a line that may not exist.
    throw ConfigError(label + ": not valid YAML: nested more than " + std::to_string(e.depth() - 1) +
                      " levels deep (configs nest a few levels)");
  } catch (const YAML::ParserException& e) {
    throw ConfigError(label + " line " + std::to_string(e.mark.line + 1) + ": not valid YAML: " + e.msg);
  }
}

void apply_overrides(Source& source, const std::vector<std::string>& overrides) {
  for (const std::string& text : overrides) {
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw ConfigError("command-line override '" + text + "': expected key.path=value");
    }
    const std::string key = text.substr(0, eq);
    YAML::Node value;
    try {
      value = YAML::Load(text.substr(eq + 1));
    } catch (const YAML::ParserException& e) {
      throw ConfigError("command-line override '" + text + "': value is not valid YAML: " + e.msg);
    }
    if (!value || value.IsNull()) value = YAML::Node(text.substr(eq + 1));
    reject_duplicate_keys(value, "command-line override '" + text + "'", key);

    std::vector<std::string> parts;
    std::stringstream ss(key);
    for (std::string part; std::getline(ss, part, '.');) {
      if (part.empty()) throw ConfigError("command-line override '" + text + "': empty key component");
      parts.push_back(part);
    }
    // yaml-cpp nodes are handles: walking with operator[] on a copy edits the shared tree.
    YAML::Node node = source.root;
    std::string walked;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      walked += (i ? "." : "") + parts[i];
      YAML::Node next = node[parts[i]];
      if (!next || next.IsNull()) {
        node[parts[i]] = YAML::Node(YAML::NodeType::Map);
        next = node[parts[i]];
      } else if (!next.IsMap()) {
        throw ConfigError("command-line override '" + text + "': key '" + walked +
                          "' holds a value, not a section");
      }
      node.reset(next);
    }
    // A section given as a map ("gmpo.policy={beta: 3}") changes the keys it names and keeps the
    // rest of the section as the preset and earlier overrides set it.
    const YAML::Node existing = YAML::Node(node)[parts.back()];
    if (value.IsMap() && existing && existing.IsMap()) {
      std::vector<std::string> set_keys;
      merge_map_into(node[parts.back()], value, key, set_keys);
      for (const auto& set : set_keys) source.overridden[set] = text;
    } else {
      node[parts.back()] = value;
      source.overridden[key] = text;
    }
  }
}

namespace detail {

std::string location(const Source& source, const std::string& path, const YAML::Node& node) {
  // A list item reports the override that set its list.
  // A list item reports the override that set its list; a section reports the override inside it.
  const std::string key = path.substr(0, path.find('['));
  for (const auto& [overridden_key, text] : source.overridden) {
    if (overridden_key == key || overridden_key.rfind(key + ".", 0) == 0) {
      return "command-line override '" + text + "'";
    }
  }
  const auto base = source.inherited.find(key);
  return (base != source.inherited.end() ? base->second : source.file) + " line " + std::to_string(node.Mark().line + 1);
}

std::string node_text(const YAML::Node& node) {
  if (node.IsScalar()) return "'" + node.Scalar() + "'";
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  return "nothing";
}

std::string closest_key(const std::string& key, const std::vector<std::string>& known) {
  auto distance = [](const std::string& a, const std::string& b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
      std::size_t diagonal = row[0];
      row[0] = i;
      for (std::size_t j = 1; j <= b.size(); ++j) {
        const std::size_t up = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
        diagonal = up;
      }
    }
    return row[b.size()];
  };
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, key.size() / 3) + 1;
  for (const auto& k : known) {
    const std::size_t d = distance(key, k);
    if (d < best_distance) {
      best = k;
      best_distance = d;
    }
  }
  return best;
}

}  // namespace detail

void Reader::finish() const {
  for (auto it = map_.begin(); it != map_.end(); ++it) {
    const std::string key = it->first.Scalar();
    if (consumed_.count(key)) continue;
    const std::string path = prefix_ + key;
    std::string message = detail::location(source_, path, it->first) + ": unknown key '" + path + "'";
    const std::string suggestion = detail::closest_key(key, known_);
    if (!suggestion.empty()) message += " (did you mean '" + prefix_ + suggestion + "'?)";
    std::string known_list;
    for (std::size_t i = 0; i < known_.size(); ++i) known_list += (i ? ", " : "") + known_[i];
    message += "; known keys" + (prefix_.empty() ? std::string() : " in '" + prefix_.substr(0, prefix_.size() - 1) + "'") +
               ": " + known_list;
    throw ConfigError(message);
  }
}

}  // namespace grl::config
