#include "benchmark/cell_runner.h"

#include <chrono>
#include <ctime>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "algorithms/evaluation/evaluator.h"
#include "algorithms/evaluation/run_config.h"
#include "algorithms/training/checkpoint.h"
#include "benchmark/machine_info.h"
#include "benchmark/native_datasets.h"
#include "common/atomic_file.h"
#include "common/run_directory.h"
#include "common/seeding.h"

namespace grl::benchmark {

namespace {

std::string local_time_now() {
  const std::time_t now = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S", std::localtime(&now));
  return text;
}

// Seconds this cell has spent training over all its sessions, kept beside the run so that a resumed
// cell reports the whole.
std::filesystem::path train_seconds_path(const std::filesystem::path& dir) { return dir / "train_seconds.txt"; }

double read_train_seconds(const std::filesystem::path& dir) {
  std::ifstream in(train_seconds_path(dir));
  double seconds = 0;
  in >> seconds;
  return in ? seconds : 0.0;
}

}  // namespace

std::filesystem::path cell_directory(const std::filesystem::path& out, const SweepCell& cell) {
  return out / "cells" / cell.name;
}

std::filesystem::path cell_result_path(const std::filesystem::path& out, const SweepCell& cell) {
  return cell_directory(out, cell) / "result.json";
}

CellOutcome run_cell(const Sweep& sweep, const SweepCell& cell, const std::filesystem::path& out,
                     const std::function<bool()>& should_stop, const std::string& device) {
  const auto dir = cell_directory(out, cell);
  if (std::filesystem::exists(cell_result_path(out, cell))) return CellOutcome::already_finished;
  const std::string run_device = device.empty() ? sweep.device : device;

  // A run that has a checkpoint continues with the config stored in it; a new one starts from the sweep.
  const auto latest = dir / "checkpoints" / "latest.pt";
  const config::Source source = std::filesystem::exists(latest)
                                    ? evaluation::stored_run_config(training::CheckpointReader(latest))
                                    : cell_run_config(sweep, cell);
  evaluation::RunConfig config = evaluation::parse_run_config(source, cell.algorithm.algorithm);
  ensure_native_dataset(config.dataset);
  evaluation::PreparedRun run = evaluation::prepare_training_run(std::move(config), run_device);
  const RunDirectory directory = RunDirectory::at(dir);
  const auto started = std::chrono::steady_clock::now();
  const auto outcome = evaluation::train_prepared_run(run, directory, should_stop);
  const double session_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const double train_seconds = read_train_seconds(dir) + session_seconds;
  write_file_atomic(train_seconds_path(dir), std::to_string(train_seconds) + "\n");
  if (outcome == training::TrainOutcome::interrupted) return CellOutcome::interrupted;

  // The final evaluation: the chosen checkpoint alone, on episodes no training-time evaluation saw.
  const auto best = directory.checkpoints_dir() / "best.pt";
  const bool use_best = sweep.evaluation.checkpoint == "best" && std::filesystem::exists(best);
  const auto chosen = use_best ? best : directory.checkpoints_dir() / "latest.pt";
  const training::CheckpointReader checkpoint(chosen);
  evaluation::PreparedRun acting = evaluation::load_run_from_checkpoint(checkpoint, run_device);
  evaluation::EvaluationConfig eval_config = acting.config.evaluation;
  eval_config.episodes = sweep.evaluation.final_episodes;
  if (eval_config.device.empty()) eval_config.device = run_device;
  const evaluation::Evaluator evaluator(acting.env.id, eval_config);
  auto policy = acting.algorithm->policy();
  const auto r = evaluator.run(*policy, derive_seed(static_cast<std::uint64_t>(cell.seed), SeedStream::final_evaluation));

  CellResult result;
  result.label = cell.algorithm.label;
  result.algorithm = cell.algorithm.algorithm;
  result.dataset = cell.dataset;
  result.env = acting.env.id;
  result.seed = cell.seed;
  result.checkpoint = use_best ? "best" : "last";
  result.checkpoint_step = checkpoint.integer("trainer/step");
  const auto stage_index = static_cast<std::size_t>(checkpoint.integer("trainer/stage_index"));
  const auto stages = run.algorithm->stages();
  result.checkpoint_stage = stage_index < stages.size() ? stages[stage_index].name : "end";
  for (const auto& stage : stages) result.stages.emplace_back(stage.name, stage.steps);
  result.final_episodes = static_cast<int>(r.returns.size());
  result.returns = r.returns;
  result.return_mean = r.return_mean;
  result.return_std = r.return_std;
  result.score_mean = r.score_mean;
  result.score_std = r.score_std;
  result.train_seconds = train_seconds;
  result.eval_seconds = r.seconds;
  result.finished_at = local_time_now();
  result.machine = machine_description();
  result.software = software_versions();
  result.device = run_device;
  write_cell_result(cell_result_path(out, cell), result);
  return CellOutcome::finished;
}

void write_cell_result(const std::filesystem::path& path, const CellResult& r) {
  nlohmann::json j;
  j["label"] = r.label;
  j["algorithm"] = r.algorithm;
  j["dataset"] = r.dataset;
  j["env"] = r.env;
  j["seed"] = r.seed;
  j["checkpoint"] = r.checkpoint;
  j["checkpoint_stage"] = r.checkpoint_stage;
  j["checkpoint_step"] = r.checkpoint_step;
  j["final_episodes"] = r.final_episodes;
  j["returns"] = r.returns;
  j["return_mean"] = r.return_mean;
  j["return_std"] = r.return_std;
  j["score_mean"] = r.score_mean;
  j["score_std"] = r.score_std;
  j["stages"] = nlohmann::json::array();
  for (const auto& [name, steps] : r.stages) j["stages"].push_back({{"name", name}, {"steps", steps}});
  j["train_seconds"] = r.train_seconds;
  j["eval_seconds"] = r.eval_seconds;
  j["finished_at"] = r.finished_at;
  j["machine"] = r.machine;
  j["software"] = r.software;
  j["device"] = r.device;
  write_file_atomic(path, j.dump(2) + "\n");
}

CellResult read_cell_result(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path.string() + ": cannot open the cell result");
  try {
    const auto j = nlohmann::json::parse(in);
    CellResult r;
    r.label = j.at("label");
    r.algorithm = j.at("algorithm");
    r.dataset = j.at("dataset");
    r.env = j.at("env");
    r.seed = j.at("seed");
    r.checkpoint = j.at("checkpoint");
    r.checkpoint_stage = j.at("checkpoint_stage");
    r.checkpoint_step = j.at("checkpoint_step");
    r.final_episodes = j.at("final_episodes");
    r.returns = j.at("returns").get<std::vector<double>>();
    r.return_mean = j.at("return_mean");
    r.return_std = j.at("return_std");
    r.score_mean = j.at("score_mean");
    r.score_std = j.at("score_std");
    for (const auto& s : j.at("stages")) r.stages.emplace_back(s.at("name"), s.at("steps"));
    r.train_seconds = j.at("train_seconds");
    r.eval_seconds = j.at("eval_seconds");
    r.finished_at = j.at("finished_at");
    r.machine = j.at("machine");
    r.software = j.at("software");
    r.device = j.at("device");
    return r;
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(path.string() + ": not a cell result: " + e.what());
  }
}

}  // namespace grl::benchmark
