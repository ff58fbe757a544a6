// A run folder has one writer; a resume restores metrics.jsonl to its checkpoint; a non-finite loss
// stops training with the stage, step and metric named, and latest.pt keeps the last good state.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <unistd.h>

#include <cmath>
#include <fstream>
#include <limits>

#include "algorithms/training/checkpoint.h"
#include "algorithms/training/trainer.h"
#include "common/atomic_file.h"
#include "common/metrics.h"
#include "common/run_lock.h"
#include "robustness/robustness_support.h"
#include "support/temp_dir.h"

namespace grl {
namespace {

using grl::testing::message_of;
using grl::testing::write_bytes;

TEST(RunLock, ASecondWriterIsRefusedNamingTheHolder) {
  grl::testing::TempDir dir;
  const auto run = dir.path() / "run";
  {
    const RunLock first(run);
    // flock conflicts between two open files even within one process, as between two processes.
    const std::string m = message_of([&] { RunLock second(run); });
    EXPECT_CONTAINS(m, run.string() + " is being written by process " + std::to_string(::getpid()) + " (" +
                           (run / ".lock").string() + ")");
  }
  EXPECT_NO_THROW(RunLock again(run));  // released with the first
}

TEST(RunLock, RemovesTemporariesOfDeadWritersAndKeepsItsOwn) {
  grl::testing::TempDir dir;
  const auto run = dir.path() / "run";
  std::filesystem::create_directories(run / "checkpoints");
  const auto stale = run / "checkpoints" / "latest.pt.tmp.999999999.0";
  const auto own = temporary_path_for(run / "checkpoints" / "latest.pt");
  const auto unrelated = run / "checkpoints" / "latest.pt";
  for (const auto& p : {stale, own, unrelated}) write_bytes(p, "x");
  ::testing::internal::CaptureStderr();
  { const RunLock lock(run); }
  const std::string printed = ::testing::internal::GetCapturedStderr();
  EXPECT_FALSE(std::filesystem::exists(stale));
  EXPECT_TRUE(std::filesystem::exists(own));
  EXPECT_TRUE(std::filesystem::exists(unrelated));
  EXPECT_CONTAINS(printed, "removed " + stale.string());
}

TEST(MetricsRestore, CutsToTheCheckpointOrToTheLastCompleteLine) {
  grl::testing::TempDir dir;
  const auto path = dir.path() / "metrics.jsonl";
  write_bytes(path, "{\"step\":1}\n{\"step\":2}\n{\"step\":3}\n");
  restore_metrics_file(path, 11);  // the checkpoint was written after the first line
  EXPECT_EQ(read_file(path), "{\"step\":1}\n");

  write_bytes(path, "{\"step\":1}\n{\"st");  // shorter than the checkpoint says, ends mid-line
  ::testing::internal::CaptureStderr();
  restore_metrics_file(path, 22);
  EXPECT_CONTAINS(::testing::internal::GetCapturedStderr(), "lines are missing");
  EXPECT_EQ(read_file(path), "{\"step\":1}\n");

  write_bytes(path, "{\"step\":1}\n");  // no checkpoint: the attempt starts over
  ::testing::internal::CaptureStderr();
  restore_metrics_file(path, std::nullopt);
  ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(read_file(path), "");
}

std::vector<nlohmann::json> metrics_lines(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

training::Trainer trainer_of(training::Algorithm& algorithm, const RunDirectory& run, std::int64_t log_every,
                             std::int64_t checkpoint_every) {
  training::TrainerConfig config;
  config.log_every = log_every;
  config.checkpoint_every = checkpoint_every;
  return training::Trainer(algorithm, run, config, "seed: 0\n");
}

// Fits y = 2x; after `inf_loss_after` steps its loss is inf, as a diverged run's would be, and after
// `nan_scale_after` steps a metric that is not a loss is NaN.
class DivergingRegression : public training::Algorithm {
 public:
  DivergingRegression(std::int64_t inf_loss_after, std::int64_t nan_scale_after)
      : inf_loss_after_(inf_loss_after), nan_scale_after_(nan_scale_after), model_(torch::nn::Linear(1, 1)) {}
  std::vector<training::Stage> stages() const override { return {{"fit", 10, false}}; }
  training::Metrics train_step(const std::string&, std::int64_t step) override {
    const auto x = torch::randn({8, 1});
    const double loss = torch::mse_loss(model_(x), 2 * x).item<double>();
    return {{"scale", step + 1 == nan_scale_after_ ? std::nan("") : 1.0},
            {"fit_loss", step + 1 == inf_loss_after_ ? std::numeric_limits<double>::infinity() : loss}};
  }
  void save(training::CheckpointWriter& out) const override { out.module("model", *model_); }
  void load(const training::CheckpointReader& in) override { in.module("model", *model_); }
  std::shared_ptr<training::Policy> policy() override { return nullptr; }

 private:
  std::int64_t inf_loss_after_, nan_scale_after_;
  torch::nn::Linear model_;
};

TEST(NonFiniteLoss, StopsAtTheFirstWithStageStepAndMetricAndKeepsTheLastGoodCheckpoint) {
  grl::testing::TempDir dir;
  DivergingRegression algorithm(/*inf_loss_after=*/7, /*nan_scale_after=*/0);
  auto trainer = trainer_of(algorithm, RunDirectory::create(dir.path(), "run"), /*log_every=*/100, /*checkpoint_every=*/5);
  const std::string m = message_of([&] { trainer.run(); });
  EXPECT_CONTAINS(m, "stage 'fit' step 7: metric 'fit_loss' is inf; training stopped without writing a checkpoint");
  EXPECT_CONTAINS(m, "still holds the last good state (stage 'fit' step 5)");
  EXPECT_EQ(training::CheckpointReader(trainer.latest_checkpoint()).integer("trainer/step"), 5);
  // The failing step is logged although log_every is 100.
  const auto lines = metrics_lines(dir.path() / "run" / "metrics.jsonl");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["step"], 7);
  EXPECT_TRUE(lines[0]["fit_loss"].is_null());
}

TEST(NonFiniteLoss, ANaNInAMetricThatIsNotALossDoesNotStopTraining) {
  grl::testing::TempDir dir;
  DivergingRegression algorithm(/*inf_loss_after=*/0, /*nan_scale_after=*/3);
  auto trainer = trainer_of(algorithm, RunDirectory::create(dir.path(), "run"), /*log_every=*/1, /*checkpoint_every=*/0);
  EXPECT_EQ(trainer.run(), training::TrainOutcome::finished);
  int null_scales = 0;
  for (const auto& line : metrics_lines(dir.path() / "run" / "metrics.jsonl")) null_scales += line["scale"].is_null();
  EXPECT_EQ(null_scales, 1);
}

TEST(ResumeMetrics, AnAttemptThatDiedBeforeItsFirstCheckpointLeavesNoLines) {
  grl::testing::TempDir dir;
  const auto run = RunDirectory::create(dir.path(), "run");
  write_bytes(run.metrics_path(), "{\"stage\":\"fit\",\"step\":3,\"fit_loss\":1}\n");  // the dead attempt's line
  DivergingRegression algorithm(/*inf_loss_after=*/0, /*nan_scale_after=*/0);
  ::testing::internal::CaptureStderr();
  trainer_of(algorithm, run, /*log_every=*/5, /*checkpoint_every=*/0).run();
  EXPECT_CONTAINS(::testing::internal::GetCapturedStderr(), "cutting the");
  std::vector<std::int64_t> steps;
  for (const auto& line : metrics_lines(run.metrics_path())) steps.push_back(line["step"].get<std::int64_t>());
  EXPECT_EQ(steps, (std::vector<std::int64_t>{5, 10}));
}

}  // namespace
}  // namespace grl
