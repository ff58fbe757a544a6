// `grl bench run <sweep.yaml> [--out dir] [--workers N] [--launcher local|slurm] [--no-submit] [--wait]`
// `grl bench cell <sweep.yaml> --out dir --cell I`     one cell (what the launchers run)
// `grl bench report <dir>`                            tables and plots of a sweep folder
// `grl bench status <dir>`                            which cells are finished, started or waiting
// A sweep is algorithms x datasets x seeds (benchmark/sweep.h); its folder holds one run per cell.
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <iostream>
#include <unistd.h>

#include "algorithms/evaluation/run_config.h"
#include "apps/command.h"
#include "benchmark/cell_runner.h"
#include "benchmark/presets.h"
#include "benchmark/report.h"
#include "benchmark/slurm_launcher.h"
#include "benchmark/sweep_runner.h"

namespace grl::cli {
namespace {

struct BenchOptions {
  std::string sweep;
  std::string out;
  int workers = 0;
  std::string launcher = "local";
  bool no_submit = false;
  bool wait = false;
  std::size_t cell = 0;
  std::string dir;
};

std::filesystem::path self_executable() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("bench: cannot find the running grl binary (/proc/self/exe)");
  return exe;
}

std::vector<std::string> global_args(const GlobalOptions& global) {
  return {"--threads", std::to_string(global.runtime.threads), "--device", global.runtime.device};
}

int print_report(const std::filesystem::path& out) {
  const auto report = benchmark::write_report(out);
  std::ifstream table(report.dir / "table.md");
  std::cout << table.rdbuf() << "\n";
  std::cout << "report: " << (report.dir / "README.md").string() << " (" << report.runs << " runs";
  if (report.missing > 0) std::cout << ", " << report.missing << " cells unfinished";
  std::cout << ")\n";
  if (!report.plots) std::cout << "plots: " << (report.plot_note.empty() ? "none yet" : report.plot_note) << "\n";
  return 0;
}

int run_bench_run(const BenchOptions& options, const GlobalOptions& global, const std::string& command) {
  const auto sweep_file = benchmark::find_preset(options.sweep);
  const auto first = benchmark::load_sweep(sweep_file);  // checked before anything is written
  const std::filesystem::path out =
      options.out.empty() ? std::filesystem::path("runs") / "bench" / first.name : std::filesystem::path(options.out);
  const auto sweep = benchmark::prepare_sweep_folder(sweep_file, out, command);
  if (options.launcher == "slurm") {
    benchmark::SlurmOptions slurm;
    slurm.executable = self_executable();
    slurm.global_args = {"--device", global.runtime.device};
    slurm.submit = !options.no_submit;
    slurm.wait = options.wait;
    const auto submission = benchmark::launch_on_slurm(sweep, out, slurm);
    if (submission.cells.empty()) {
      std::cout << "every cell of " << out.string() << " is finished\n";
      return print_report(out);
    }
    if (submission.job_id.empty()) {
      std::cout << "wrote " << submission.script.string() << " (" << submission.cells.size() << " cells); submit it with sbatch\n";
      return 0;
    }
    if (!options.wait) {
      std::cout << "job " << submission.job_id << " (" << submission.cells.size() << " cells); watch with `squeue -j "
                << submission.job_id << "`, then: grl bench report " << out.string() << "\n";
      return 0;
    }
    return print_report(out);
  }
  benchmark::LocalRunOptions local;
  local.workers = options.workers;
  local.executable = self_executable();
  local.global_args = global_args(global);
  const auto summary = benchmark::run_sweep_locally(sweep, out, local, evaluation::stop_on_signals());
  std::cerr << "sweep " << sweep.name << ": " << summary.finished << " finished now, " << summary.already_finished
            << " before, " << summary.failed << " failed, " << summary.interrupted << " interrupted\n";
  for (const auto& failed : summary.failed_cells) std::cerr << "  failed: " << failed << "\n";
  print_report(out);
  if (summary.interrupted > 0) {
    std::cerr << "interrupted: run the same command again to finish the sweep\n";
    return 130;
  }
  return summary.failed > 0 ? 1 : 0;
}

int run_bench_cell(const BenchOptions& options) {
  const auto sweep = benchmark::load_sweep(options.sweep);
  const auto cells = benchmark::sweep_cells(sweep);
  if (options.cell >= cells.size()) {
    throw std::invalid_argument("cell " + std::to_string(options.cell) + " out of range: the sweep has " +
                                std::to_string(cells.size()) + " cells");
  }
  const auto& cell = cells[options.cell];
  std::cerr << "cell " << cell.index << ": " << cell.name << "\n";
  const auto outcome = benchmark::run_cell(sweep, cell, options.out, evaluation::stop_on_signals());
  if (outcome == benchmark::CellOutcome::interrupted) return 130;
  const auto result = benchmark::read_cell_result(benchmark::cell_result_path(options.out, cell));
  std::cout << cell.name << ": normalised score " << result.score_mean << " +- " << result.score_std << " over "
            << result.final_episodes << " episodes" << (outcome == benchmark::CellOutcome::already_finished ? " (finished before)" : "")
            << "\n";
  return 0;
}

int run_bench_status(const std::filesystem::path& out) {
  const auto sweep = benchmark::load_sweep(out / "sweep.yaml");
  std::size_t done = 0;
  for (const auto& cell : benchmark::sweep_cells(sweep)) {
    const auto dir = benchmark::cell_directory(out, cell);
    std::string state = "waiting";
    if (std::filesystem::exists(benchmark::cell_result_path(out, cell))) {
      const auto r = benchmark::read_cell_result(benchmark::cell_result_path(out, cell));
      std::ostringstream s;
      s.precision(3);
      s << "finished: score " << r.score_mean << " +- " << r.score_std;
      state = s.str();
      ++done;
    } else if (std::filesystem::exists(dir / "checkpoints" / "latest.pt")) {
      state = "started (resumes from its checkpoint)";
    } else if (std::filesystem::exists(dir)) {
      state = "started (no checkpoint yet)";
    }
    std::cout << std::setw(4) << cell.index << "  " << cell.name << "  " << state << "\n";
  }
  std::cout << done << " of " << benchmark::sweep_cells(sweep).size() << " cells finished\n";
  return 0;
}

std::function<int()> add_bench(CLI::App& parent, GlobalOptions& global) {
  auto options = std::make_shared<BenchOptions>();
  auto* bench = parent.add_subcommand("bench", "sweeps over algorithms x datasets x seeds, with tables and plots");
  bench->require_subcommand(1);
  auto* run = bench->add_subcommand("run", "run every unfinished cell of a sweep, then write its report");
  run->add_option("sweep", options->sweep, "sweep file (a path, or relative to presets/: sweeps/smoke.yaml)")->required();
  run->add_option("--out", options->out, "sweep folder (default: runs/bench/<sweep name>)");
  run->add_option("--workers", options->workers, "cells at once (default: the sweep's)")->check(CLI::PositiveNumber);
  run->add_option("--launcher", options->launcher, "local (child processes) or slurm (a job array)")
      ->check(CLI::IsMember({"local", "slurm"}))
      ->capture_default_str();
  run->add_flag("--no-submit", options->no_submit, "slurm: write the sbatch script without submitting it");
  run->add_flag("--wait", options->wait, "slurm: wait until the job array has finished, then report");
  auto* cell = bench->add_subcommand("cell", "run one cell of a sweep (what the launchers start)");
  cell->add_option("sweep", options->sweep, "the sweep folder's sweep.yaml")->required()->check(CLI::ExistingFile);
  cell->add_option("--out", options->out, "sweep folder")->required();
  cell->add_option("--cell", options->cell, "cell index")->required();
  auto* report = bench->add_subcommand("report", "results.csv, the paper-layout table and plots of a sweep folder");
  report->add_option("dir", options->dir, "sweep folder")->required()->check(CLI::ExistingDirectory);
  auto* status = bench->add_subcommand("status", "which cells of a sweep folder are finished");
  status->add_option("dir", options->dir, "sweep folder")->required()->check(CLI::ExistingDirectory);
  return [options, run, cell, report, &global] {
    if (run->parsed()) {
      std::string command = "grl bench run " + options->sweep;
      if (!options->out.empty()) command += " --out " + options->out;
      if (options->workers > 0) command += " --workers " + std::to_string(options->workers);
      if (options->launcher != "local") command += " --launcher " + options->launcher;
      return run_bench_run(*options, global, command);
    }
    if (cell->parsed()) return run_bench_cell(*options);
    if (report->parsed()) return print_report(options->dir);
    return run_bench_status(options->dir);
  };
}

}  // namespace
}  // namespace grl::cli

GRL_REGISTER_COMMAND("bench", 30, grl::cli::add_bench);
