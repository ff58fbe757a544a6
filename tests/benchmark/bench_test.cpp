// The benchmark harness: sweep files and their errors, a sweep run end to end through `grl bench
// cell` processes, stopped and run again (only what was missing runs; an interrupted cell resumes),
// and a report whose numbers are recomputed here from the per-run files.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "baselines/register_baselines.h"
#include "benchmark/cell_runner.h"
#include "benchmark/episode_collector.h"
#include "benchmark/presets.h"
#include "benchmark/published_scores.h"
#include "benchmark/report.h"
#include "benchmark/sweep.h"
#include "benchmark/sweep_runner.h"
#include "common/atomic_file.h"
#include "datasets/d4rl_file.h"
#include "support/temp_dir.h"

namespace grl::benchmark {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

const char* kSweepHead = "name: t\ndatasets: [hopper-medium-native-v0]\nseeds: [0, 1]\n";

Sweep parse_text(const std::string& text) { return parse_sweep(config::load_text(text, "sweep.yaml")); }

TEST(Sweep, CellsAreAlgorithmsThenDatasetsThenSeeds) {
  const auto sweep = parse_text("name: t\nseeds: [0, 1]\n"
                                "datasets: [hopper-medium-native-v0, halfcheetah-medium-native-50k-v0]\n"
                                "algorithms:\n  - {label: GMPO-GVP, algorithm: gmpo, preset: gmpo/cpu-gvp.yaml}\n"
                                "  - {label: mine, algorithm: gmpo, preset: gmpo/cpu-icfm.yaml, published: GMPO-ICFM}\n");
  const auto cells = sweep_cells(sweep);
  ASSERT_EQ(cells.size(), 8u);
  EXPECT_EQ(cells[0].name, "GMPO-GVP__hopper-medium-native-v0__seed0");
  EXPECT_EQ(cells[3].name, "GMPO-GVP__halfcheetah-medium-native-50k-v0__seed1");
  EXPECT_EQ(cells[4].algorithm.label, "mine");
  EXPECT_EQ(published_column(cells[0].algorithm), "GMPO-GVP");  // the label is a published column
  EXPECT_EQ(published_column(cells[4].algorithm), "GMPO-ICFM");
  const auto per_dataset = parse_text("name: t\ndatasets: [hopper-medium-v2, walker2d-medium-replay-v2]\n"
                                      "algorithms:\n  - {label: A, algorithm: gmpo, preset: 'gmpo/{dataset}-gvp.yaml'}\n");
  EXPECT_EQ(cell_preset(sweep_cells(per_dataset)[1]).filename(), "walker2d-medium-replay-v2-gvp.yaml");
  const auto config = cell_run_config(sweep, cells[5]);
  EXPECT_EQ(config.root["dataset"].as<std::string>(), "hopper-medium-native-v0");
  EXPECT_EQ(config.root["seed"].as<int>(), 1);
  EXPECT_EQ(config.root["evaluation"]["episodes"].as<int>(), 10);
}

TEST(Sweep, ErrorsNameTheProblem) {
  const std::string algo = "algorithms:\n  - {label: A, algorithm: gmpo, preset: gmpo/cpu-gvp.yaml}\n";
  const std::string unknown_algorithm = error_of([&] {
    parse_text(std::string(kSweepHead) + "algorithms:\n  - {label: A, algorithm: gmpoo, preset: gmpo/cpu-gvp.yaml}\n");
  });
  EXPECT_NE(unknown_algorithm.find("sweep.yaml line 5: key 'algorithms[0]' (A): unknown algorithm 'gmpoo' (did you mean 'gmpo'?)"),
            std::string::npos)
      << unknown_algorithm;
  EXPECT_NE(error_of([&] { parse_text("name: t\ndatasets: [hopper-fancy-v2]\n" + algo); })
                .find("sweep.yaml line 2: key 'datasets': 'hopper-fancy-v2' is neither a dataset id"),
            std::string::npos);
  EXPECT_NE(error_of([&] { parse_text("name: t\ndatasets: [hopper-full-replay-native-v0]\n" + algo); })
                .find("'hopper-full-replay-native-v0' is not a native dataset"),
            std::string::npos);
  const std::string bad_override = error_of([&] { parse_text(std::string(kSweepHead) + "overrides: [gmpo.policy.betta=3]\n" + algo); });
  EXPECT_NE(bad_override.find("cell A__hopper-medium-native-v0__seed0: command-line override 'gmpo.policy.betta=3': "
                              "unknown key 'gmpo.policy.betta' (did you mean 'gmpo.policy.beta'?)"),
            std::string::npos)
      << bad_override;
  EXPECT_NE(error_of([&] { parse_text(std::string(kSweepHead) + "evaluation: {checkpoint: middle}\n" + algo); })
                .find("key 'evaluation.checkpoint': 'middle' is not one of {last, best}"),
            std::string::npos);
  EXPECT_NE(error_of([&] { parse_text(std::string(kSweepHead) + "workerz: 2\n" + algo); }).find("unknown key 'workerz' (did you mean 'workers'?)"),
            std::string::npos);
  EXPECT_NE(error_of([&] { parse_text(std::string(kSweepHead) + "algorithms:\n  - {label: A, algorithm: gmpo, preset: nope.yaml}\n"); })
                .find("cell A__hopper-medium-native-v0__seed0: cannot find the preset 'nope.yaml'"),
            std::string::npos);
  EXPECT_NE(error_of([&] { parse_text(std::string(kSweepHead) + algo + "  - {label: A, algorithm: gmpo, preset: gmpo/cpu-icfm.yaml}\n"); })
                .find("label 'A' appears twice"),
            std::string::npos);
}

TEST(Sweep, ShippedSweepsParse) {
  baselines::ensure_baselines_registered();  // grl's main() does this; the sweeps use the baselines
  for (const char* name : {"sweeps/smoke.yaml", "sweeps/cpu-native.yaml", "sweeps/cpu-hopper-quick.yaml",
                           "sweeps/cpu-classic-hopper.yaml", "sweeps/cpu-classic-halfcheetah.yaml",
                           "sweeps/cpu-generative.yaml", "sweeps/paper-locomotion.yaml"}) {
    const auto sweep = load_sweep(find_preset(name));
    EXPECT_FALSE(sweep_cells(sweep).empty()) << name;
  }
  // 9 datasets x (GMPO and GMPG x 3 models, and 9 baselines) x 3 seeds.
  EXPECT_EQ(sweep_cells(load_sweep(find_preset("sweeps/paper-locomotion.yaml"))).size(), 9u * 15 * 3);
  EXPECT_EQ(sweep_cells(load_sweep(find_preset("sweeps/cpu-native.yaml"))).size(), 2u * 11 * 3);
  EXPECT_EQ(sweep_cells(load_sweep(find_preset("sweeps/cpu-generative.yaml"))).size(), 2u * 7 * 3);
}

TEST(Report, SummaryIsTheMeanAndPopulationStdOverSeeds) {
  const auto s = summarize_scores({10.0, 20.0, 30.0});
  EXPECT_DOUBLE_EQ(s.mean, 20.0);
  EXPECT_DOUBLE_EQ(s.std, std::sqrt(200.0 / 3.0));
  EXPECT_EQ(s.seeds, 3u);
  EXPECT_EQ(published_counterpart("hopper-medium-native-v0"), "hopper-medium-v2");
  EXPECT_EQ(published_counterpart("hopper-medium-native-50k-v0"), "hopper-medium-v2");
  EXPECT_FALSE(published_counterpart("hopper-random-native-v0"));
  EXPECT_DOUBLE_EQ(published_score("GMPO-GVP", "hopper-medium-v2")->mean, 74.6);
  EXPECT_DOUBLE_EQ(*published_score("GMPO-GVP", "hopper-medium-v2")->std, 21.2);
  EXPECT_FALSE(published_score("IQL", "hopper-medium-v2")->std);
}

// Random-policy hopper data written by the test, and a sweep of three tiny GMPO cells on it.
std::filesystem::path tiny_sweep(const testing::TempDir& dir) {
  auto source = uniform_actions(3, 0);
  CollectionOptions options;
  options.env = "hopper";
  options.episodes = 40;
  auto data = collect_episodes(*source, options);
  datasets::write_d4rl_file(dir / "hopper-random.hdf5", data.file);
  const std::string sweep =
      "name: tiny\nworkers: 1\ndatasets: [" + (dir / "hopper-random.hdf5").string() + "]\nseeds: [0, 1]\n"
      "overrides: [trainer.log_every=10, trainer.checkpoint_every=10, trainer.eval_every=10, gmpo.critic.steps=20,\n"
      "            gmpo.policy.steps=30, gmpo.critic.batch_size=32, gmpo.policy.batch_size=32,\n"
      "            'gmpo.policy.model.network.hidden=[16, 16, 16]', gmpo.policy.model.grid_points=4,\n"
      "            evaluation.max_episode_steps=40]\n"
      "evaluation: {episodes: 2, final_episodes: 3, checkpoint: best}\n"
      "algorithms:\n"
      "  - {label: GMPO-GVP, algorithm: gmpo, preset: gmpo/cpu-gvp.yaml}\n"
      "  - {label: flow, algorithm: gmpo, preset: gmpo/cpu-icfm.yaml, published: GMPO-ICFM}\n";
  return dir.write("tiny.yaml", sweep);
}

LocalRunOptions runner() {
  const char* binary = std::getenv("GRL_BINARY");
  LocalRunOptions options;
  options.executable = binary ? binary : "grl";
  options.global_args = {"--threads", "1"};
  return options;
}

TEST(Bench, SweepStoppedAndRunAgainFinishesOnlyWhatWasMissingAndTheReportAddsUp) {
  if (!std::getenv("GRL_BINARY")) GTEST_SKIP() << "GRL_BINARY is not set (ctest sets it)";
  testing::TempDir dir;
  const auto out = dir / "sweep";
  const Sweep sweep = prepare_sweep_folder(tiny_sweep(dir), out, "test");
  const auto cells = sweep_cells(sweep);
  ASSERT_EQ(cells.size(), 4u);

  // 1. Stop as soon as the first cell has finished.
  auto first = run_sweep_locally(sweep, out, runner(), [&] { return std::filesystem::exists(cell_result_path(out, cells[0])); });
  EXPECT_EQ(first.finished, 1u);
  ASSERT_TRUE(std::filesystem::exists(cell_result_path(out, cells[0])));
  EXPECT_FALSE(std::filesystem::exists(cell_result_path(out, cells[1])));
  const auto first_written = std::filesystem::last_write_time(cell_result_path(out, cells[0]));

  // 2. Stop again once the second cell has written a checkpoint: it is interrupted, not failed.
  auto second = run_sweep_locally(sweep, out, runner(), [&] {
    return std::filesystem::exists(cell_directory(out, cells[1]) / "checkpoints" / "latest.pt");
  });
  EXPECT_EQ(second.already_finished, 1u);
  EXPECT_EQ(second.failed, 0u) << (second.failed_cells.empty() ? "" : second.failed_cells.front());
  EXPECT_EQ(second.interrupted + second.finished, 1u);

  // 3. Run to the end: the finished cell is left alone, the interrupted one resumes.
  auto third = run_sweep_locally(sweep, out, runner(), {});
  EXPECT_EQ(third.failed, 0u) << (third.failed_cells.empty() ? "" : third.failed_cells.front());
  EXPECT_EQ(third.already_finished + third.finished, 4u);
  EXPECT_EQ(std::filesystem::last_write_time(cell_result_path(out, cells[0])), first_written);
  if (second.interrupted == 1) {
    EXPECT_NE(read_file(cell_directory(out, cells[1]) / "log.txt").find("resuming"), std::string::npos);
  }

  // The report's numbers, recomputed from the cells' result files.
  const auto report = write_report(out);
  EXPECT_EQ(report.runs, 4u);
  EXPECT_EQ(report.missing, 0u);
  const std::string table = read_file(report.dir / "table.md");
  for (const std::string label : {"GMPO-GVP", "flow"}) {
    std::vector<double> scores;
    for (const auto& cell : cells) {
      if (cell.algorithm.label != label) continue;
      const auto r = read_cell_result(cell_result_path(out, cell));
      EXPECT_EQ(r.final_episodes, 3);
      EXPECT_EQ(r.checkpoint, "best");
      // The result's score is the mean of its own returns, normalised.
      double sum = 0;
      for (double x : r.returns) sum += x;
      EXPECT_NEAR(r.score_mean, 100 * (sum / r.returns.size() + 20.272305) / (3234.3 + 20.272305), 1e-9);
      scores.push_back(r.score_mean);
    }
    const auto s = summarize_scores(scores);
    std::ostringstream expected;
    expected << std::fixed << std::setprecision(1) << s.mean << " ± " << s.std << " (2)";
    EXPECT_NE(table.find(expected.str()), std::string::npos) << label << ": " << expected.str() << "\n" << table;
  }
  // A path dataset has no published counterpart: its paper cells are empty.
  EXPECT_NE(table.find("| dataset | GMPO-GVP | GMPO-GVP (paper) | flow | GMPO-ICFM (paper) |"), std::string::npos) << table;
  const std::string csv = read_file(report.dir / "results.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 5);  // header + 4 runs
  const std::string readme = read_file(report.dir / "README.md");
  EXPECT_NE(readme.find("## Where it ran"), std::string::npos);
  EXPECT_NE(readme.find("LibTorch"), std::string::npos);
  EXPECT_NE(readme.find("critic 20, policy 30 steps"), std::string::npos) << readme;
  // Critic fit: each label's last critic line per seed (both labels are GMPO runs), averaged.
  EXPECT_NE(readme.find("## Critic fit"), std::string::npos) << readme;
  for (const std::string label : {"GMPO-GVP", "flow"}) {
    double q = 0, data = 0;
    int seeds = 0;
    std::string dataset;
    for (const auto& cell : cells) {
      if (cell.algorithm.label != label) continue;
      dataset = cell.dataset;
      std::ifstream in(cell_directory(out, cell) / "metrics.jsonl");
      nlohmann::json last;
      for (std::string line; std::getline(in, line);) {
        const auto j = nlohmann::json::parse(line);
        if (j.value("stage", "") == "critic") last = j;
      }
      ASSERT_FALSE(last.is_null()) << label;
      q += last["q_mean"].get<double>();
      data += last["data_return_mean"].get<double>();
      ++seeds;
    }
    ASSERT_EQ(seeds, 2);
    std::ostringstream row;
    row << std::fixed << std::setprecision(1) << "| " << label << " | " << dataset << " | " << q / 2 << " | " << data / 2
        << " | " << std::setprecision(2) << q / data << " |";
    EXPECT_NE(readme.find(row.str()), std::string::npos) << row.str() << "\n" << readme;
  }
  if (report.plots) {
    EXPECT_TRUE(std::filesystem::exists(report.dir / "plots" / "hopper-random-curves.png"));
    EXPECT_TRUE(std::filesystem::exists(report.dir / "plots" / "hopper-random-bars.svg"));
  }
}

TEST(Bench, AnotherSweepInTheSameFolderIsRefused) {
  testing::TempDir dir;
  const auto a = dir.write("a.yaml", std::string(kSweepHead) + "algorithms:\n  - {label: A, algorithm: gmpo, preset: gmpo/cpu-gvp.yaml}\n");
  const auto b = dir.write("b.yaml", std::string(kSweepHead) + "algorithms:\n  - {label: B, algorithm: gmpo, preset: gmpo/cpu-gvp.yaml}\n");
  prepare_sweep_folder(a, dir / "out", "first");
  EXPECT_NE(error_of([&] { prepare_sweep_folder(b, dir / "out", "second"); }).find("holds another sweep"), std::string::npos);
  prepare_sweep_folder(a, dir / "out", "again");  // the same sweep is fine
  EXPECT_EQ(read_file(dir / "out" / "commands.txt"), "first\nagain\n");
}

}  // namespace
}  // namespace grl::benchmark
