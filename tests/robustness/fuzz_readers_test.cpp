// Bounded fuzzing of the three readers that take files from users: the YAML config reader, the
// HDF5 dataset reader and the checkpoint reader. Each test mutates a valid seed input (flipped
// bits, overwritten, deleted, duplicated and inserted bytes, truncation) GRL_FUZZ_INPUTS times
// (default 1000) with a fixed seed, and reads every mutant in a forked child with a time limit. A
// clean exception is the expected outcome for most mutants; a crash (any signal) or a hang (over
// 20 s) fails the test and leaves the input in the test's folder, named in the failure, to
// reproduce with the matching reader.
//
// Not fuzzed: LibTorch's archive parser behind a valid checksum. Mutated archives sealed with a
// correct trailer (files crafted on purpose, not damaged ones: damage fails the checksum first)
// made LibTorch 1.13 crash in its TorchScript source importer (ScriptTypeParser::parseClassConstant,
// 1 of 3000 mutants, 2026-12-08), which grl cannot guard against. As with torch.load, load
// checkpoints only from sources you trust; checksums detect damage, not intent.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>

#include "algorithms/training/checkpoint.h"
#include "common/atomic_file.h"
#include "common/config.h"
#include "datasets/d4rl_file.h"
#include "envs/env_catalog.h"
#include "robustness/robustness_support.h"
#include "support/temp_dir.h"

namespace grl {
namespace {

using grl::testing::write_bytes;

constexpr unsigned kSecondsPerInput = 20;

int fuzz_inputs() {
  const char* text = std::getenv("GRL_FUZZ_INPUTS");
  return text && std::atoi(text) > 0 ? std::atoi(text) : 1000;
}

std::string mutate(std::string bytes, std::mt19937_64& rng) {
  auto uniform = [&](std::size_t n) { return n == 0 ? std::size_t{0} : static_cast<std::size_t>(rng() % n); };
  const int edits = 1 + static_cast<int>(uniform(6));
  for (int e = 0; e < edits; ++e) {
    if (bytes.empty()) bytes.push_back('\0');
    const std::size_t at = uniform(bytes.size());
    switch (uniform(7)) {
      case 0: bytes[at] = static_cast<char>(bytes[at] ^ (1 << uniform(8))); break;           // flip a bit
      case 1: bytes[at] = static_cast<char>(uniform(256)); break;                              // overwrite a byte
      case 2: bytes.erase(at, 1 + uniform(64)); break;                                         // delete a run
      case 3: bytes.insert(at, bytes.substr(uniform(bytes.size()), 1 + uniform(64))); break;  // duplicate a run
      case 4: bytes.insert(at, std::string(1 + uniform(16), static_cast<char>(uniform(256)))); break;
      case 5: bytes.resize(at); break;                                                         // truncate
      default: {  // a "special" value where numbers live: 0xff.. or 0x7f.. runs
        const std::size_t n = std::min<std::size_t>(bytes.size() - at, 1 + uniform(8));
        std::memset(&bytes[at], uniform(2) ? 0xff : 0x7f, n);
      }
    }
  }
  return bytes;
}

// How reading one input in a child process ended: read, refused with an exception, or a failure
// (a crash, a hang, an unexpected exit) described in `failure`.
struct ChildRead {
  bool refused = false;
  std::string failure;
};

constexpr int kRefusedStatus = 3;  // the child's exit status when the reader threw

// Reads with `reader` in a child process, so that a crash or a hang cannot take the test down and
// the parent need not read the input again to learn whether it was refused.
ChildRead read_in_child(const std::function<void()>& reader) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::alarm(kSecondsPerInput);
    try {
      reader();
    } catch (const std::exception&) {
      ::_exit(kRefusedStatus);
    }
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ChildRead result;
  if (WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == kRefusedStatus)) {
    result.refused = WEXITSTATUS(status) == kRefusedStatus;
  } else if (WIFSIGNALED(status)) {
    result.failure = WTERMSIG(status) == SIGALRM ? "hung (over " + std::to_string(kSecondsPerInput) + " s)"
                                                 : std::string("crashed with signal ") + strsignal(WTERMSIG(status));
  } else {
    result.failure = "exited with status " + std::to_string(WEXITSTATUS(status));
  }
  return result;
}

// Mutates `seed` fuzz_inputs() times; each mutant is written to `input` and read.
void fuzz(const std::filesystem::path& input, const std::string& seed, std::uint64_t rng_seed,
          const std::function<void(const std::filesystem::path&)>& reader) {
  std::mt19937_64 rng(rng_seed);
  int refused = 0;
  const int n = fuzz_inputs();
  for (int i = 0; i < n; ++i) {
    const std::string mutant = mutate(seed, rng);
    write_bytes(input, mutant);
    const ChildRead outcome = read_in_child([&] { reader(input); });
    if (!outcome.failure.empty()) {
      // Outside the test's folder, which is removed when the test ends.
      const char* keep_dir = std::getenv("GRL_TEST_TMPDIR");
      const auto kept = std::filesystem::path(keep_dir ? keep_dir : std::filesystem::temp_directory_path().string()) /
                        ("grl-fuzz-failing-" + std::to_string(i) + "-" + input.filename().string());
      std::filesystem::copy_file(input, kept, std::filesystem::copy_options::overwrite_existing);
      FAIL() << "input " << i << " " << outcome.failure << "; kept as " << kept;
    }
    refused += outcome.refused;
  }
  std::cout << n << " mutants, " << refused << " refused with an error, " << n - refused << " read\n";
}

TEST(Fuzz, YamlConfigReaderNeverCrashesOrHangs) {
  grl::testing::TempDir dir;
  const std::string seed = R"(algorithm: gmpo
dataset: hopper-medium-v2
seed: 0
trainer: {log_every: 100, checkpoint_every: 1000}
gmpo:
  critic: {steps: 1000, lr: 3.0e-4, iql: {tau: 0.7}}
  policy:
    beta: [1, 2.5, .inf]
    model: {path: gvp, network: {name: mlp, hidden: [256, 256]}}
    anchors: &a {x: 1}
    copy: *a
)";
  fuzz(dir.path() / "config.yaml", seed, 1, [](const std::filesystem::path& path) {
    auto source = config::load_file(path.string());
    config::apply_overrides(source, {"gmpo.policy={beta: 3}"});
    (void)YAML::Dump(source.root);
  });
}

TEST(Fuzz, Hdf5DatasetReaderNeverCrashesOrHangs) {
  grl::testing::TempDir dir;
  datasets::D4rlFile file;
  torch::manual_seed(0);
  file.observations = torch::randn({40, 11});
  file.actions = torch::rand({40, 3}) * 2 - 1;
  file.rewards = torch::randn({40});
  file.terminals = torch::zeros({40}, torch::kBool);
  file.timeouts = torch::zeros({40}, torch::kBool);
  write_d4rl_file(dir.path() / "seed.hdf5", file);
  const std::string seed = read_file(dir.path() / "seed.hdf5");
  fuzz(dir.path() / "data.hdf5", seed, 2, [](const std::filesystem::path& path) {
    const auto read = datasets::read_d4rl_file(path);
    datasets::validate_d4rl_file(read, path.string(), &envs::env_spec("hopper"));
  });
}

std::string seed_checkpoint(const std::filesystem::path& dir) {
  torch::manual_seed(0);
  torch::nn::Linear net(11, 8);
  torch::optim::Adam adam(net->parameters());
  training::CheckpointWriter out;
  out.module("net", *net);
  out.optimizer("adam", adam);
  out.integer("trainer/step", 12);
  out.text("config", "seed: 0\n");
  out.global_rng_states();
  out.save(dir / "seed.pt");
  return read_file(dir / "seed.pt");
}

void read_whole_checkpoint(const std::filesystem::path& path) {
  const training::CheckpointReader in(path);
  torch::nn::Linear net(11, 8);
  torch::optim::Adam adam(net->parameters());
  in.module("net", *net);
  in.optimizer("adam", adam);
  (void)in.integer("trainer/step");
  (void)in.text("config");
  in.global_rng_states();
}

TEST(Fuzz, CheckpointReaderRefusesEveryDamagedFile) {
  grl::testing::TempDir dir;
  const std::string seed = seed_checkpoint(dir.path());
  // Damage as a disk or a copy makes it: every mutant must be refused by the checksum, cleanly.
  std::mt19937_64 rng(3);
  for (int i = 0; i < fuzz_inputs(); ++i) {
    const std::string mutant = mutate(seed, rng);
    // The seed itself, or the seed cut exactly before its trailer (a valid checkpoint written
    // before checksums), is not damage.
    if (mutant == seed || mutant == seed.substr(0, seed.size() - 56)) continue;
    write_bytes(dir.path() / "damaged.pt", mutant);
    const ChildRead outcome = read_in_child([&] { read_whole_checkpoint(dir.path() / "damaged.pt"); });
    ASSERT_EQ(outcome.failure, "") << "input " << i;
    EXPECT_TRUE(outcome.refused) << "input " << i << " was accepted";
  }
}

}  // namespace
}  // namespace grl
