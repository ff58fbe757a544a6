#include "common/registry.h"

#include "common/config.h"  // closest_key: the same "did you mean" as unknown config keys

namespace grl::registry_detail {
namespace {

std::string join(const std::vector<std::string>& names) {
  if (names.empty()) return "(none registered)";
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
  return out;
}

}  // namespace

std::string unknown_name_message(const std::string& kind, const std::string& name,
                                 const std::vector<std::string>& known) {
  std::string message = "unknown " + kind + " '" + name + "'";
  const std::string suggestion = config::detail::closest_key(name, known);
  if (!suggestion.empty()) message += " (did you mean '" + suggestion + "'?)";
  return message + "; known " + kind + "s: " + join(known);
}

std::string duplicate_name_message(const std::string& kind, const std::string& name,
                                   const std::vector<std::string>& known) {
  return "a " + kind + " named '" + name + "' is already registered (two plugins or two registrations " +
         "use the same name); known " + kind + "s: " + join(known);
}

}  // namespace grl::registry_detail
