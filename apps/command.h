// Subcommands of `grl` register themselves here, one file each (apps/<name>_command.cpp), so that
// adding a command never touches main.cpp.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

#include "common/runtime.h"

namespace grl::cli {

// Options every subcommand sees; applied before the subcommand runs.
struct GlobalOptions {
  RuntimeSettings runtime;
};

// A subcommand adds itself (and any children) to `parent` and returns what to run when it was chosen.
struct CommandEntry {
  std::string name;
  int order;  // position in --help
  std::function<std::function<int()>(CLI::App& parent, GlobalOptions& global)> add;
};

bool register_command(CommandEntry entry);
std::vector<CommandEntry>& registered_commands();

}  // namespace grl::cli

#define GRL_CONCAT_INNER(a, b) a##b
#define GRL_CONCAT(a, b) GRL_CONCAT_INNER(a, b)
#define GRL_REGISTER_COMMAND(name, order, add_function) \
  static const bool GRL_CONCAT(grl_command_registered_, __LINE__) = \
      ::grl::cli::register_command({name, order, add_function})
