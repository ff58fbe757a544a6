#include "algorithms/training/trainer.h"

#include <ATen/Context.h>

#include <cmath>
#include <iostream>
#include <mutex>
#include <sstream>

#include "common/config.h"
#include "common/metrics.h"
#include "common/progress.h"
#include "common/run_lock.h"

namespace grl::training {

template <class V>
void TrainerConfig::visit(V& v) {
  v.field("log_every", log_every, "steps between metrics lines", config::at_least(1));
  v.field("checkpoint_every", checkpoint_every, "steps between checkpoints (0: stage ends only)", config::non_negative());
  v.field("eval_every", eval_every, "steps between evaluations (0: stage end only)", config::non_negative());
  v.field("keep_stage_checkpoints", keep_stage_checkpoints, "keep checkpoints/<stage>.pt after each stage");
  v.field("keep_best", keep_best, "keep checkpoints/best.pt, the best evaluation of the last evaluated stage");
}
template void TrainerConfig::visit(config::Reader&);
template void TrainerConfig::visit(config::Writer&);

namespace {

std::string format_metrics(const Metrics& metrics) {
  std::ostringstream s;
  s.precision(4);
  for (std::size_t i = 0; i < metrics.size() && i < 3; ++i) s << (i ? " " : "") << metrics[i].first << "=" << metrics[i].second;
  return s.str();
}

// Runs `f` with the CPU generator's state saved and restored around it.
template <class F>
auto with_forked_rng(F&& f) {
  auto gen = at::globalContext().defaultGenerator(at::Device(at::kCPU));
  torch::Tensor state;
  {
    std::lock_guard<std::mutex> lock(gen.mutex());
    state = gen.get_state();
  }
  auto result = f();
  {
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(state);
  }
  return result;
}

// "stage 'critic' step 2000" (or "the end" after the last stage), for messages.
std::string position(const std::vector<Stage>& stages, std::size_t stage_index, std::int64_t step) {
  return stage_index < stages.size() ? "stage '" + stages[stage_index].name + "' step " + std::to_string(step)
                                     : std::string("the end");
}

}  // namespace

const std::pair<std::string, double>* first_non_finite_loss(const Metrics& metrics) {
  for (const auto& entry : metrics)
    if (entry.first.find("loss") != std::string::npos && !std::isfinite(entry.second)) return &entry;
  return nullptr;
}

Trainer::Trainer(Algorithm& algorithm, RunDirectory run, TrainerConfig config, std::string resolved_config,
                 Evaluate evaluate)
    : algorithm_(algorithm),
      run_(std::move(run)),
      config_(config),
      resolved_config_(std::move(resolved_config)),
      evaluate_(std::move(evaluate)) {}

void Trainer::save(std::size_t stage_index, std::int64_t step, const std::filesystem::path& path) {
  CheckpointWriter out;
  out.integer("trainer/stage_index", static_cast<std::int64_t>(stage_index));
  out.integer("trainer/step", step);
  // Metrics logged after this checkpoint are cut on resume, so the file never holds a step twice.
  std::error_code ec;
  const auto bytes = std::filesystem::exists(run_.metrics_path()) ? std::filesystem::file_size(run_.metrics_path(), ec) : 0;
  out.integer("trainer/metrics_bytes", static_cast<std::int64_t>(bytes));
  out.real("trainer/best_score", best_score_);
  out.text("config", resolved_config_);
  out.global_rng_states();
  algorithm_.save(out);
  out.save(path);
  if (path == latest_checkpoint()) last_saved_ = position(stages_, stage_index, step);
}

void Trainer::evaluate(std::size_t stage_index, std::int64_t step, MetricsWriter& metrics) {
  if (!evaluate_) return;
  const std::string& stage = stages_[stage_index].name;
  const Metrics result = with_forked_rng([&] { return evaluate_(algorithm_); });
  metrics.write("eval/" + stage, step, result);
  std::cerr << "eval after " << stage << " step " << step << ": " << format_metrics(result) << "\n";
  if (!config_.keep_best) return;
  std::size_t last_evaluated = 0;
  for (std::size_t i = 0; i < stages_.size(); ++i)
    if (stages_[i].evaluate) last_evaluated = i;
  if (stage_index != last_evaluated) return;
  for (const auto& [name, value] : result) {
    if (name != "score_mean" || !(value > best_score_)) continue;
    best_score_ = value;
    // Saved as "at this step of this stage", like latest.pt, so that it also acts and evaluates alone.
    save(stage_index, step, best_checkpoint());
  }
}

TrainOutcome Trainer::run(const std::function<bool()>& should_stop) {
  stages_ = algorithm_.stages();
  const auto& stages = stages_;
  std::size_t stage_index = 0;
  std::int64_t start_step = 0;
  const RunLock lock(run_.path());

  if (std::filesystem::exists(latest_checkpoint())) {
    CheckpointReader in(latest_checkpoint());
    stage_index = static_cast<std::size_t>(in.integer("trainer/stage_index"));
    start_step = in.integer("trainer/step");
    if (in.has("trainer/best_score")) best_score_ = in.real("trainer/best_score");
    algorithm_.load(in);
    in.global_rng_states();
    restore_metrics_file(run_.metrics_path(), static_cast<std::uintmax_t>(in.integer("trainer/metrics_bytes")));
    last_saved_ = position(stages, stage_index, start_step);
    std::cerr << "resuming " << run_.path().string() << " at "
              << (stage_index < stages.size() ? stages[stage_index].name : std::string("the end")) << " step "
              << start_step << "\n";
  } else {
    restore_metrics_file(run_.metrics_path(), std::nullopt);
    run_.write_config(resolved_config_);
  }

  MetricsWriter metrics(run_.metrics_path());
  for (; stage_index < stages.size(); ++stage_index, start_step = 0) {
    const Stage& stage = stages[stage_index];
    // A resumed stage counts only the remaining steps, so the rate and ETA stay true.
    ProgressBar bar(start_step > 0 ? stage.name + " (from step " + std::to_string(start_step) + ")" : stage.name,
                    stage.steps - start_step);
    for (std::int64_t step = start_step; step < stage.steps; ++step) {
      const Metrics m = algorithm_.train_step(stage.name, step);
      bar.advance();
      const std::int64_t done = step + 1;
      if (const auto* bad = first_non_finite_loss(m)) {
        bar.finish();
        metrics.write(stage.name, done, m);  // the failing step's line, for the record
        std::ostringstream value;
        value << bad->second;
        throw std::runtime_error(
            "stage '" + stage.name + "' step " + std::to_string(done) + ": metric '" + bad->first + "' is " + value.str() +
            "; training stopped without writing a checkpoint, so " + latest_checkpoint().string() +
            (last_saved_.empty() ? " does not exist yet" : " still holds the last good state (" + last_saved_ + ")") +
            ". Check the dataset (`grl dataset info`) and the learning rates");
      }
      if (done % config_.log_every == 0 || done == stage.steps) {
        metrics.write(stage.name, done, m);
        bar.set_status(format_metrics(m));
      }
      if (stage.evaluate && config_.eval_every > 0 && done % config_.eval_every == 0 && done != stage.steps) {
        evaluate(stage_index, done, metrics);
      }
      const bool stop = should_stop && should_stop();
      if (done != stage.steps && (stop || (config_.checkpoint_every > 0 && done % config_.checkpoint_every == 0))) {
        save(stage_index, done, latest_checkpoint());
      }
      if (stop && done != stage.steps) {
        bar.finish();
        std::cerr << "interrupted: checkpoint written; continue with `grl resume " << run_.path().string() << "`\n";
        return TrainOutcome::interrupted;
      }
    }
    bar.finish();
    if (stage.evaluate) evaluate(stage_index, stage.steps, metrics);
    save(stage_index + 1, 0, latest_checkpoint());
    if (config_.keep_stage_checkpoints) save(stage_index + 1, 0, run_.checkpoints_dir() / (stage.name + ".pt"));
    if (should_stop && should_stop() && stage_index + 1 < stages.size()) return TrainOutcome::interrupted;
  }
  return TrainOutcome::finished;
}

}  // namespace grl::training
