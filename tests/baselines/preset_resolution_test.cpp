// Every run-config preset under presets/ resolves to exactly the config it resolved to when
// tests/baselines/data/preset_resolutions.tsv was recorded: the SHA-256 of its fully resolved YAML
// (every field, defaults included, as a run's config.yaml holds it). Presets are written as bases
// plus per-dataset deltas (`extends:`); this test is what shows that a refactoring of those files
// left every published number where it was. After an intended change, record anew:
//   GRL_RECORD_PRESET_RESOLUTIONS=1 tests/grl_baselines_tests --gtest_filter='PresetResolution.*'
// and say in the commit which presets changed and why.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "algorithms/evaluation/run_config.h"
#include "baselines/register_baselines.h"
#include "common/atomic_file.h"
#include "common/config.h"
#include "common/sha256.h"

namespace grl::baselines {
namespace {

const std::filesystem::path kSourceDir = std::filesystem::path(__FILE__).parent_path().parent_path().parent_path();
const std::filesystem::path kRecord = kSourceDir / "tests" / "baselines" / "data" / "preset_resolutions.tsv";

// presets/<algorithm>/*.yaml that are run configs: not the sweeps, not SAC's online configs, not
// the bases that only exist to be extended (named base*.yaml).
std::map<std::string, std::string> resolve_presets() {
  ensure_baselines_registered();
  std::map<std::string, std::string> digests;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(kSourceDir / "presets")) {
    const auto& path = entry.path();
    const std::string relative = std::filesystem::relative(path, kSourceDir).string();
    if (path.extension() != ".yaml" || relative.rfind("presets/sweeps/", 0) == 0 || relative.rfind("presets/sac/", 0) == 0 ||
        path.filename().string().rfind("base", 0) == 0) {
      continue;
    }
    const auto config = evaluation::parse_run_config(config::load_file(path.string()));
    const std::string yaml = evaluation::run_config_yaml(config);
    digests[relative] = Sha256::hex(Sha256::of(yaml.data(), yaml.size()));
  }
  return digests;
}

TEST(PresetResolution, EveryPresetResolvesToItsRecordedConfig) {
  const auto digests = resolve_presets();
  ASSERT_GT(digests.size(), 150u);
  if (std::getenv("GRL_RECORD_PRESET_RESOLUTIONS")) {
    std::ostringstream out;
    for (const auto& [preset, digest] : digests) out << preset << "\t" << digest << "\n";
    write_file_atomic(kRecord, out.str());
    GTEST_SKIP() << "recorded " << digests.size() << " presets in " << kRecord;
  }
  std::map<std::string, std::string> recorded;
  std::istringstream in(read_file(kRecord));
  for (std::string preset, digest; in >> preset >> digest;) recorded[preset] = digest;
  for (const auto& [preset, digest] : recorded) {
    const auto now = digests.find(preset);
    if (now == digests.end()) {
      ADD_FAILURE() << preset << " is recorded but no longer exists";
    } else {
      EXPECT_EQ(now->second, digest) << preset << " resolves to another config than recorded";
    }
  }
  for (const auto& [preset, digest] : digests)
    EXPECT_TRUE(recorded.count(preset)) << preset << " is new: record it (see this file's header)";
}

}  // namespace
}  // namespace grl::baselines
