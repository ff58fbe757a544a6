#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <sstream>

#include "common/atomic_file.h"
#include "common/metrics.h"
#include "common/progress.h"
#include "common/run_directory.h"
#include "support/temp_dir.h"

namespace grl {
namespace {

TEST(Progress, PlainModePrintsPeriodicLinesWithRateAndEta) {
  double t = 0;
  ProgressOptions options;
  options.terminal = false;
  options.line_interval_s = 10;
  options.clock = [&] { return t; };
  std::ostringstream out;
  {
    ProgressBar bar("critic", 100, out, options);
    for (int i = 0; i < 50; ++i) {
      t += 0.5;  // 2 it/s
      bar.advance();
    }
    bar.set_status("loss=0.5");
  }
  // Lines at t=10 (20 done) and t=20 (40 done), then the final line at t=25 (50 done).
  EXPECT_EQ(out.str(),
            "critic  20% 20/100 [0:10 < 0:40, 2.00 it/s]\n"
            "critic  40% 40/100 [0:20 < 0:30, 2.00 it/s]\n"
            "critic  50% 50/100 [0:25, 2.00 it/s] loss=0.5\n");
}

TEST(Progress, TerminalModeRedrawsOneLine) {
  double t = 0;
  ProgressOptions options;
  options.terminal = true;
  options.bar_width = 10;
  options.clock = [&] { return t; };
  std::ostringstream out;
  {
    ProgressBar bar("policy", 4, out, options);
    for (int i = 0; i < 4; ++i) {
      t += 1;
      bar.advance();
    }
  }
  const std::string text = out.str();
  const std::string last = "\rpolicy 100% |##########| 4/4 [0:04, 1.00 it/s]\033[K\n";
  ASSERT_GE(text.size(), last.size());
  EXPECT_EQ(text.substr(text.size() - last.size()), last) << text;
  EXPECT_NE(text.find("\rpolicy  50% |#####     | 2/4 [0:02 < 0:02, 1.00 it/s]\033[K"), std::string::npos) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
}

TEST(Progress, DurationFormat) {
  EXPECT_EQ(format_duration(5), "0:05");
  EXPECT_EQ(format_duration(3725), "1:02:05");
  EXPECT_EQ(format_duration(NAN), "--:--");
}

TEST(Metrics, JsonLinesAreWrittenAndAppended) {
  testing::TempDir dir;
  const auto path = dir / "run/metrics.jsonl";
  {
    MetricsWriter metrics(path);
    metrics.write("critic", 10, {{"q_loss", 0.25}, {"v_loss", 1.5}});
    metrics.write("policy", 20, {{"loss", NAN}});
  }
  {
    MetricsWriter resumed(path);
    resumed.write("eval", 30, {{"score", 71.5}});
  }
  std::istringstream lines(testing::read_text(path));
  std::vector<nlohmann::json> rows;
  for (std::string line; std::getline(lines, line);) rows.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0]["stage"], "critic");
  EXPECT_EQ(rows[0]["step"], 10);
  EXPECT_DOUBLE_EQ(rows[0]["q_loss"].get<double>(), 0.25);
  EXPECT_DOUBLE_EQ(rows[0]["v_loss"].get<double>(), 1.5);
  EXPECT_TRUE(rows[0].contains("wall_time"));
  EXPECT_TRUE(rows[1]["loss"].is_null());
  EXPECT_EQ(rows[2]["stage"], "eval");
  EXPECT_DOUBLE_EQ(rows[2]["score"].get<double>(), 71.5);
  // Keys keep their written order, which makes the files readable by eye.
  EXPECT_EQ(testing::read_text(path).rfind("{\"stage\":\"critic\",\"step\":10,\"wall_time\":", 0), 0u);
}

TEST(RunDirectory, LayoutAndRefusalToOverwrite) {
  testing::TempDir dir;
  const auto run = RunDirectory::create(dir.path(), "hopper-gmpo");
  EXPECT_TRUE(std::filesystem::is_directory(run.checkpoints_dir()));
  run.write_config("seed: 1\n");
  EXPECT_EQ(testing::read_text(run.config_path()), "seed: 1\n");
  EXPECT_EQ(run.metrics_path(), dir.path() / "hopper-gmpo" / "metrics.jsonl");
  try {
    RunDirectory::create(dir.path(), "hopper-gmpo");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("a run with this name exists"), std::string::npos);
  }
  EXPECT_EQ(RunDirectory::open(run.path()).path(), run.path());
  std::filesystem::create_directories(dir / "empty");
  EXPECT_THROW(RunDirectory::open(dir / "empty"), std::runtime_error);
  EXPECT_THROW(RunDirectory::create(dir.path(), "../escape"), std::runtime_error);
}

TEST(AtomicFile, FailedWriteLeavesTheOldFileAndNoTemporary) {
  testing::TempDir dir;
  const auto path = dir / "ckpt.bin";
  write_file_atomic(path, std::string("old contents"));
  EXPECT_THROW(write_file_atomic(path,
                                 [](std::ostream& out) {
                                   out << "half written";
                                   throw std::runtime_error("simulated crash");
                                 }),
               std::runtime_error);
  EXPECT_EQ(read_file(path), "old contents");
  int files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1);
  write_file_atomic(path, std::string("new"));
  EXPECT_EQ(read_file(path), "new");
}

}  // namespace
}  // namespace grl
