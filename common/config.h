// Typed configuration: YAML files and dotted command-line overrides parsed into plain structs.
//
// A config struct lists its fields once, in a visit() member, and that single list drives
// reading, checking and writing:
//
//   struct CriticConfig {
//     double lr = 3e-4;
//     int hidden = 256;
//     template <class V> void visit(V& v) {
//       v.field("lr", lr, "Adam learning rate", config::positive());
//       v.field("hidden", hidden, "width of the hidden layers", config::at_least(1));
//     }
//   };
//
// Every key is optional (the struct's initialisers are the defaults). An unknown key, a value of
// the wrong type, a value out of range or a non-finite number is a ConfigError whose message names
// the file and line (or the command-line override) and the full dotted key path. A file can extend
// a base file (`extends:`, see load_file), so that a family of presets is a base plus small deltas.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace grl::config {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Constraint on a numeric field (inclusive or exclusive bounds) or on a string (allowed values).
struct Check {
  std::optional<double> min, max;
  bool min_exclusive = false, max_exclusive = false;
  std::vector<std::string> choices;

  std::string describe() const;
  bool accepts(double value) const;
};

inline Check any() { return {}; }
inline Check positive() { return Check{0.0, std::nullopt, true, false, {}}; }
inline Check non_negative() { return Check{0.0, std::nullopt, false, false, {}}; }
inline Check at_least(double lo) { return Check{lo, std::nullopt, false, false, {}}; }
inline Check in_range(double lo, double hi) { return Check{lo, hi, false, false, {}}; }
inline Check open_range(double lo, double hi) { return Check{lo, hi, true, true, {}}; }
inline Check one_of(std::vector<std::string> choices) {
  Check c;
  c.choices = std::move(choices);
  return c;
}

// A parsed YAML document plus where each of its values came from.
struct Source {
  std::string file;                               // shown in messages ("<string>" for text)
  YAML::Node root;                                // always a map after load
  std::map<std::string, std::string> overridden;  // dotted key -> "key=value" as typed
  std::map<std::string, std::string> inherited;   // dotted key -> the base file it came from (extends:)
};

// Reads a YAML config file. A file may start from another one:
//
//   extends: gvp.yaml          # a path relative to this file's folder
//   dataset: hopper-medium-v2
//   gmpo: {policy: {beta: 16}}
//
// The base is loaded first (it may extend another), then this file's keys are laid over it: a
// section merges key by key, a value or a list replaces the base's. Errors in inherited values name
// the base file and its line; a missing base or a cycle of extends is an error naming the files.
Source load_file(const std::string& path);
Source load_text(const std::string& text, const std::string& label);
// Applies "a.b.c=value" overrides; the value is parsed as YAML ("1e-4", "[1, 2]", "true").
void apply_overrides(Source& source, const std::vector<std::string>& overrides);

namespace detail {

std::string location(const Source& source, const std::string& path, const YAML::Node& node);
std::string closest_key(const std::string& key, const std::vector<std::string>& known);
std::string node_text(const YAML::Node& node);

template <class T>
constexpr const char* type_name() {
  if constexpr (std::is_same_v<T, bool>) return "a boolean (true/false)";
  else if constexpr (std::is_integral_v<T>) return "an integer";
  else if constexpr (std::is_floating_point_v<T>) return "a number";
  else return "a string";
}

template <class T>
T convert_scalar(const Source& source, const std::string& path, const YAML::Node& node) {
  auto fail = [&](const std::string& why) -> ConfigError {
    return ConfigError(location(source, path, node) + ": key '" + path + "': expected " +
                       type_name<T>() + ", got " + why);
  };
  if (!node.IsScalar()) throw fail(node.IsMap() ? "a map" : node.IsSequence() ? "a list" : "nothing");
  T value{};
  try {
    if constexpr (std::is_same_v<T, std::string>) {
      value = node.Scalar();
    } else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      // Checked before narrowing: 10000000000 for an int field must not wrap to 1410065408.
      const long long wide = node.as<long long>();
      bool fits = false;
      if constexpr (std::is_signed_v<T>) {
        fits = wide >= static_cast<long long>(std::numeric_limits<T>::min()) &&
               wide <= static_cast<long long>(std::numeric_limits<T>::max());
      } else {
        fits = wide >= 0 && static_cast<unsigned long long>(wide) <= std::numeric_limits<T>::max();
      }
      if (!fits) {
        throw fail("'" + node.Scalar() + "', outside what this key can hold (" +
                   std::to_string(std::numeric_limits<T>::min()) + " to " + std::to_string(std::numeric_limits<T>::max()) + ")");
      }
      value = static_cast<T>(wide);
    } else {
      value = node.as<T>();
    }
  } catch (const YAML::Exception&) {
    throw fail("'" + node.Scalar() + "'");
  }
  if constexpr (std::is_floating_point_v<T>) {
    if (!std::isfinite(value)) throw fail("the non-finite value '" + node.Scalar() + "'");
  }
  return value;
}

template <class T>
void check_value(const Source& source, const std::string& path, const YAML::Node& node, const T& value,
                 const Check& check) {
  if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
    if (!check.accepts(static_cast<double>(value))) {
      throw ConfigError(location(source, path, node) + ": key '" + path + "': value " + node_text(node) +
                        " is out of range, expected " + check.describe());
    }
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!check.choices.empty()) {
      for (const auto& c : check.choices)
        if (c == value) return;
      throw ConfigError(location(source, path, node) + ": key '" + path + "': '" + value +
                        "' is not one of " + check.describe());
    }
  }
}

}  // namespace detail

template <class T>
struct is_vector : std::false_type {};
template <class T>
struct is_vector<std::vector<T>> : std::true_type {};

// Reads a struct from a YAML map, consuming keys; finish() rejects keys nobody consumed.
class Reader {
 public:
  Reader(const Source& source, YAML::Node map, std::string prefix)
      : source_(source), map_(std::move(map)), prefix_(std::move(prefix)) {}

  template <class T>
  void field(const std::string& key, T& value, const std::string& help = "", const Check& check = {}) {
    known_.push_back(key);
    const YAML::Node node = map_[key];
    if (!node) return;
    consumed_.insert(key);
    const std::string path = prefix_ + key;
    if constexpr (is_vector<T>::value) {
      using E = typename T::value_type;
      if (!node.IsSequence()) {
        throw ConfigError(detail::location(source_, path, node) + ": key '" + path + "': expected a list of " +
                          detail::type_name<E>() + "s, got " + detail::node_text(node));
      }
      T parsed;
      for (std::size_t i = 0; i < node.size(); ++i) {
        const std::string item_path = path + "[" + std::to_string(i) + "]";
        E item = detail::convert_scalar<E>(source_, item_path, node[i]);
        detail::check_value(source_, item_path, node[i], item, check);
        parsed.push_back(item);
      }
      value = std::move(parsed);
    } else {
      T parsed = detail::convert_scalar<T>(source_, path, node);
      detail::check_value(source_, path, node, parsed, check);
      value = parsed;
    }
  }

  template <class S>
  void section(const std::string& key, S& sub, const std::string& help = "") {
    known_.push_back(key);
    const YAML::Node node = map_[key];
    if (!node) return;
    consumed_.insert(key);
    const std::string path = prefix_ + key;
    if (!node.IsMap()) {
      throw ConfigError(detail::location(source_, path, node) + ": key '" + path +
                        "': expected a section (a map of keys), got " + detail::node_text(node));
    }
    Reader child(source_, node, path + ".");
    sub.visit(child);
    child.finish();
  }

  // A list of sections ("algorithms: [{...}, {...}]"): each item is read into a fresh S (its defaults)
  // with the key path "<key>[i].<field>" in messages. An absent key leaves `items` as it is.
  template <class S>
  void list(const std::string& key, std::vector<S>& items, const std::string& help = "") {
    known_.push_back(key);
    const YAML::Node node = map_[key];
    if (!node) return;
    consumed_.insert(key);
    const std::string path = prefix_ + key;
    if (!node.IsSequence()) {
      throw ConfigError(detail::location(source_, path, node) + ": key '" + path + "': expected a list of sections, got " +
                        detail::node_text(node));
    }
    std::vector<S> parsed;
    for (std::size_t i = 0; i < node.size(); ++i) {
      const std::string item_path = path + "[" + std::to_string(i) + "]";
      if (!node[i].IsMap()) {
        throw ConfigError(detail::location(source_, item_path, node[i]) + ": key '" + item_path +
                          "': expected a section (a map of keys), got " + detail::node_text(node[i]));
      }
      S item{};
      Reader child(source_, node[i], item_path + ".");
      item.visit(child);
      child.finish();
      parsed.push_back(std::move(item));
    }
    items = std::move(parsed);
  }

  void finish() const;

 private:
  const Source& source_;
  YAML::Node map_;
  std::string prefix_;
  std::vector<std::string> known_;
  std::set<std::string> consumed_;
};

// Writes a struct as YAML, with each field's help as a trailing comment.
class Writer {
 public:
  explicit Writer(YAML::Emitter& out) : out_(out) {}

  template <class T>
  void field(const std::string& key, const T& value, const std::string& help = "", const Check& = {}) {
    out_ << YAML::Key << key << YAML::Value;
    if constexpr (is_vector<T>::value) {
      out_ << YAML::Flow << YAML::BeginSeq;
      for (const auto& item : value) emit(item);
      out_ << YAML::EndSeq;
    } else {
      emit(value);
    }
    if (!help.empty()) out_ << YAML::Comment(help);
  }

  template <class S>
  void section(const std::string& key, const S& sub, const std::string& help = "") {
    out_ << YAML::Key << key << YAML::Value << YAML::BeginMap;
    Writer child(out_);
    const_cast<S&>(sub).visit(child);
    out_ << YAML::EndMap;
  }

  template <class S>
  void list(const std::string& key, const std::vector<S>& items, const std::string& help = "") {
    out_ << YAML::Key << key << YAML::Value << YAML::BeginSeq;
    for (const auto& item : items) {
      out_ << YAML::BeginMap;
      Writer child(out_);
      const_cast<S&>(item).visit(child);
      out_ << YAML::EndMap;
    }
    out_ << YAML::EndSeq;
  }

 private:
  template <class T>
  void emit(const T& value) {
    if constexpr (std::is_floating_point_v<T>) {
      // Shortest text that reads back to the same double.
      std::ostringstream s;
      s.precision(std::numeric_limits<double>::max_digits10);
      s << static_cast<double>(value);
      std::string text = s.str();
      double shorter = 0;
      for (int p = 1; p <= std::numeric_limits<double>::max_digits10; ++p) {
        std::ostringstream t;
        t.precision(p);
        t << static_cast<double>(value);
        std::istringstream(t.str()) >> shorter;
        if (static_cast<T>(shorter) == value) {
          text = t.str();
          break;
        }
      }
      out_ << text;
    } else {
      out_ << value;
    }
  }

  YAML::Emitter& out_;
};

// Parses `source` into a T (starting from T's defaults) and rejects unknown keys.
template <class T>
T parse(const Source& source, T value = T{}) {
  Reader reader(source, source.root, "");
  value.visit(reader);
  reader.finish();
  return value;
}

template <class T>
T load(const std::string& path, const std::vector<std::string>& overrides = {}) {
  Source source = load_file(path);
  apply_overrides(source, overrides);
  return parse<T>(source);
}

// The fully resolved config as YAML text (every field, defaults included).
template <class T>
std::string to_yaml(const T& value) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  Writer writer(out);
  const_cast<T&>(value).visit(writer);
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace grl::config
