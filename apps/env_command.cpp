// `grl env info | rollout | replay`: what an environment is, how a trivial policy scores in it,
// and a step-by-step replay of given actions for cross-checking our dynamics elsewhere.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "apps/command.h"
#include "apps/seed_check.h"
#include "common/atomic_file.h"
#include "common/seeding.h"
#include "envs/env.h"
#include "envs/env_rng.h"
#include "envs/locomotion_env.h"

namespace grl::cli {
namespace {

using envs::Env;

// The env of a run with seed `seed`: its RNG is seeded from the run seed's env stream, so that
// `rollout --seed S` and `replay --seed S` start from the same state.
void seed_env_for_run(Env& env, std::uint64_t seed) { env.seed(derive_seed(seed, SeedStream::env)); }

std::string format_number(double x, int precision) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(precision) << x;
  return out.str();
}

// Exact text of a double (reads back to the same value).
std::string exact(double x) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.17g", x);
  return buffer;
}

// Numbers separated by commas and/or whitespace; '#' starts a comment that runs to the end of the line.
std::vector<double> parse_numbers(const std::string& text, const std::string& where) {
  std::vector<double> values;
  std::string token;
  auto flush = [&] {
    if (token.empty()) return;
    char* end = nullptr;
    const double v = std::strtod(token.c_str(), &end);
    if (end == token.c_str() || *end != '\0')
      throw std::invalid_argument(where + ": '" + token + "' is not a number");
    values.push_back(v);
    token.clear();
  };
  bool comment = false;
  for (char c : text) {
    if (c == '\n') comment = false;
    if (comment) continue;
    if (c == '#') {
      flush();
      comment = true;
    } else if (c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      flush();
    } else {
      token += c;
    }
  }
  flush();
  return values;
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// ---------------------------------------------------------------------------------------------
struct EnvArgs {
  std::string env = "hopper";
  bool contact_forces = false;
  int max_episode_steps = 1000;

  envs::EnvOptions options() const {
    envs::EnvOptions o;
    o.contact_forces = contact_forces;
    o.max_episode_steps = max_episode_steps;
    return o;
  }
};

void add_env_args(CLI::App& app, EnvArgs& args) {
  app.add_option("--env", args.env, "environment id (halfcheetah, hopper, walker2d, ant) or a dataset id")
      ->capture_default_str();
  app.add_flag("--contact-forces", args.contact_forces, "Ant: real contact forces instead of D4RL's zeros");
  app.add_option("--max-episode-steps", args.max_episode_steps, "time limit")->check(CLI::PositiveNumber)->capture_default_str();
}

int run_info(const EnvArgs& args) {
  auto env = envs::make_env(args.env, args.options());
  const auto d = env->describe();
  const auto& spec = env->spec();
  const mjModel* m = env->model();
  const char* integrators[] = {"Euler", "RK4", "implicit"};
  std::cout << "env            " << d.id << " (" << spec.title << "-v2 semantics)\n";
  std::cout << "model          " << d.model_path << "\n";
  std::cout << "observation    " << d.obs_dim << " = " << d.observation << "\n";
  std::cout << "action         " << d.act_dim << " in [-1, 1] (clipped)\n";
  std::cout << "nq / nv / nu   " << d.nq << " / " << d.nv << " / " << m->nu << "\n";
  std::cout << "timestep       " << d.timestep << " s, " << (m->opt.integrator >= 0 && m->opt.integrator < 3 ? integrators[m->opt.integrator] : "?")
            << "\n";
  std::cout << "frame_skip     " << d.frame_skip << " -> dt " << d.dt << " s\n";
  std::cout << "time limit     " << d.max_episode_steps << " steps (timeout, not terminal)\n";
  std::cout << "total mass     " << format_number(mj_getTotalmass(m), 6) << " kg over " << m->nbody - 1 << " bodies\n";
  std::cout << "gears          ";
  for (int i = 0; i < m->nu; ++i) {
    const char* joint = mj_id2name(m, mjOBJ_JOINT, m->actuator_trnid[2 * i]);
    std::cout << (i ? ", " : "") << (joint ? joint : "?") << " " << m->actuator_gear[6 * i];
  }
  std::cout << "\ncontact forces " << d.contact_forces << "\n";
  std::cout << "D4RL reference random " << spec.ref_min_return << ", expert " << spec.ref_max_return
            << " (score = 100 (R - random) / (expert - random))\n";
  return 0;
}

// ---------------------------------------------------------------------------------------------
struct RolloutArgs {
  EnvArgs env;
  int episodes = 3;
  std::uint64_t seed = 0;
  std::string policy = "random";
};

int run_rollout(const RolloutArgs& args) {
  auto env = envs::make_env(args.env.env, args.env.options());
  const auto& spec = env->spec();
  seed_env_for_run(*env, args.seed);
  envs::EnvRng policy_rng(derive_seed(args.seed, SeedStream::evaluation));
  const bool random = args.policy == "random";
  std::vector<double> obs(env->obs_dim()), action(env->act_dim(), 0.0);

  std::cout << spec.id << ": " << args.episodes << " episode(s), " << args.policy << " policy, seed " << args.seed << "\n";
  std::cout << std::left << std::setw(9) << "episode" << std::right << std::setw(14) << "return" << std::setw(8) << "length"
            << std::setw(10) << "end" << std::setw(12) << "D4RL score" << "\n";
  double sum_return = 0, sum_length = 0, sum_score = 0;
  for (int e = 1; e <= args.episodes; ++e) {
    env->reset_into(obs.data());
    double episode_return = 0;
    int length = 0;
    envs::StepResult s;
    do {
      if (random)
        for (auto& a : action) a = policy_rng.uniform(-1.0, 1.0);
      s = env->step(action.data(), obs.data());
      episode_return += s.reward;
      ++length;
    } while (!s.done());
    const double score = envs::normalized_score(spec, episode_return);
    sum_return += episode_return;
    sum_length += length;
    sum_score += score;
    std::cout << std::left << std::setw(9) << e << std::right << std::setw(14) << format_number(episode_return, 3)
              << std::setw(8) << length << std::setw(10) << (s.terminal ? "terminal" : "timeout") << std::setw(12)
              << format_number(score, 2) << "\n";
  }
  const double n = args.episodes;
  std::cout << std::left << std::setw(9) << "mean" << std::right << std::setw(14) << format_number(sum_return / n, 3)
            << std::setw(8) << format_number(sum_length / n, 1) << std::setw(10) << "" << std::setw(12)
            << format_number(sum_score / n, 2) << "\n";
  return 0;
}

// ---------------------------------------------------------------------------------------------
struct ReplayArgs {
  EnvArgs env;
  std::string actions;
  std::string out;
  std::uint64_t seed = 0;
  std::string qpos, qvel, state;
  bool with_state = false;
  bool continue_after_done = false;
};

struct ActionRows {
  std::vector<std::vector<double>> rows;
  std::vector<int> lines;  // 1-based line number of each row
};

// A header names columns ("a0,a1,a2"); a row whose fields start like numbers is data, and a
// malformed one ("0.1,0.2,0.3e") is an error rather than a header to skip.
bool looks_like_header(const std::string& content) {
  std::stringstream fields(content);
  for (std::string field; std::getline(fields, field, ',');) {
    const auto start = field.find_first_not_of(" \t\r");
    if (start != std::string::npos && std::string("+-.0123456789").find(field[start]) != std::string::npos) return false;
  }
  return true;
}

ActionRows read_actions(const std::string& path, int act_dim) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open the action file " + path);
  ActionRows result;
  std::string line;
  bool first = true;
  for (int number = 1; std::getline(in, line); ++number) {
    const auto hash = line.find('#');
    const std::string content = line.substr(0, hash);
    if (content.find_first_not_of(" \t\r,") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(number);
    std::vector<double> values;
    try {
      values = parse_numbers(content, where);
    } catch (const std::invalid_argument&) {
      if (first && looks_like_header(content)) {
        first = false;
        continue;
      }
      throw;
    }
    first = false;
    if (static_cast<int>(values.size()) != act_dim)
      throw std::invalid_argument(where + ": expected " + std::to_string(act_dim) + " action values, got " +
                                  std::to_string(values.size()));
    result.rows.push_back(std::move(values));
    result.lines.push_back(number);
  }
  if (result.rows.empty()) throw std::invalid_argument(path + ": no actions (expected rows of " + std::to_string(act_dim) + " numbers)");
  return result;
}

// True when `out` names the same file as `input` (a link or another spelling included).
bool same_file(const std::string& out, const std::string& input) {
  std::error_code error;
  return !input.empty() && std::filesystem::equivalent(out, input, error) && !error;
}

int run_replay(const ReplayArgs& args, const CLI::App& app) {
  // The output is written by rename over its path: pointed at an input, it would replace it.
  for (const auto& [option, input] : {std::pair<const char*, std::string>{"--actions", args.actions}, {"--state", args.state}}) {
    if (same_file(args.out, input)) {
      throw std::invalid_argument("--out " + args.out + " is the " + option + " file; the replay would replace it "
                                  "(choose another output path)");
    }
  }
  auto env = envs::make_env(args.env.env, args.env.options());
  const int nq = env->nq(), nv = env->nv(), obs_dim = env->obs_dim();
  const auto actions = read_actions(args.actions, env->act_dim());

  // Initial state: a seeded reset, or a given state.
  seed_env_for_run(*env, args.seed);
  std::vector<double> obs = env->reset();
  const bool given_qpos = app.count("--qpos") > 0, given_state = app.count("--state") > 0;
  if (given_qpos || given_state) {
    std::vector<double> qpos, qvel;
    if (given_state) {
      const auto values = parse_numbers(read_text_file(args.state), args.state);
      if (static_cast<int>(values.size()) != nq + nv)
        throw std::invalid_argument(args.state + ": expected " + std::to_string(nq + nv) + " numbers (qpos " +
                                    std::to_string(nq) + " then qvel " + std::to_string(nv) + "), got " +
                                    std::to_string(values.size()));
      qpos.assign(values.begin(), values.begin() + nq);
      qvel.assign(values.begin() + nq, values.end());
    } else {
      qpos = parse_numbers(args.qpos, "--qpos");
      qvel = parse_numbers(args.qvel, "--qvel");
      if (static_cast<int>(qpos.size()) != nq) throw std::invalid_argument("--qpos: expected " + std::to_string(nq) + " numbers, got " + std::to_string(qpos.size()));
      if (static_cast<int>(qvel.size()) != nv) throw std::invalid_argument("--qvel: expected " + std::to_string(nv) + " numbers, got " + std::to_string(qvel.size()));
    }
    env->set_state(qpos, qvel);
    obs = env->observe();
  }

  std::ostringstream csv;
  csv << "step,reward,terminal,timeout";
  for (int k = 0; k < obs_dim; ++k) csv << ",obs_" << k;
  if (args.with_state) {
    for (int k = 0; k < nq; ++k) csv << ",qpos_" << k;
    for (int k = 0; k < nv; ++k) csv << ",qvel_" << k;
  }
  csv << "\n";
  std::vector<double> qpos(nq), qvel(nv);
  auto write_row = [&](int step, const envs::StepResult* s) {
    csv << step;
    if (s) csv << "," << exact(s->reward) << "," << int(s->terminal) << "," << int(s->timeout);
    else csv << ",,,";
    for (double v : obs) csv << "," << exact(v);
    if (args.with_state) {
      env->get_state(qpos.data(), qvel.data());
      for (double v : qpos) csv << "," << exact(v);
      for (double v : qvel) csv << "," << exact(v);
    }
    csv << "\n";
  };
  write_row(0, nullptr);

  double total = 0;
  std::size_t applied = 0;
  std::string ended;
  for (; applied < actions.rows.size(); ++applied) {
    envs::StepResult s;
    try {
      s = env->step(actions.rows[applied].data(), obs.data());
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(args.actions + ":" + std::to_string(actions.lines[applied]) + ": " + e.what());
    }
    total += s.reward;
    write_row(static_cast<int>(applied) + 1, &s);
    if (s.done() && !args.continue_after_done) {
      ended = s.terminal ? "terminal" : "timeout";
      ++applied;
      break;
    }
  }
  write_file_atomic(args.out, csv.str());
  std::cout << "replayed " << applied << " of " << actions.rows.size() << " actions in " << env->spec().id
            << ", return " << format_number(total, 6) << " -> " << args.out << "\n";
  if (!ended.empty() && applied < actions.rows.size())
    std::cerr << "note: the episode ended (" << ended << ") at step " << applied << "; " << actions.rows.size() - applied
              << " remaining actions were not applied (--continue-after-done applies them)\n";
  return 0;
}

// ---------------------------------------------------------------------------------------------
std::function<int()> add_env(CLI::App& parent, GlobalOptions&) {
  auto* env = parent.add_subcommand("env", "inspect, roll out and replay the locomotion environments");
  env->require_subcommand(1);

  static EnvArgs info_args;
  auto* info = env->add_subcommand("info", "dimensions, timing, model facts and D4RL reference scores");
  add_env_args(*info, info_args);

  static RolloutArgs rollout_args;
  auto* rollout = env->add_subcommand("rollout", "episodes of a random or zero policy: returns, lengths, scores");
  add_env_args(*rollout, rollout_args.env);
  rollout->add_option("--episodes", rollout_args.episodes, "number of episodes")->check(CLI::PositiveNumber)->capture_default_str();
  rollout->add_option("--seed", rollout_args.seed, "run seed (env noise and random actions)")
      ->check(seed_check(std::numeric_limits<std::uint64_t>::max()))
      ->capture_default_str();
  rollout->add_option("--policy", rollout_args.policy, "random (uniform in [-1, 1]) or zero")
      ->check(CLI::IsMember({"random", "zero"}))
      ->capture_default_str();

  static ReplayArgs replay_args;
  auto* replay = env->add_subcommand("replay", "apply an action sequence from a seed or a state; per-step CSV");
  add_env_args(*replay, replay_args.env);
  replay->add_option("--actions", replay_args.actions, "CSV, one action per row (a first line of column names is allowed)")
      ->required()
      ->check(CLI::ExistingFile);
  replay->add_option("--out", replay_args.out, "output CSV: step, reward, terminal, timeout, obs_*")->required();
  auto* seed = replay->add_option("--seed", replay_args.seed, "start from the reset state of this run seed (as rollout)")
                   ->check(seed_check(std::numeric_limits<std::uint64_t>::max()));
  auto* qpos = replay->add_option("--qpos", replay_args.qpos, "start from this qpos (comma-separated, with --qvel)");
  auto* qvel = replay->add_option("--qvel", replay_args.qvel, "start from this qvel (comma-separated, with --qpos)");
  auto* state = replay->add_option("--state", replay_args.state, "start from the state in this file: qpos then qvel")
                    ->check(CLI::ExistingFile);
  qpos->needs(qvel);
  qvel->needs(qpos);
  seed->excludes(qpos)->excludes(state);
  state->excludes(qpos);
  replay->add_flag("--with-state", replay_args.with_state, "also write qpos_* and qvel_* columns");
  replay->add_flag("--continue-after-done", replay_args.continue_after_done,
                   "keep applying actions after the episode ended (terminal or timeout)");

  return [env, info, rollout, replay] {
    if (env->got_subcommand(info)) return run_info(info_args);
    if (env->got_subcommand(rollout)) return run_rollout(rollout_args);
    return run_replay(replay_args, *replay);
  };
}

}  // namespace
}  // namespace grl::cli

GRL_REGISTER_COMMAND("env", 15, grl::cli::add_env);
