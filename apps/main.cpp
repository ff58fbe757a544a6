// grl: the one command-line entry point. Subcommands live in apps/*_command.cpp.
#include <algorithm>
#include <iostream>

#include "apps/command.h"
#include "baselines/register_baselines.h"
#include "common/config.h"

namespace grl::cli {

std::vector<CommandEntry>& registered_commands() {
  static std::vector<CommandEntry> commands;
  return commands;
}

bool register_command(CommandEntry entry) {
  registered_commands().push_back(std::move(entry));
  return true;
}

}  // namespace grl::cli

int main(int argc, char** argv) {
  using namespace grl::cli;
  // The baselines join the algorithm registry before any command looks an algorithm up.
  grl::baselines::ensure_baselines_registered();
  CLI::App app{"GenerativeRL++: generative policies for offline reinforcement learning"};
  app.require_subcommand(1);
  app.fallthrough();  // global options may also follow the subcommand
  GlobalOptions global;
  app.add_option("--threads", global.runtime.threads, "LibTorch intra-op threads (1 is fastest on 2 cores)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--device", global.runtime.device, "compute device: cpu, cuda or cuda:N")->capture_default_str();

  auto commands = registered_commands();
  std::sort(commands.begin(), commands.end(), [](const auto& a, const auto& b) { return a.order < b.order; });
  std::vector<std::function<int()>> runners;
  for (auto& command : commands) runners.push_back(command.add(app, global));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    global.runtime.device = grl::resolve_device(global.runtime.device);
    grl::apply_runtime(global.runtime);
    for (std::size_t i = 0; i < commands.size(); ++i) {
      if (app.got_subcommand(commands[i].name)) return runners[i]();
    }
  } catch (const std::exception& e) {
    std::cerr << "grl: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
