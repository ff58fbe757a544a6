#include "benchmark/slurm_launcher.h"

#include <sys/wait.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

#include "benchmark/cell_runner.h"
#include "common/atomic_file.h"

namespace grl::benchmark {

namespace {

// Runs a shell command; returns (exit status, stdout and stderr).
std::pair<int, std::string> run_command(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen((command + " 2>&1").c_str(), "r"), pclose);
  if (!pipe) return {-1, "cannot start: " + command};
  std::string output;
  std::array<char, 4096> buffer;
  while (fgets(buffer.data(), buffer.size(), pipe.get())) output += buffer.data();
  const int status = pclose(pipe.release());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

std::string quote(const std::string& text) {
  std::string q = "'";
  for (char c : text) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace

std::string slurm_script(const Sweep& sweep, const std::filesystem::path& out, const std::vector<std::size_t>& cells,
                         const SlurmOptions& options) {
  std::string array;
  for (const auto c : cells) array += (array.empty() ? "" : ",") + std::to_string(c);
  const auto abs_out = std::filesystem::absolute(out);
  std::ostringstream s;
  s << "#!/bin/bash\n";
  s << "# Written by grl bench run --launcher slurm for sweep '" << sweep.name << "': one array task per cell.\n";
  s << "#SBATCH --job-name=grl-" << sweep.name << "\n";
  s << "#SBATCH --array=" << array << "\n";
  s << "#SBATCH --output=" << (abs_out / "slurm" / "cell-%a.out").string() << "\n";
  s << "#SBATCH --cpus-per-task=" << sweep.slurm.cpus_per_task << "\n";
  s << "#SBATCH --time=" << sweep.slurm.time << "\n";
  // SIGTERM two minutes before the limit: the cell writes a checkpoint and a later run resumes it.
  s << "#SBATCH --signal=TERM@120\n";
  if (!sweep.slurm.partition.empty()) s << "#SBATCH --partition=" << sweep.slurm.partition << "\n";
  if (!sweep.slurm.gpus.empty()) s << "#SBATCH --gres=gpu:" << sweep.slurm.gpus << "\n";
  for (const auto& extra : sweep.slurm.extra) s << "#SBATCH " << extra << "\n";
  s << "set -euo pipefail\n";
  s << "exec " << quote(std::filesystem::absolute(options.executable).string());
  for (const auto& a : options.global_args) s << " " << quote(a);
  s << " --threads " << sweep.slurm.cpus_per_task << " bench cell " << quote((abs_out / "sweep.yaml").string())
    << " --out " << quote(abs_out.string()) << " --cell \"$SLURM_ARRAY_TASK_ID\"\n";
  return s.str();
}

SlurmSubmission launch_on_slurm(const Sweep& sweep, const std::filesystem::path& out, const SlurmOptions& options) {
  SlurmSubmission submission;
  for (const auto& cell : sweep_cells(sweep))
    if (!std::filesystem::exists(cell_result_path(out, cell))) submission.cells.push_back(cell.index);
  if (submission.cells.empty()) return submission;
  std::filesystem::create_directories(out / "slurm");
  submission.script = out / "slurm" / "cells.sbatch";
  write_file_atomic(submission.script, slurm_script(sweep, out, submission.cells, options));
  if (!options.submit) return submission;

  if (run_command("command -v sbatch").first != 0)
    throw std::runtime_error("sbatch not found: install SLURM (or run scripts/start-local-slurm.sh for a one-node "
                             "cluster), or use --no-submit and submit " + submission.script.string() + " yourself");
  const auto [status, output] = run_command("sbatch --parsable " + quote(submission.script.string()));
  if (status != 0) throw std::runtime_error("sbatch failed (" + std::to_string(status) + "): " + output);
  submission.job_id = output.substr(0, output.find_first_of(";\n"));
  std::cerr << "submitted SLURM job " << submission.job_id << ": " << submission.cells.size() << " cell(s), script "
            << submission.script.string() << "\n";
  if (!options.wait) return submission;
  for (;;) {
    const auto [code, queue] = run_command("squeue -h -j " + submission.job_id + " -o %i");
    if (code != 0 || queue.find_first_not_of(" \n") == std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::seconds(3));
  }
  return submission;
}

}  // namespace grl::benchmark
