// grl: the one command-line entry point. Subcommands live in apps/*_command.cpp.
#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <c10/util/Exception.h>

#include "apps/command.h"
#include "baselines/register_baselines.h"
#include "common/blas_kernels.h"
#include "common/config.h"
#include "plugin/plugin_loader.h"

namespace grl::cli {

std::vector<CommandEntry>& registered_commands() {
  static std::vector<CommandEntry> commands;
  return commands;
}

bool register_command(CommandEntry entry) {
  registered_commands().push_back(std::move(entry));
  return true;
}

namespace {

// Loads the plugins of GRL_PLUGIN_PATH, then those named by --plugin. A plugin that fails is reported
// and skipped. The --plugin files are added to GRL_PLUGIN_PATH, so processes grl starts (benchmark
// cells, SLURM jobs) load them too.
void load_plugins(const std::vector<std::string>& explicit_plugins) {
  const char* search_path = std::getenv("GRL_PLUGIN_PATH");
  std::vector<std::string> missing;
  std::vector<std::filesystem::path> files =
      grl::plugin::plugin_search_path_files(search_path ? search_path : "", &missing);
  for (const auto& entry : missing) {
    std::cerr << "grl: warning: GRL_PLUGIN_PATH entry " << entry << " does not exist\n";
  }
  files.insert(files.end(), explicit_plugins.begin(), explicit_plugins.end());
  for (const auto& file : files) {
    const auto record = grl::plugin::load_plugin(file);
    if (!record.loaded()) std::cerr << "grl: warning: " << record.error << " (going on without it)\n";
  }
  if (explicit_plugins.empty()) return;
  std::string exported;
  for (const auto& file : explicit_plugins) {
    std::error_code error;
    const auto absolute = std::filesystem::absolute(file, error);
    exported += (error ? std::filesystem::path(file) : absolute).string() + ":";
  }
  exported += search_path ? search_path : "";
  setenv("GRL_PLUGIN_PATH", exported.c_str(), 1);
}

}  // namespace

}  // namespace grl::cli

int main(int argc, char** argv) {
  using namespace grl::cli;
  // Over a file-size limit (ulimit -f) a write then fails with EFBIG and is reported, naming the
  // file, like a full disk, instead of the signal killing grl in the middle of a checkpoint.
  std::signal(SIGXFSZ, SIG_IGN);
  // Before anything is computed: the same kernels on every machine, so datasets and runs repeat.
  const bool kernels_pinned = grl::pin_blas_kernels();
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
  std::vector<std::string> plugins;
  app.add_option("--plugin", plugins, "load a plugin (shared library) before the command runs; repeatable "
                                      "(also: every .so in the folders of GRL_PLUGIN_PATH)")
      ->type_name("FILE")
      ->allow_extra_args(false);  // one file per --plugin, so the subcommand after it is not taken as a file

  auto commands = registered_commands();
  std::sort(commands.begin(), commands.end(), [](const auto& a, const auto& b) { return a.order < b.order; });
  std::vector<std::function<int()>> runners;
  for (auto& command : commands) runners.push_back(command.add(app, global));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  // Both variables are read by their libraries when loaded: one restart makes them take effect.
  const bool passive_waiting = grl::prefer_passive_openmp_waiting(global.runtime.threads);
  if (kernels_pinned || passive_waiting) grl::restart_for_environment(argv);
  try {
    global.runtime.device = grl::resolve_device(global.runtime.device);
    // Before the plugins: threads that a plugin starts inherit the runtime's floating-point settings.
    grl::apply_runtime(global.runtime);
    load_plugins(plugins);
    for (std::size_t i = 0; i < commands.size(); ++i) {
      if (app.got_subcommand(commands[i].name)) return runners[i]();
    }
  } catch (const c10::Error& e) {
    // LibTorch's own errors carry a C++ backtrace that says nothing to a user: keep the message.
    std::string message = e.what_without_backtrace();
    message = message.substr(0, message.find('\n'));
    const bool out_of_memory = message.find("can't allocate memory") != std::string::npos;
    std::cerr << "grl: error: " << message
              << (out_of_memory ? " (out of memory: is a batch size or network width larger than this machine holds?)" : "")
              << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "grl: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
