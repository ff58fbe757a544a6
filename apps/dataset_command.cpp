// `grl dataset info <id|path>`: what a dataset holds and whether it is the genuine D4RL download.
// `grl dataset convert <minari id|path> --out file.hdf5`: any dataset into the D4RL layout.
// `grl dataset make <native id>... [--out file] [--force]`: records our own datasets (benchmark/native_datasets.h).
// `grl dataset list`: the native datasets, and which are made.
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

#include "apps/command.h"
#include "benchmark/native_datasets.h"
#include "common/tensor_shape.h"
#include "datasets/d4rl_file.h"
#include "datasets/d4rl_transitions.h"
#include "datasets/dataset_error.h"
#include "datasets/dataset_location.h"
#include "datasets/minari_dataset.h"
#include "datasets/normalized_scores.h"
#include "datasets/official_d4rl_files.h"

namespace grl::cli {
namespace {

using namespace grl::datasets;

struct DatasetOptions {
  std::string name;
  std::string env;
  std::string out;
  int gzip = 4;
  std::vector<std::string> make_ids;
  bool force = false;
  int env_threads = 1;
};

std::string megabytes(std::uintmax_t bytes) {
  std::ostringstream out;
  if (bytes < 1000000) out << std::fixed << std::setprecision(1) << bytes / 1e3 << " kB";
  else out << std::fixed << std::setprecision(1) << bytes / 1e6 << " MB";
  return out.str();
}

std::string fixed(double value, int digits = 2) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(digits) << value;
  return out.str();
}

void print_array(const std::string& key, const torch::Tensor& t) {
  std::cout << "  " << std::left << std::setw(40) << key << std::setw(16) << numpy_shape_of(t) << dtype_name(t) << "\n";
}

void print_metadata(const std::string& key, const MetadataValue& value) {
  if (const auto* t = std::get_if<torch::Tensor>(&value)) return print_array("metadata/" + key, *t);
  std::cout << "  " << std::left << std::setw(40) << ("metadata/" + key);
  if (const auto* s = std::get_if<std::string>(&value)) {
    std::string shown = s->size() > 60 ? s->substr(0, 57) + "..." : *s;
    for (char& c : shown)
      if (c == '\n') c = ' ';
    std::cout << "\"" << shown << "\"";
  } else if (const auto* i = std::get_if<std::int64_t>(&value)) {
    std::cout << *i;
  } else if (const auto* d = std::get_if<double>(&value)) {
    std::cout << *d;
  } else {
    std::cout << (std::get<bool>(value) ? "true" : "false");
  }
  std::cout << "\n";
}

std::optional<envs::EnvSpec> chosen_env(const DatasetOptions& options, const DatasetLocation& location) {
  if (!options.env.empty()) return envs::env_spec(options.env);
  return location.env;
}

int run_info(const DatasetOptions& options) {
  benchmark::ensure_native_dataset(options.name, options.env_threads);
  const DatasetLocation location = locate_dataset(options.name);
  const std::string label = location.file.string();
  std::optional<envs::EnvSpec> env = chosen_env(options, location);

  D4rlFile file;
  int64_t transitions = 0;
  std::string format;
  if (location.format == DatasetFormat::d4rl) {
    file = read_d4rl_file(location.file);
    transitions = static_cast<int64_t>(d4rl_transition_rows(file).size());
    format = "D4RL layout";
  } else {
    const MinariDataset minari = read_minari_dataset(location.file);
    if (!env && options.env.empty()) env = infer_env(minari.dataset_id + " " + minari.env_id);
    file = minari_to_d4rl(minari);
    transitions = minari.total_steps();
    format = "Minari, " + std::to_string(minari.episodes.size()) + " episodes" +
             (minari.dataset_id.empty() ? "" : ", id " + minari.dataset_id);
  }
  if (env) validate_d4rl_file(file, label, &*env, /*check_finite=*/false);

  std::cout << "dataset      " << label << "\n";
  std::cout << "format       " << format << " (" << megabytes(std::filesystem::file_size(location.file)) << ")\n";
  if (location.format == DatasetFormat::d4rl) {
    const FileIdentity identity = identify_d4rl_file(location.file);
    std::cout << "genuine      ";
    switch (identity.status) {
      case FileIdentity::Status::genuine:
        std::cout << "yes: the official " << identity.official_name << " (SHA-256 " << identity.sha256 << ")\n";
        break;
      case FileIdentity::Status::modified:
        std::cout << "no: the size of the official " << identity.official_name << " but SHA-256 " << identity.sha256
                  << " differs\n";
        break;
      case FileIdentity::Status::not_official:
        std::cout << "no (the size matches no official D4RL file we know)\n";
        break;
    }
  } else {
    std::cout << "genuine      not applicable (Minari)\n";
  }
  if (env) std::cout << "env          " << env->id << " (obs " << env->obs_dim << ", act " << env->act_dim << ")\n";
  else std::cout << "env          unknown (name one with --env for dimension checks and normalised scores)\n";
  std::cout << "rows         " << file.rows() << "\n";
  std::cout << "dims         obs " << file.obs_dim() << ", act " << file.act_dim() << "\n";
  std::cout << "keys\n";
  print_array("observations", file.observations);
  print_array("actions", file.actions);
  print_array("rewards", file.rewards);
  print_array("terminals", file.terminals);
  if (file.next_observations) print_array("next_observations", *file.next_observations);
  if (file.timeouts) print_array("timeouts", *file.timeouts);
  for (const auto& [key, t] : file.infos) print_array("infos/" + key, t);
  for (const auto& [key, t] : file.other_arrays) print_array(key, t);
  for (const auto& [key, value] : file.metadata) print_metadata(key, value);
  for (const auto& skipped : file.skipped) std::cout << "  (not read) " << skipped << "\n";
  std::cout << "transitions  " << transitions
            << (location.format == DatasetFormat::d4rl ? " (as d4rl.qlearning_dataset: timeout rows and the last row dropped)"
                                                       : " (every step of every episode)")
            << "\n";
  const EpisodeSummary episodes = summarize_episodes(file);
  std::cout << "episodes     " << episodes.returns.size() << " complete (" << episodes.terminal_count << " terminals, "
            << episodes.timeout_count << " timeouts)";
  if (episodes.unfinished_rows > 0) std::cout << ", " << episodes.unfinished_rows << " rows of an unfinished episode at the end";
  std::cout << "\n";
  if (episodes.returns.empty()) {
    std::cout << "returns      no complete episode\n";
    return 0;
  }
  const Statistics returns = statistics_of(episodes.returns);
  const Statistics lengths = statistics_of(std::vector<double>(episodes.lengths.begin(), episodes.lengths.end()));
  std::cout << "lengths      mean " << fixed(lengths.mean, 1) << "  min " << lengths.min << "  max " << lengths.max << "\n";
  std::cout << "returns      mean " << fixed(returns.mean) << "  std " << fixed(returns.std) << "  min " << fixed(returns.min)
            << "  max " << fixed(returns.max) << "\n";
  if (env) {
    const double scale = 100.0 / (env->ref_max_return - env->ref_min_return);
    std::cout << "normalised   mean " << fixed(envs::normalized_score(*env, returns.mean)) << "  std " << fixed(returns.std * scale)
              << "  min " << fixed(envs::normalized_score(*env, returns.min)) << "  max "
              << fixed(envs::normalized_score(*env, returns.max)) << std::defaultfloat << std::setprecision(10) << "  (D4RL score, reference returns "
              << env->ref_min_return << " .. " << env->ref_max_return << ")\n";
  }
  return 0;
}

int run_convert(const DatasetOptions& options) {
  benchmark::ensure_native_dataset(options.name, options.env_threads);
  const DatasetLocation location = locate_dataset(options.name);
  const std::optional<envs::EnvSpec> env = chosen_env(options, location);
  D4rlFile file;
  if (location.format == DatasetFormat::minari) {
    file = minari_to_d4rl(read_minari_dataset(location.file));
  } else {
    file = read_d4rl_file(location.file);
  }
  if (env) validate_d4rl_file(file, location.file.string(), &*env, /*check_finite=*/false);
  D4rlWriteOptions write;
  write.gzip_level = options.gzip;
  write_d4rl_file(options.out, file, write);
  const EpisodeSummary episodes = summarize_episodes(file);
  std::cout << "wrote " << options.out << ": " << file.rows() << " rows, " << episodes.returns.size() << " episodes ("
            << episodes.terminal_count << " terminals, " << episodes.timeout_count << " timeouts), "
            << megabytes(std::filesystem::file_size(options.out)) << "\n";
  return 0;
}

int run_make(const DatasetOptions& options) {
  if (!options.out.empty() && options.make_ids.size() != 1)
    throw std::invalid_argument("--out names one file: give one dataset id with it");
  for (const auto& id : options.make_ids) {
    const auto spec = benchmark::find_native_dataset(id);
    if (!spec) {
      std::string known;
      for (const auto& s : benchmark::native_dataset_specs()) known += "\n  " + s.id;
      throw DatasetError("'" + id + "' is not a native dataset; the native datasets are:" + known);
    }
    const std::filesystem::path out = options.out.empty() ? benchmark::native_dataset_path(*spec) : std::filesystem::path(options.out);
    if (std::filesystem::exists(out) && !options.force) {
      std::cout << id << ": " << out.string() << " exists (--force makes it again)\n";
      continue;
    }
    const auto made = benchmark::make_native_dataset(*spec, out, options.env_threads);
    std::cout << "made " << id << ": " << out.string() << "\n  " << made.transitions << " rows, " << made.episodes
              << " complete episodes, return " << fixed(made.return_mean) << " +- " << fixed(made.return_std)
              << " (normalised " << fixed(made.score_mean) << "), " << megabytes(std::filesystem::file_size(out)) << ", "
              << fixed(made.seconds, 1) << " s\n";
  }
  return 0;
}

int run_list() {
  std::cout << std::left << std::setw(40) << "native dataset" << std::setw(12) << "rows" << "made\n";
  for (const auto& spec : benchmark::native_dataset_specs()) {
    const auto path = benchmark::native_dataset_path(spec);
    std::string rows = spec.kind == "medium-replay" ? "(replay)" : std::to_string(spec.transitions * spec.parts.size());
    std::cout << std::left << std::setw(40) << spec.id << std::setw(12) << rows
              << (std::filesystem::exists(path) ? path.string() : std::string("no")) << "\n";
  }
  std::cout << "folder: " << datasets::native_search_dirs().front().string() << " (GRL_DATASET_DIR)\n";
  return 0;
}

std::function<int()> add_dataset(CLI::App& parent, GlobalOptions&) {
  auto options = std::make_shared<DatasetOptions>();
  auto* dataset = parent.add_subcommand("dataset", "inspect, convert and make offline datasets (D4RL, Minari, native)");
  dataset->require_subcommand(1);
  auto* info = dataset->add_subcommand("info", "transitions, episodes, dims, dtypes, returns, and whether it is genuine D4RL");
  info->add_option("dataset", options->name, "D4RL id (hopper-medium-v2), Minari id (mujoco/hopper/medium-v0) or path")
      ->required();
  info->add_option("--env", options->env, "environment (default: from the dataset name)");
  auto* convert = dataset->add_subcommand("convert", "write a Minari (or D4RL) dataset in the D4RL HDF5 layout");
  convert->add_option("dataset", options->name, "Minari id, Minari folder or main_data.hdf5, or a D4RL file")->required();
  convert->add_option("--out", options->out, "output .hdf5 file (written to a temporary file, then renamed)")->required();
  convert->add_option("--gzip", options->gzip, "gzip level 0-9 (0: uncompressed)")->check(CLI::Range(0, 9))->capture_default_str();
  convert->add_option("--env", options->env, "environment to check dimensions against (default: from the name)");
  auto* make = dataset->add_subcommand("make", "record native datasets (hopper-medium-native-v0, ...) from the shipped policies");
  make->add_option("ids", options->make_ids, "native dataset ids (grl dataset list shows them)")->required();
  make->add_option("--out", options->out, "output file (default: in GRL_DATASET_DIR or ~/.grl/datasets)");
  make->add_flag("--force", options->force, "make it again when the file exists");
  make->add_option("--env-threads", options->env_threads, "threads stepping the envs")->check(CLI::PositiveNumber)->capture_default_str();
  dataset->add_subcommand("list", "the native datasets and where they are made");
  return [options, info, convert, make] {
    if (info->parsed()) return run_info(*options);
    if (convert->parsed()) return run_convert(*options);
    if (make->parsed()) return run_make(*options);
    return run_list();
  };
}

}  // namespace
}  // namespace grl::cli

GRL_REGISTER_COMMAND("dataset", 20, grl::cli::add_dataset);
