// Our own D4RL-style datasets, recorded on our envs the way D4RL recorded its own: behaviour policies
// trained by online SAC (baselines/sac), shipped in benchmark/policies, and run to produce
//   <env>-random-native-v0         the untrained actor (SAC's step-0 snapshot), 1M transitions
//   <env>-medium-native-v0         the snapshot whose return is closest to a third of the expert's, 1M
//   <env>-expert-native-v0         the best snapshot, 1M
//   <env>-medium-expert-native-v0  medium then expert, 2M
//   <env>-medium-replay-native-v0  SAC's replay buffer up to the medium snapshot (the SAC run is
//                                  replayed from its config and seed, then its buffer written)
// and small variants (<env>-<kind>-native-50k-v0, not for medium-replay) for tests and the quick start.
// Actions are sampled from the policies (as D4RL did), so every file carries action log-probs.
//
// The files are written in the D4RL layout (datasets/d4rl_file.h) to native_search_dirs().front()
// ($GRL_DATASET_DIR or ~/.grl/datasets), so `--dataset hopper-medium-native-v0` finds them; a
// missing one is made on first use (ensure_native_dataset). Reference scores are D4RL's, so
// normalised scores mean the same as on D4RL files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "baselines/sac/sac.h"
#include "datasets/d4rl_file.h"

namespace grl::benchmark {

// One policy's share of a dataset: medium-expert is the medium dataset followed by the expert one,
// exactly as D4RL built its medium-expert files.
struct NativeDatasetPart {
  std::string policy;  // behaviour policy file in benchmark/policies ("hopper-medium.pt")
  std::uint64_t seed;  // episode seeds and the policy's action noise
};

struct NativeDatasetSpec {
  std::string id;                        // "hopper-medium-native-v0"
  std::string env;
  std::string kind;                      // random, medium, expert, medium-expert, medium-replay
  std::int64_t transitions = 0;          // rows per part (medium-replay: 0, the medium policy's step)
  std::vector<NativeDatasetPart> parts;  // in recording order
  int batch = 32;                        // episodes in lockstep (part of what makes a file reproducible)
};

// Every native dataset id, for the envs that have shipped policies (hopper, halfcheetah, walker2d).
const std::vector<NativeDatasetSpec>& native_dataset_specs();
std::optional<NativeDatasetSpec> find_native_dataset(const std::string& id);

// A shipped behaviour policy ("hopper-medium.pt"): $GRL_POLICY_DIR, <install>/share/grl/policies,
// then <source>/benchmark/policies.
std::filesystem::path find_behaviour_policy(const std::string& file_name);

struct MadeDataset {
  std::filesystem::path file;
  std::int64_t transitions = 0;
  std::int64_t episodes = 0;       // complete episodes
  double return_mean = 0, return_std = 0;
  double score_mean = 0;           // D4RL-normalised
  double seconds = 0;
};

// Records `spec` into `out` (temp file + rename). medium-replay replays the SAC run in a folder
// beside `out` (kept while unfinished, so an interrupted make resumes), which takes about as long as
// that part of the original training. `threads` steps the envs.
MadeDataset make_native_dataset(const NativeDatasetSpec& spec, const std::filesystem::path& out, int threads = 1);

// The file a native dataset lives in (native_search_dirs().front() / its D4RL-style file name).
std::filesystem::path native_dataset_path(const NativeDatasetSpec& spec);

// When `name` is a native dataset id whose file is not found, makes it (printing that it does) so
// that training, evaluation and `grl dataset info` can name native datasets without a separate step.
// Any other name is left alone. Throws for an unknown native id, listing the known ones.
void ensure_native_dataset(const std::string& name, int threads = 1);

// Chooses the behaviour policies of an env from a finished SAC run (runs/<name>/snapshots): random is
// the step-0 snapshot, expert the snapshot with the best sampled-action return, medium the one
// whose sampled-action return is closest to a third of the expert's. Each chosen actor is evaluated
// again over `episodes` episodes (sampled actions) and written to <out_dir>/<env>-<kind>.pt with the
// run's config, so that medium-replay can be replayed. Returns the three files' infos.
std::vector<sac::ActorFileInfo> select_behaviour_policies(const std::filesystem::path& run_dir,
                                                          const std::filesystem::path& out_dir, int episodes = 100);

}  // namespace grl::benchmark
