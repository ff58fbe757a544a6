// Recognising the genuine official D4RL downloads by SHA-256, so that `grl dataset info` can say
// whether a result was trained on the real data. Hashing a 200 MB file takes a moment, so it is
// done only when the size matches an official file, and remembered in a small cache keyed by
// path, size and modification time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace grl::datasets {

struct OfficialD4rlFile {
  std::string name;  // "hopper_medium_replay-v2"
  std::uintmax_t size;
  std::string sha256;
};

// The official v2 files whose digests we know (see docs/datasets.md).
const std::vector<OfficialD4rlFile>& official_d4rl_files();

struct FileIdentity {
  enum class Status {
    genuine,       // size and SHA-256 match an official file
    modified,      // the size matches an official file, the SHA-256 does not
    not_official,  // no official file has this size (the SHA-256 was not computed)
  };
  Status status = Status::not_official;
  std::string official_name;  // the matching official file, for genuine and modified
  std::string sha256;         // computed (or cached) digest; empty for not_official
  bool from_cache = false;
};

// The hash cache: $GRL_CACHE_DIR/sha256.tsv, else $XDG_CACHE_HOME/grl/sha256.tsv, else
// ~/.cache/grl/sha256.tsv.
std::filesystem::path default_hash_cache();

// Identifies `path` against `known`. A cache that cannot be read or written is ignored (it only
// saves time). Throws DatasetError when the file itself cannot be read.
FileIdentity identify_d4rl_file(const std::filesystem::path& path,
                                const std::vector<OfficialD4rlFile>& known = official_d4rl_files(),
                                const std::filesystem::path& cache = default_hash_cache());

}  // namespace grl::datasets
