#include "benchmark/report.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "benchmark/published_scores.h"
#include "benchmark/sweep.h"
#include "common/atomic_file.h"
#include "envs/env_catalog.h"

namespace grl::benchmark {

namespace {

std::string fixed(double value, int digits = 1) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(digits) << value;
  return out.str();
}

// Datasets in the paper's row order (by their published counterpart), the others after, as given.
std::vector<std::string> ordered_datasets(const Sweep& sweep) {
  std::vector<std::string> ordered, rest;
  for (const auto& published : published_datasets())
    for (const auto& d : sweep.datasets)
      if (published_counterpart(d) == published) ordered.push_back(d);
  for (const auto& d : sweep.datasets)
    if (!published_counterpart(d)) rest.push_back(d);
  ordered.insert(ordered.end(), rest.begin(), rest.end());
  return ordered;
}

// Normalised score per evaluation step of one run's last evaluated stage: step -> score.
struct Curve {
  std::string stage;
  std::map<std::int64_t, double> scores;
};

Curve read_curve(const std::filesystem::path& metrics) {
  Curve curve;
  std::ifstream in(metrics);
  std::vector<std::pair<std::string, std::pair<std::int64_t, double>>> evals;
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("stage") || !j.contains("score_mean") || j["score_mean"].is_null()) continue;
    const std::string stage = j["stage"];
    if (stage.rfind("eval/", 0) != 0) continue;
    evals.push_back({stage.substr(5), {j.value("step", std::int64_t{0}), j["score_mean"].get<double>()}});
  }
  if (evals.empty()) return curve;
  curve.stage = evals.back().first;
  for (const auto& [stage, point] : evals)
    if (stage == curve.stage) curve.scores[point.first] = point.second;
  return curve;
}

// The last critic-stage line of a run that logs q_mean beside the data's mean discounted return
// (GMPO and GMPG do): {q_mean, data_return_mean}.
std::optional<std::pair<double, double>> read_critic_fit(const std::filesystem::path& metrics) {
  std::ifstream in(metrics);
  std::optional<std::pair<double, double>> last;
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || j.value("stage", "") != "critic") continue;
    if (!j.contains("q_mean") || !j.contains("data_return_mean") || !j["q_mean"].is_number() ||
        !j["data_return_mean"].is_number())
      continue;
    last = std::make_pair(j["q_mean"].get<double>(), j["data_return_mean"].get<double>());
  }
  return last;
}

struct Plotter {
  std::filesystem::path dir;
  std::vector<std::string> scripts;

  void script(const std::string& name, const std::string& body) {
    for (const char* terminal : {"png", "svg"}) {
      std::ostringstream gp;
      if (std::string(terminal) == "png") gp << "set terminal pngcairo size 900,520 enhanced font 'Sans,10'\n";
      else gp << "set terminal svg size 900,520 dynamic enhanced font 'Sans,10'\n";
      gp << "set output '" << name << "." << terminal << "'\n" << body;
      const std::string file = name + "." + terminal + ".gp";
      write_file_atomic(dir / file, gp.str());
      scripts.push_back(file);
    }
  }

  // Runs gnuplot on every script; returns "" or why it could not.
  std::string draw() const {
    if (std::system("command -v gnuplot > /dev/null 2>&1") != 0)
      return "gnuplot is not installed (apt-get install gnuplot-nox); the .dat and .gp files are in " + dir.string();
    for (const auto& s : scripts) {
      const std::string command = "cd '" + dir.string() + "' && gnuplot '" + s + "' 2> '" + s + ".log'";
      if (std::system(command.c_str()) != 0) return "gnuplot failed on " + (dir / s).string() + " (see its .log)";
    }
    return "";
  }
};

}  // namespace

ScoreSummary summarize_scores(const std::vector<double>& per_seed) {
  ScoreSummary s;
  s.seeds = per_seed.size();
  if (per_seed.empty()) return s;
  for (double x : per_seed) s.mean += x;
  s.mean /= static_cast<double>(per_seed.size());
  double squares = 0;
  for (double x : per_seed) squares += (x - s.mean) * (x - s.mean);
  s.std = std::sqrt(squares / static_cast<double>(per_seed.size()));
  return s;
}

ReportSummary write_report(const std::filesystem::path& out) {
  const Sweep sweep = load_sweep(out / "sweep.yaml");
  const auto cells = sweep_cells(sweep);
  ReportSummary summary;
  summary.dir = out / "report";
  std::filesystem::create_directories(summary.dir / "plots");

  // Results by (label, dataset), in seed order.
  std::map<std::pair<std::string, std::string>, std::vector<CellResult>> results;
  std::map<std::pair<std::string, std::string>, std::vector<Curve>> curves;
  std::map<std::pair<std::string, std::string>, std::vector<std::pair<double, double>>> critic_fits;
  std::vector<std::string> missing;
  std::set<std::string> machines, software, devices;
  std::map<std::string, std::string> budgets;  // label -> "critic 30000, policy 10000 steps"
  for (const auto& cell : cells) {
    const auto path = cell_result_path(out, cell);
    if (!std::filesystem::exists(path)) {
      missing.push_back(cell.name);
      continue;
    }
    const CellResult r = read_cell_result(path);
    results[{cell.algorithm.label, cell.dataset}].push_back(r);
    curves[{cell.algorithm.label, cell.dataset}].push_back(read_curve(cell_directory(out, cell) / "metrics.jsonl"));
    if (const auto fit = read_critic_fit(cell_directory(out, cell) / "metrics.jsonl")) {
      critic_fits[{cell.algorithm.label, cell.dataset}].push_back(*fit);
    }
    machines.insert(r.machine);
    software.insert(r.software);
    devices.insert(r.device);
    std::string budget;
    for (const auto& [stage, steps] : r.stages) budget += (budget.empty() ? "" : ", ") + stage + " " + std::to_string(steps);
    budgets[cell.algorithm.label] = budget + " steps";
  }
  summary.runs = cells.size() - missing.size();
  summary.missing = missing.size();

  // results.csv
  std::ostringstream csv;
  csv << "label,algorithm,dataset,env,seed,checkpoint,checkpoint_stage,checkpoint_step,final_episodes,return_mean,"
         "return_std,score_mean,score_std,train_seconds,eval_seconds,device,finished_at\n";
  for (const auto& cell : cells) {
    const auto it = results.find({cell.algorithm.label, cell.dataset});
    if (it == results.end()) continue;
    for (const auto& r : it->second) {
      if (r.seed != cell.seed) continue;
      csv << r.label << "," << r.algorithm << "," << r.dataset << "," << r.env << "," << r.seed << "," << r.checkpoint << ","
          << r.checkpoint_stage << "," << r.checkpoint_step << "," << r.final_episodes << "," << std::setprecision(10)
          << r.return_mean << "," << r.return_std << "," << r.score_mean << "," << r.score_std << "," << r.train_seconds << ","
          << r.eval_seconds << "," << r.device << "," << r.finished_at << "\n";
    }
  }
  write_file_atomic(summary.dir / "results.csv", csv.str());

  // table.md: ours (and the published number when there is one) per algorithm and dataset.
  const auto datasets = ordered_datasets(sweep);
  std::ostringstream table;
  table << "| dataset |";
  for (const auto& a : sweep.algorithms) {
    table << " " << a.label << " |";
    if (!published_column(a).empty()) table << " " << published_column(a) << " (paper) |";
  }
  table << "\n|---|";
  for (const auto& a : sweep.algorithms) table << (published_column(a).empty() ? "---|" : "---|---|");
  table << "\n";
  std::map<std::string, std::vector<double>> ours_by_label, paper_by_label;
  for (const auto& dataset : datasets) {
    const auto counterpart = published_counterpart(dataset);
    table << "| " << dataset << " |";
    for (const auto& a : sweep.algorithms) {
      const auto it = results.find({a.label, dataset});
      if (it == results.end()) {
        table << " - |";
      } else {
        std::vector<double> per_seed;
        for (const auto& r : it->second) per_seed.push_back(r.score_mean);
        const auto s = summarize_scores(per_seed);
        ours_by_label[a.label].push_back(s.mean);
        table << " " << fixed(s.mean) << " ± " << fixed(s.std) << " (" << s.seeds << ") |";
      }
      const std::string column = published_column(a);
      if (column.empty()) continue;
      const auto published = counterpart ? published_score(column, *counterpart) : std::nullopt;
      if (!published) {
        table << " - |";
        continue;
      }
      if (it != results.end()) paper_by_label[a.label].push_back(published->mean);
      table << " " << fixed(published->mean) << (published->std ? " ± " + fixed(*published->std) : std::string()) << " |";
    }
    table << "\n";
  }
  table << "| average |";
  for (const auto& a : sweep.algorithms) {
    const auto& ours = ours_by_label[a.label];
    table << " " << (ours.empty() ? std::string("-") : fixed(summarize_scores(ours).mean)) << " |";
    if (published_column(a).empty()) continue;
    const auto& paper = paper_by_label[a.label];
    table << " " << (paper.empty() ? std::string("-") : fixed(summarize_scores(paper).mean)) << " |";
  }
  table << "\n";
  write_file_atomic(summary.dir / "table.md", table.str());

  // Plots: learning curves and bars per dataset.
  Plotter plotter{summary.dir / "plots", {}};
  std::vector<std::string> plot_names;
  for (const auto& dataset : datasets) {
    const std::string safe = file_safe_name(std::filesystem::path(dataset).stem().string());
    std::ostringstream curve_plot, bars;
    std::string x_stage;
    int color = 1;
    for (const auto& a : sweep.algorithms) {
      const auto it = curves.find({a.label, dataset});
      if (it == curves.end()) continue;
      // Steps every seed evaluated at.
      std::map<std::int64_t, std::vector<double>> by_step;
      for (const auto& c : it->second) {
        x_stage = c.stage;
        for (const auto& [step, score] : c.scores) by_step[step].push_back(score);
      }
      std::ostringstream dat;
      dat << "# step mean std seeds (" << a.label << " on " << dataset << ")\n";
      for (const auto& [step, scores] : by_step) {
        if (scores.size() != it->second.size()) continue;
        const auto s = summarize_scores(scores);
        dat << step << " " << s.mean << " " << s.std << " " << s.seeds << "\n";
      }
      const std::string dat_file = "curve-" + safe + "-" + file_safe_name(a.label) + ".dat";
      write_file_atomic(plotter.dir / dat_file, dat.str());
      curve_plot << (color == 1 ? "plot " : ", \\\n     ") << "'" << dat_file
                 << "' using 1:($2-$3):($2+$3) with filledcurves fs transparent solid 0.2 noborder lc " << color
                 << " notitle, '" << dat_file << "' using 1:2 with linespoints lw 2 pt 7 ps 0.6 lc " << color << " title '"
                 << a.label << "'";
      ++color;
    }
    if (color > 1) {
      plotter.script(safe + "-curves", "set title '" + dataset + ": normalised score during training (mean and std over seeds)' noenhanced\n"
                                       "set xlabel '" + x_stage + " step'\nset ylabel 'D4RL-normalised score'\nset key outside right\n"
                                       "set grid\n" + curve_plot.str() + "\n");
      plot_names.push_back(safe + "-curves");
    }
    std::ostringstream bar_dat;
    bar_dat << "# label ours ours_std paper paper_std\n";
    bool any = false;
    for (const auto& a : sweep.algorithms) {
      const auto it = results.find({a.label, dataset});
      if (it == results.end()) continue;
      std::vector<double> per_seed;
      for (const auto& r : it->second) per_seed.push_back(r.score_mean);
      const auto s = summarize_scores(per_seed);
      const auto counterpart = published_counterpart(dataset);
      const auto published = counterpart && !published_column(a).empty() ? published_score(published_column(a), *counterpart) : std::nullopt;
      bar_dat << "\"" << a.label << "\" " << s.mean << " " << s.std << " " << (published ? fixed(published->mean) : "NaN") << " "
              << (published && published->std ? fixed(*published->std) : "0") << "\n";
      any = true;
    }
    if (any) {
      const std::string dat_file = "bars-" + safe + ".dat";
      write_file_atomic(plotter.dir / dat_file, bar_dat.str());
      plotter.script(safe + "-bars", "set title '" + dataset + ": final normalised score (ours: mean and std over seeds)' noenhanced\n"
                                     "set ylabel 'D4RL-normalised score'\nset style data histograms\n"
                                     "set style histogram errorbars gap 2 lw 1\nset style fill solid 0.7 border -1\n"
                                     "set datafile missing 'NaN'\nset yrange [0:*]\nset grid ytics\nset key top left\n"
                                     "set xtics noenhanced\n"
                                     "plot '" + dat_file + "' using 2:3:xtic(1) title 'ours', '' using 4:5 title 'published (D4RL)'\n");
      plot_names.push_back(safe + "-bars");
    }
  }
  summary.plot_note = plotter.draw();
  summary.plots = summary.plot_note.empty() && !plot_names.empty();

  // README.md
  std::ostringstream md;
  md << "# Benchmark report: " << sweep.name << "\n\n";
  if (!sweep.description.empty()) md << sweep.description << "\n\n";
  md << "Written by `grl bench report " << out.string() << "` from " << summary.runs << " finished run(s)";
  if (!missing.empty()) md << "; " << missing.size() << " cell(s) not finished yet";
  md << ". Scores are D4RL-normalised (100 = the D4RL expert reference return); each run's score is the mean over "
     << sweep.evaluation.final_episodes << " final evaluation episodes of its " << sweep.evaluation.checkpoint
     << " checkpoint (episodes seeded apart from the evaluations during training); the table gives mean ± "
        "population std over seeds (seed count in brackets).\n\n";
  md << "## Commands\n\n```sh\n" << (std::filesystem::exists(out / "commands.txt") ? read_file(out / "commands.txt") : "") << "grl bench report " << out.string() << "\n```\n\n";
  md << "## Where it ran\n\n";
  for (const auto& m : machines) md << "- machine: " << m << "\n";
  for (const auto& s : software) md << "- software: " << s << "\n";
  for (const auto& d : devices) md << "- device: " << d << "\n";
  md << "\n## Budgets\n\n| algorithm | preset | overrides | steps per stage |\n|---|---|---|---|\n";
  for (const auto& a : sweep.algorithms) {
    std::string overrides;
    for (const auto& o : sweep.overrides) overrides += "`" + o + "` ";
    for (const auto& o : a.overrides) overrides += "`" + o + "` ";
    md << "| " << a.label << " (" << a.algorithm << ") | " << a.preset << " | " << overrides << " | "
       << (budgets.count(a.label) ? budgets[a.label] : "-") << " |\n";
  }
  md << "\n## Normalised scores\n\n" << table.str() << "\n";
  bool native = false;
  for (const auto& d : datasets) native |= envs::try_parse_dataset_id(d) && envs::try_parse_dataset_id(d)->native;
  if (native) {
    md << "The paper columns are the published numbers on D4RL's own v2 files of the same robot and kind, shown for "
          "orientation only: our native datasets are recorded on our envs by our own SAC policies with D4RL's recipe, "
          "and their behaviour policies score differently from D4RL's (docs/native-datasets.md; the hopper medium "
          "data scores about 20 against D4RL's 44), so compare the algorithms with each other and with the data's own "
          "score, not with these columns.\n\n";
  }
  if (!critic_fits.empty()) {
    md << "## Critic fit\n\nThe critic's mean Q on its last logged batch against the mean discounted return of the "
          "data's rows (what Q should reach once converged; both in the run's scaled rewards), mean over seeds. A "
          "ratio well below 1 means the critic stopped before it converged, and its advantages are mostly "
          "transient error.\n\n| algorithm | dataset | q_mean | data return | ratio |\n|---|---|---|---|---|\n";
    for (const auto& [key, fits] : critic_fits) {
      double q = 0, data = 0;
      for (const auto& [q_mean, data_return] : fits) {
        q += q_mean;
        data += data_return;
      }
      q /= static_cast<double>(fits.size());
      data /= static_cast<double>(fits.size());
      md << "| " << key.first << " | " << key.second << " | " << fixed(q) << " | " << fixed(data) << " | "
         << (data != 0 ? fixed(q / data, 2) : std::string("-")) << " |\n";
    }
    md << "\n";
  }
  md << "## Plots\n\n";
  if (summary.plots) {
    for (const auto& name : plot_names) md << "![" << name << "](plots/" << name << ".png)\n\n";
  } else {
    md << (plot_names.empty() ? std::string("No finished runs to plot.") : summary.plot_note) << "\n\n";
  }
  md << "## Runs\n\nOne row per run: [results.csv](results.csv).\n";
  if (!missing.empty()) {
    md << "\nNot finished:\n";
    for (const auto& m : missing) md << "- " << m << "\n";
  }
  write_file_atomic(summary.dir / "README.md", md.str());
  return summary;
}

}  // namespace grl::benchmark
