// What the four baselines share: they are registered by name (once, however often registration is
// asked for), a resumed Trainer run of each ends bit-identical to an uninterrupted one, and a
// checkpoint loads into an algorithm built without data (how `grl eval` acts).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <fstream>
#include <regex>

#include "algorithms/training/trainer.h"
#include "baselines/baseline_support.h"
#include "common/run_directory.h"
#include "support/temp_dir.h"
#include "baseline_problems.h"
#include "plugin/staged_registration.h"

namespace grl::baselines {
namespace {

using namespace test_problems;

TEST(BaselineRegistry, TheBaselinesAreRegisteredOnce) {
  ensure_baselines_registered();
  ensure_baselines_registered();  // a second call adds nothing (and does not throw)
  auto& registry = training::algorithm_registry();
  for (const char* name : {"bc", "iql", "td3_bc", "cql", "idql", "sfbc", "diffusion_ql", "srpo", "qgpo"}) {
    EXPECT_TRUE(registry.contains(name)) << name;
  }
  EXPECT_TRUE(registry.contains("gmpo"));  // the built-ins are still there
  EXPECT_EQ(plugin::algorithm_source("iql"), "built-in baselines");
  EXPECT_EQ(plugin::algorithm_source("gmpo"), "built-in");
  // Registering them again is refused as a whole, naming the name that is taken and its owner.
  try {
    plugin::register_algorithms("again", register_baselines);
    FAIL() << "registering the baselines twice must throw";
  } catch (const RegistryError& e) {
    EXPECT_EQ(std::string(e.what()),
              "again: the algorithm 'bc' is already registered (by built-in baselines); nothing of again was registered");
  }
}

TEST(BaselineSupport, OrthogonalInitialisationOfAnMlp) {
  networks::Mlp mlp(4, 1, networks::MlpConfig{{8, 8}, "relu"});
  orthogonal_init(*mlp, 0.01);
  const auto p = mlp->named_parameters();
  const auto w0 = p["linear0.weight"];  // 8 x 4: orthonormal columns, times sqrt 2
  EXPECT_TRUE(torch::allclose(w0.t().matmul(w0), 2 * torch::eye(4), 1e-5, 1e-5));
  const auto w2 = p["linear2.weight"];  // 1 x 8: a unit row times 0.01
  EXPECT_NEAR(w2.norm().item<double>(), 0.01, 1e-6);
  for (const char* bias : {"linear0.bias", "linear1.bias", "linear2.bias"}) EXPECT_EQ(p[bias].abs().sum().item<double>(), 0.0);
}

TEST(BaselineSupport, DeterministicActorStaysInsideTheActionBox) {
  DeterministicActor actor(3, 2, networks::MlpConfig{{16}, "relu"});
  const auto a = DeterministicActorPolicy(actor).act(100 * torch::randn({50, 3}));
  EXPECT_EQ(a.sizes(), (std::vector<int64_t>{50, 2}));
  EXPECT_TRUE((a.abs() <= 1).all().item<bool>());
  EXPECT_FALSE(a.requires_grad());
}

struct ResumeCase {
  const char* algorithm;
  const char* yaml;  // tiny networks; 9 steps (BC: its one stage)
  int metrics_lines = 5;  // one line every 2 steps of a stage and at its end
};
void PrintTo(const ResumeCase& c, std::ostream* out) { *out << c.algorithm; }

class BaselineResume : public ::testing::TestWithParam<ResumeCase> {};

// Optimiser states are keyed by the parameters' addresses ("state.0x55d0...."), which differ between
// two processes' worth of objects; the path without them still says which tensor it is.
std::string baseline_without_addresses(const std::string& key) {
  return std::regex_replace(key, std::regex("0x[0-9a-f]+"), "<address>");
}

// Every tensor in an archive and its sub-archives (modules, optimiser states), by path.
void baseline_archive_tensors(torch::serialize::InputArchive& archive, const std::string& prefix,
                              std::vector<std::pair<std::string, torch::Tensor>>& out) {
  for (const auto& key : archive.keys()) {
    torch::Tensor t;
    torch::serialize::InputArchive nested;
    if (archive.try_read(key, t)) out.emplace_back(baseline_without_addresses(prefix + key), t.clone());
    else if (archive.try_read(key, nested)) baseline_archive_tensors(nested, prefix + key + ".", out);
  }
}

// Everything an algorithm saves (weights, optimiser moments, temperatures), as a checkpoint holds it.
std::vector<std::pair<std::string, torch::Tensor>> baseline_state(training::Algorithm& algorithm,
                                                                  const std::filesystem::path& file) {
  training::CheckpointWriter out;
  algorithm.save(out);
  out.save(file);
  torch::serialize::InputArchive archive;
  archive.load_from(file.string());
  std::vector<std::pair<std::string, torch::Tensor>> state;
  baseline_archive_tensors(archive, "", state);
  return state;
}

TEST_P(BaselineResume, ResumedTrainerRunEndsBitIdenticalToUninterruptedRun) {
  const auto c = GetParam();
  grl::testing::TempDir dir;
  const auto data = random_transitions(100, 3, 2, 4);
  const auto context = toy_context(&data, 3, 2, 11);
  training::TrainerConfig trainer;
  trainer.log_every = 2;
  trainer.checkpoint_every = 3;

  torch::manual_seed(11);
  auto straight = make_algorithm(c.algorithm, c.yaml, context);
  training::Trainer(*straight, RunDirectory::create(dir.path(), "straight"), trainer, "cfg").run();

  torch::manual_seed(11);
  auto run = RunDirectory::create(dir.path(), "resumed");
  {
    auto first = make_algorithm(c.algorithm, c.yaml, context);
    int asked = 0;
    // should_stop is asked after every step: the 5th time comes after step 5 of 9, between the
    // periodic checkpoints at 3 and 6; the trainer writes one at 5 and stops.
    EXPECT_EQ(training::Trainer(*first, run, trainer, "cfg").run([&] { return ++asked == 5; }),
              training::TrainOutcome::interrupted);
  }
  torch::manual_seed(999);  // the checkpoint, not this, decides the random numbers
  auto second = make_algorithm(c.algorithm, c.yaml, context);
  EXPECT_EQ(training::Trainer(*second, RunDirectory::open(run.path()), trainer, "cfg").run(),
            training::TrainOutcome::finished);

  const auto a = baseline_state(*straight, dir / "a.pt"), b = baseline_state(*second, dir / "b.pt");
  ASSERT_EQ(a.size(), b.size());
  ASSERT_GT(a.size(), 10u);
  // Entries pair up by path; the optimiser states of one optimiser come in hash-map order, so each
  // is matched with an equal, unused entry of the same path.
  std::vector<bool> used(b.size(), false);
  for (const auto& [name, tensor] : a) {
    bool found = false;
    for (std::size_t j = 0; j < b.size() && !found; ++j) {
      if (!used[j] && b[j].first == name && b[j].second.sizes() == tensor.sizes() && torch::equal(b[j].second, tensor)) {
        used[j] = found = true;
      }
    }
    EXPECT_TRUE(found) << c.algorithm << ": " << name << " differs between the resumed and the uninterrupted run";
  }
  // The metrics files agree line by line, every logged number included.
  std::ifstream fa(dir / "straight/metrics.jsonl"), fb(run.metrics_path());
  std::string la, lb;
  int lines = 0;
  while (std::getline(fa, la)) {
    ASSERT_TRUE(static_cast<bool>(std::getline(fb, lb)));
    auto ja = nlohmann::json::parse(la), jb = nlohmann::json::parse(lb);
    for (auto* j : {&ja, &jb}) j->erase("wall_time");
    EXPECT_EQ(ja.dump(), jb.dump()) << c.algorithm;
    ++lines;
  }
  EXPECT_FALSE(static_cast<bool>(std::getline(fb, lb)));
  EXPECT_EQ(lines, c.metrics_lines);  // one stage of 9: steps 2, 4, 6, 8, 9

  // The last checkpoint alone acts: an algorithm built without data loads it and acts like the trained one.
  auto acting = make_algorithm(c.algorithm, c.yaml, toy_context(nullptr, 3, 2));
  training::CheckpointReader checkpoint(run.checkpoints_dir() / "latest.pt");
  acting->load(checkpoint);
  const auto states = torch::randn({7, 3});
  // The generative baselines draw their candidates from the global generator: the same seed for both.
  torch::manual_seed(21);
  const auto acted = acting->policy()->act(states);
  torch::manual_seed(21);
  EXPECT_TRUE(torch::equal(acted, straight->policy()->act(states))) << c.algorithm;
}

INSTANTIATE_TEST_SUITE_P(
    Baselines, BaselineResume,
    ::testing::Values(ResumeCase{"bc", "loss: nll\nsteps: 9\nbatch_size: 16\nactor: {hidden: [16]}\n"},
                      ResumeCase{"iql", "steps: 9\nbatch_size: 16\nactor: {hidden: [16]}\n"
                                        "critic: {network: {mlp: {hidden: [16]}}}\n"},
                      ResumeCase{"td3_bc", "steps: 9\nbatch_size: 16\nactor: {hidden: [16]}\ncritic: {hidden: [16]}\n"},
                      ResumeCase{"cql", "steps: 9\nbatch_size: 16\nn_actions: 4\nlagrange: true\n"
                                        "actor: {hidden: [16]}\ncritic: {hidden: [16]}\n"},
                      // Stages of 3 + 6 (IDQL, SfBC) and 3 + 3 + 3 (SRPO) steps: should_stop is also asked
                      // after each stage, so its 5th call comes after step 1 of the second stage. EMA
                      // copies are on, so they are compared too.
                      ResumeCase{"idql", "samples: 3\ncritic: {steps: 3, batch_size: 16, iql: {network: {mlp: {hidden: [16]}}}}\n"
                                         "behaviour: {steps: 6, batch_size: 16, ema_rate: 0.1, model: {network: {name: mlp, hidden: [16]}}}\n", 5},
                      ResumeCase{"sfbc", "samples: 3\nselect_count: 2\nbehaviour: {steps: 3, batch_size: 16, ema_rate: 0.1, "
                                         "model: {dpm_steps: 3, network: {name: mlp, hidden: [16]}}}\n"
                                         "critic: {steps: 6, batch_size: 16, iql: {network: {mlp: {hidden: [16]}}}}\n", 5},
                      ResumeCase{"diffusion_ql", "steps: 9\nbatch_size: 16\nsamples: 3\nema_start: 2\nema_every: 2\n"
                                                 "actor: {network: {name: mlp, hidden: [16]}}\ncritic: {hidden: [16]}\n"},
                      ResumeCase{"srpo", "behaviour: {steps: 3, batch_size: 16, model: {network: {name: mlp, hidden: [16]}}}\n"
                                         "critic: {steps: 3, batch_size: 16, iql: {network: {mlp: {hidden: [16]}}}}\n"
                                         "policy: {steps: 3, batch_size: 16, actor: {hidden: [16]}}\n", 6},
                      // QGPO: behaviour 3, fake_actions ceil(100 / 40) = 3, guidance 3.
                      ResumeCase{"qgpo", "fake_samples: 2\nfake_chunk: 40\n"
                                         "behaviour: {steps: 3, batch_size: 16, model: {dpm_steps: 2, network: {name: mlp, hidden: [16]}}}\n"
                                         "guidance: {steps: 3, batch_size: 16, critic: {hidden: [16]}, energy: {hidden: [16]}}\n", 6}),
    [](const auto& info) { return std::string(info.param.algorithm); });

}  // namespace
}  // namespace grl::baselines
