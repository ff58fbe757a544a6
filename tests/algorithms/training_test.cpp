#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <fstream>
#include <sstream>

#include "algorithms/training/checkpoint.h"
#include "algorithms/training/trainer.h"
#include "support/temp_dir.h"

namespace grl::training {
namespace {

// Linear regression on random mini-batches: every step draws from the global generator, so any
// lost RNG state, optimiser moment or counter on resume changes the final weights.
class ToyRegression : public Algorithm {
 public:
  ToyRegression() : model_(torch::nn::Linear(4, 1)), optimizer_(model_->parameters(), torch::optim::AdamOptions(0.05)) {
    torch::manual_seed(7);
    inputs_ = torch::randn({64, 4});
    targets_ = inputs_.matmul(torch::tensor({1.0f, -2.0f, 0.5f, 3.0f}).unsqueeze(1)) + 0.1f;
    for (auto& p : model_->parameters()) p.data().fill_(0.0f);
  }
  std::vector<Stage> stages() const override { return {{"fit", 6, false}, {"refine", 9, true}}; }
  Metrics train_step(const std::string& stage, std::int64_t) override {
    const auto index = torch::randint(0, 64, {8}, torch::kLong);
    const auto loss = torch::mse_loss(model_(inputs_.index_select(0, index)), targets_.index_select(0, index));
    optimizer_.zero_grad();
    loss.backward();
    optimizer_.step();
    ++steps_taken_;
    return {{"loss", loss.item<double>()}, {stage == "fit" ? "fit_flag" : "refine_flag", 1.0}};
  }
  void save(CheckpointWriter& out) const override {
    out.module("model", *model_);
    out.optimizer("optimizer", optimizer_);
  }
  void load(const CheckpointReader& in) override {
    in.module("model", *model_);
    in.optimizer("optimizer", optimizer_);
  }
  std::shared_ptr<Policy> policy() override { return nullptr; }

  torch::Tensor weights() const { return torch::cat({model_->weight.flatten(), model_->bias.flatten()}).detach().clone(); }
  int steps_taken_ = 0;

 private:
  torch::nn::Linear model_;
  torch::optim::Adam optimizer_;
  torch::Tensor inputs_, targets_;
};

std::vector<nlohmann::json> read_lines(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<nlohmann::json> rows;
  for (std::string line; std::getline(in, line);) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

Trainer::Evaluate noisy_evaluation() {
  // Draws random numbers on purpose: the trainer must keep them out of training's stream.
  return [](Algorithm&) { return Metrics{{"score", torch::rand({1}).item<double>()}}; };
}

TEST(Checkpoint, RoundTripOfEveryEntryKind) {
  grl::testing::TempDir dir;
  torch::nn::Linear a(3, 2), b(3, 2);
  torch::optim::Adam opt_a(a->parameters(), torch::optim::AdamOptions(1e-3));
  torch::optim::Adam opt_b(b->parameters(), torch::optim::AdamOptions(1e-3));
  a(torch::randn({5, 3})).sum().backward();
  opt_a.step();

  CheckpointWriter out;
  out.module("policy/net", *a);
  out.optimizer("policy/adam", opt_a);
  out.tensor("stats/mean", torch::arange(4.0));
  out.integer("counter", 123456789012LL);
  out.real("beta", 0.125);
  out.text("config", "seed: 3\n");
  out.save(dir / "c.pt");

  CheckpointReader in(dir / "c.pt");
  in.module("policy/net", *b);
  in.optimizer("policy/adam", opt_b);
  EXPECT_TRUE(torch::equal(a->weight, b->weight));
  EXPECT_TRUE(torch::equal(a->bias, b->bias));
  EXPECT_TRUE(torch::equal(in.tensor("stats/mean"), torch::arange(4.0)));
  EXPECT_EQ(in.integer("counter"), 123456789012LL);
  EXPECT_DOUBLE_EQ(in.real("beta"), 0.125);
  EXPECT_EQ(in.text("config"), "seed: 3\n");
  EXPECT_TRUE(in.has("beta"));
  EXPECT_FALSE(in.has("gamma"));

  // Optimiser state came back: the next Adam step moves both models identically.
  const auto x = torch::randn({5, 3});
  opt_a.zero_grad();
  a(x).sum().backward();
  b(x).sum().backward();
  opt_a.step();
  opt_b.step();
  EXPECT_TRUE(torch::allclose(a->weight, b->weight, 0, 0));
}

TEST(Checkpoint, ErrorsNameFileAndEntry) {
  grl::testing::TempDir dir;
  torch::nn::Linear small(3, 2), large(4, 2);
  CheckpointWriter out;
  out.module("net", *small);
  out.integer("n", 1);
  EXPECT_THROW(out.integer("n", 2), std::invalid_argument);
  EXPECT_THROW(out.integer("Bad.Name", 2), std::invalid_argument);
  out.save(dir / "c.pt");

  CheckpointReader in(dir / "c.pt");
  try {
    in.integer("missing");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), (dir / "c.pt").string() + ": checkpoint entry 'missing': missing (the file holds: net, n)");
  }
  try {
    in.module("net", *large);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("checkpoint entry 'net': does not fit the module: parameter 'weight' has shape "
                                         "[2, 3] in the checkpoint but [2, 4] in the module"),
              std::string::npos)
        << e.what();
  }
  try {
    in.text("n");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("'n': expected a string"), std::string::npos);
  }
  std::ofstream(dir / "junk.pt") << "not a checkpoint";
  try {
    CheckpointReader junk(dir / "junk.pt");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("junk.pt: not a GenerativeRL++ checkpoint"), std::string::npos) << e.what();
  }
  EXPECT_THROW(CheckpointReader(dir / "none.pt"), std::runtime_error);
}

TEST(Trainer, ResumedRunEndsBitIdenticalToUninterruptedRun) {
  grl::testing::TempDir dir;
  TrainerConfig config;
  config.log_every = 2;
  config.checkpoint_every = 4;
  config.eval_every = 3;

  torch::manual_seed(11);
  ToyRegression straight;
  Trainer(straight, RunDirectory::create(dir.path(), "straight"), config, "seed: 11\n", noisy_evaluation()).run();

  // The same run, stopped at global step 10 (step 4 of "refine"), then resumed by a fresh process state.
  torch::manual_seed(11);
  auto run = RunDirectory::create(dir.path(), "resumed");
  {
    ToyRegression first;
    Trainer trainer(first, run, config, "seed: 11\n", noisy_evaluation());
    const auto outcome = trainer.run([&] { return first.steps_taken_ == 10; });
    EXPECT_EQ(outcome, TrainOutcome::interrupted);
    // A step that is logged but not checkpointed before a crash must not appear twice.
  }
  torch::manual_seed(999);  // whatever the new process does before resuming must not matter
  ToyRegression second;
  EXPECT_EQ(Trainer(second, RunDirectory::open(run.path()), config, "seed: 11\n", noisy_evaluation()).run(),
            TrainOutcome::finished);
  EXPECT_EQ(second.steps_taken_, 5);
  EXPECT_TRUE(torch::equal(second.weights(), straight.weights()));

  const auto a = read_lines(dir / "straight/metrics.jsonl");
  const auto b = read_lines(run.metrics_path());
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i]["stage"], b[i]["stage"]);
    EXPECT_EQ(a[i]["step"], b[i]["step"]);
    if (a[i].contains("loss")) {
      EXPECT_EQ(a[i]["loss"], b[i]["loss"]);
    }
  }
  EXPECT_TRUE(std::filesystem::exists(run.checkpoints_dir() / "fit.pt"));
  EXPECT_TRUE(std::filesystem::exists(run.checkpoints_dir() / "refine.pt"));
  EXPECT_EQ(CheckpointReader(run.checkpoints_dir() / "latest.pt").text("config"), "seed: 11\n");
}

TEST(Trainer, EvaluationDoesNotChangeTraining) {
  grl::testing::TempDir dir;
  TrainerConfig with_eval, without_eval;
  with_eval.eval_every = 1;
  torch::manual_seed(5);
  ToyRegression a;
  Trainer(a, RunDirectory::create(dir.path(), "a"), with_eval, "", noisy_evaluation()).run();
  torch::manual_seed(5);
  ToyRegression b;
  Trainer(b, RunDirectory::create(dir.path(), "b"), without_eval, "").run();
  EXPECT_TRUE(torch::equal(a.weights(), b.weights()));
  int evals = 0;
  for (const auto& row : read_lines(dir / "a/metrics.jsonl")) evals += row["stage"] == "eval/refine";
  EXPECT_EQ(evals, 9);  // evaluated stage only, every step
}

TEST(Trainer, BestCheckpointHoldsTheBestScoringEvaluationOfTheLastEvaluatedStage) {
  grl::testing::TempDir dir;
  TrainerConfig config;
  config.eval_every = 3;  // "refine" (9 steps) is evaluated at steps 3, 6 and 9
  const std::vector<double> scores = {1.0, 5.0, 2.0};
  std::size_t call = 0;
  Trainer::Evaluate scripted = [&](Algorithm&) { return Metrics{{"score_mean", scores.at(call++)}}; };
  ToyRegression algo;
  const auto run = RunDirectory::create(dir.path(), "best");
  Trainer(algo, run, config, "", scripted).run();
  const CheckpointReader best(run.checkpoints_dir() / "best.pt");
  EXPECT_EQ(best.integer("trainer/step"), 6);
  EXPECT_EQ(best.real("trainer/best_score"), 5.0);
  EXPECT_EQ(CheckpointReader(run.checkpoints_dir() / "latest.pt").real("trainer/best_score"), 5.0);

  TrainerConfig without = config;
  without.keep_best = false;
  call = 0;
  ToyRegression other;
  const auto run2 = RunDirectory::create(dir.path(), "no-best");
  Trainer(other, run2, without, "", scripted).run();
  EXPECT_FALSE(std::filesystem::exists(run2.checkpoints_dir() / "best.pt"));
}

TEST(Trainer, MetricsAreLoggedEveryNStepsAndAtStageEnds) {
  grl::testing::TempDir dir;
  TrainerConfig config;
  config.log_every = 4;
  ToyRegression algo;
  Trainer(algo, RunDirectory::create(dir.path(), "r"), config, "").run();
  std::vector<std::pair<std::string, int>> seen;
  for (const auto& row : read_lines(dir / "r/metrics.jsonl")) seen.emplace_back(row["stage"], row["step"]);
  const std::vector<std::pair<std::string, int>> expected = {{"fit", 4}, {"fit", 6}, {"refine", 4}, {"refine", 8}, {"refine", 9}};
  EXPECT_EQ(seen, expected);
}

}  // namespace
}  // namespace grl::training

#include "algorithms/training/algorithm_registry.h"

namespace grl::training {
namespace {

struct ToyConfig {
  double lr = 0.05;
  template <class V>
  void visit(V& v) {
    v.field("lr", lr, "learning rate", config::positive());
  }
};

class ToyAlgorithm : public ToyRegression {
 public:
  ToyAlgorithm(const ToyConfig& config, const AlgorithmContext&) : lr(config.lr) {}
  double lr;
};

TEST(AlgorithmRegistry, FactoryBuildsFromTypedConfigAndRejectsUnknownNames) {
  Registry<AlgorithmFactory> registry("algorithm");
  registry.add("toy", algorithm_factory<ToyConfig, ToyAlgorithm>(), "test algorithm");
  auto config = registry.get("toy").make_config();
  const auto source = config::load_text("lr: 0.25\n", "toy.yaml");
  config::Reader reader(source, source.root, "");
  config->visit(reader);
  reader.finish();
  AlgorithmContext context;
  auto algorithm = registry.get("toy").make(*config, context);
  EXPECT_DOUBLE_EQ(dynamic_cast<ToyAlgorithm&>(*algorithm).lr, 0.25);
  EXPECT_EQ(algorithm->stages().size(), 2u);
  try {
    registry.get("tyo");
    FAIL();
  } catch (const RegistryError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown algorithm 'tyo' (did you mean 'toy'?)"), std::string::npos) << e.what();
  }
  EXPECT_THROW(registry.add("toy", algorithm_factory<ToyConfig, ToyAlgorithm>()), RegistryError);
}

}  // namespace
}  // namespace grl::training
