#include "benchmark/sweep_runner.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "benchmark/cell_runner.h"
#include "common/atomic_file.h"
#include "common/progress.h"

namespace grl::benchmark {

namespace {

// Starts `argv` with stdout and stderr appended to `log`; returns the child's pid.
pid_t spawn(const std::vector<std::string>& argv, const std::filesystem::path& log) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("bench run: fork failed");
  if (pid == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
      close(fd);
    }
    // The runner forwards stop requests itself; a terminal's Ctrl-C must not reach a cell twice.
    setpgid(0, 0);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

}  // namespace

Sweep prepare_sweep_folder(const std::filesystem::path& sweep_file, const std::filesystem::path& out,
                           const std::string& command) {
  const std::string text = read_file(sweep_file);  // throws naming a missing file
  if (text.empty()) throw std::runtime_error(sweep_file.string() + ": empty or unreadable sweep file");
  std::filesystem::create_directories(out / "cells");
  const auto copy = out / "sweep.yaml";
  if (std::filesystem::exists(copy)) {
    if (read_file(copy) != text) {
      throw std::runtime_error(out.string() + " holds another sweep (" + copy.string() + " differs from " +
                               sweep_file.string() + "); give another --out or restore the sweep file");
    }
  } else {
    std::ofstream(copy) << text;
  }
  std::ofstream(out / "commands.txt", std::ios::app) << command << "\n";
  return load_sweep(copy);
}

SweepRunSummary run_sweep_locally(const Sweep& sweep, const std::filesystem::path& out, const LocalRunOptions& options,
                                  const std::function<bool()>& should_stop) {
  const auto cells = sweep_cells(sweep);
  SweepRunSummary summary;
  summary.cells = cells.size();
  std::vector<SweepCell> pending;
  for (const auto& cell : cells) {
    if (std::filesystem::exists(cell_result_path(out, cell))) ++summary.already_finished;
    else pending.push_back(cell);
  }
  std::cerr << "sweep " << sweep.name << ": " << cells.size() << " cells, " << summary.already_finished
            << " already finished, " << pending.size() << " to run\n";
  const int workers = options.workers > 0 ? options.workers : sweep.workers;

  ProgressBar bar("sweep " + sweep.name, static_cast<std::int64_t>(pending.size()));
  std::map<pid_t, SweepCell> running;
  std::size_t next = 0;
  bool stopping = false;
  while ((next < pending.size() && !stopping) || !running.empty()) {
    if (!stopping && should_stop && should_stop()) {
      stopping = true;
      std::cerr << "\nbench run: stopping " << running.size() << " running cell(s); each writes a checkpoint\n";
      for (const auto& [pid, cell] : running) kill(pid, SIGTERM);
      if (running.empty()) break;
    }
    while (!stopping && next < pending.size() && static_cast<int>(running.size()) < workers) {
      const SweepCell& cell = pending[next++];
      std::filesystem::create_directories(cell_directory(out, cell));
      std::vector<std::string> argv = {options.executable.string()};
      argv.insert(argv.end(), options.global_args.begin(), options.global_args.end());
      argv.insert(argv.end(), {"bench", "cell", (out / "sweep.yaml").string(), "--out", out.string(), "--cell",
                               std::to_string(cell.index)});
      running.emplace(spawn(argv, cell_directory(out, cell) / "log.txt"), cell);
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      continue;
    }
    const auto it = running.find(pid);
    if (it == running.end()) continue;
    const SweepCell cell = it->second;
    running.erase(it);
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (code == 0 && std::filesystem::exists(cell_result_path(out, cell))) {
      ++summary.finished;
      const auto result = read_cell_result(cell_result_path(out, cell));
      std::ostringstream line;
      line.precision(3);
      line << "cell " << cell.name << ": normalised score " << result.score_mean << " +- " << result.score_std << " ("
           << result.final_episodes << " episodes)";
      bar.set_status(line.str());
      std::cerr << "\n" << line.str() << "\n";
      bar.advance();
    } else if (code == 130 || stopping) {
      ++summary.interrupted;
    } else {
      ++summary.failed;
      summary.failed_cells.push_back(cell.name + " (exit " + std::to_string(code) + ", see " +
                                     (cell_directory(out, cell) / "log.txt").string() + ")");
      std::cerr << "\ncell " << cell.name << " failed (exit " << code << "); its log: "
                << (cell_directory(out, cell) / "log.txt").string() << "\n";
      bar.advance();
    }
  }
  bar.finish();
  return summary;
}

}  // namespace grl::benchmark
