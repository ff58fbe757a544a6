// `grl resume runs/<name>`: continues an interrupted run from checkpoints/latest.pt with the config
// stored in it (falling back to the run's config.yaml before the first checkpoint; an edited
// config.yaml is reported, not used). On CPU the resumed run ends bit-identical to one that was
// never interrupted.
#include <filesystem>
#include <iostream>
#include <optional>

#include "algorithms/evaluation/run_config.h"
#include "algorithms/training/checkpoint.h"
#include "apps/command.h"
#include "benchmark/native_datasets.h"
#include "common/atomic_file.h"
#include "common/run_directory.h"

namespace grl::cli {
namespace {

int run_resume(const std::string& path, const GlobalOptions& global) {
  const RunDirectory directory = RunDirectory::open(path);
  const auto latest = directory.checkpoints_dir() / "latest.pt";
  std::optional<std::string> stored;
  if (std::filesystem::exists(latest)) stored = training::CheckpointReader(latest).text("config");
  // The checkpoint's config is what the run trained with; an edited config.yaml cannot change a
  // run halfway, so say so instead of ignoring the edit silently.
  if (stored && std::filesystem::exists(directory.config_path()) && read_file(directory.config_path()) != *stored) {
    std::cerr << "note: " << directory.config_path().string()
              << " differs from the config stored in the checkpoint; resume continues with the stored one "
                 "(to train with the edited file, start a new run: grl train --preset "
              << directory.config_path().string() << ")\n";
  }
  config::Source source = stored ? config::load_text(*stored, latest.string() + " (stored config)")
                                 : config::load_file(directory.config_path().string());
  evaluation::RunConfig config = evaluation::parse_run_config(source);
  benchmark::ensure_native_dataset(config.dataset);
  evaluation::PreparedRun run = evaluation::prepare_training_run(std::move(config), global.runtime.device);
  if (!std::filesystem::exists(latest)) std::cerr << "no checkpoint yet in " << path << ": starting from the beginning\n";
  const auto outcome = evaluation::train_prepared_run(run, directory, evaluation::stop_on_signals());
  if (outcome == training::TrainOutcome::interrupted) return 130;
  std::cout << "finished: " << directory.path().string() << "\n";
  return 0;
}

std::function<int()> add_resume(CLI::App& parent, GlobalOptions& global) {
  auto path = std::make_shared<std::string>();
  auto* resume = parent.add_subcommand("resume", "continue an interrupted training run");
  resume->add_option("run", *path, "run directory (runs/<name>)")->required()->check(CLI::ExistingDirectory);
  return [path, &global] { return run_resume(*path, global); };
}

}  // namespace
}  // namespace grl::cli

GRL_REGISTER_COMMAND("resume", 21, grl::cli::add_resume);
