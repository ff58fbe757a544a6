#include "datasets/official_d4rl_files.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/atomic_file.h"
#include "datasets/dataset_error.h"
#include "datasets/sha256.h"

namespace grl::datasets {

const std::vector<OfficialD4rlFile>& official_d4rl_files() {
  static const std::vector<OfficialD4rlFile> files = {
      {"halfcheetah_medium-v2", 237727262, "41324e8487a9556d8cfa4538827f8937f4d63dae3030825ebc9f3a726ed08ca0"},
      {"hopper_medium-v2", 152756557, "5bdf1bc4a713c82941de44633df669b36c89850b652a25985166796d25cf71a0"},
      {"walker2d_medium-v2", 232254996, "cf00f43add04c17fdfc2958dd581dea0851b2e5bedbe6fda073758a8f841aeda"},
      {"halfcheetah_medium_replay-v2", 59448533, "48d494a4770c11f48260736dec090b78bdca8375647ed4d24bfa5b6610c7f683"},
      {"hopper_medium_replay-v2", 75854457, "e121c5f7c9857a307baa9edc6a2c3b48e85fedb9ac316ecddd0f48ca7ef4e39b"},
      {"walker2d_medium_replay-v2", 86323963, "e75de96a4f77acf7d4e0d6fdf0d7ccb177c26c44bb4388e4fd99f543ccfa18db"},
  };
  return files;
}

std::filesystem::path default_hash_cache() {
  if (const char* dir = std::getenv("GRL_CACHE_DIR"); dir && *dir) return std::filesystem::path(dir) / "sha256.tsv";
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::filesystem::path(xdg) / "grl" / "sha256.tsv";
  if (const char* home = std::getenv("HOME"); home && *home) return std::filesystem::path(home) / ".cache" / "grl" / "sha256.tsv";
  return std::filesystem::temp_directory_path() / "grl-sha256.tsv";
}

namespace {

// One line per file: size, modification time (file clock ticks), SHA-256, absolute path.
struct CacheEntry {
  std::uintmax_t size;
  long long mtime;
  std::string sha256;
  std::string path;
};

std::vector<CacheEntry> read_cache(const std::filesystem::path& cache) {
  std::vector<CacheEntry> entries;
  std::ifstream in(cache);
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    CacheEntry e;
    if (fields >> e.size >> e.mtime >> e.sha256 && std::getline(fields >> std::ws, e.path) && !e.path.empty())
      entries.push_back(e);
  }
  return entries;
}

void write_cache(const std::filesystem::path& cache, const std::vector<CacheEntry>& entries) {
  try {
    write_file_atomic(cache, [&](std::ostream& out) {
      for (const auto& e : entries) out << e.size << "\t" << e.mtime << "\t" << e.sha256 << "\t" << e.path << "\n";
    });
  } catch (const std::exception&) {
    // A read-only home directory only costs recomputing the digest next time.
  }
}

}  // namespace

FileIdentity identify_d4rl_file(const std::filesystem::path& path, const std::vector<OfficialD4rlFile>& known,
                                const std::filesystem::path& cache) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw DatasetError(path.string() + ": cannot read the file size: " + ec.message());
  FileIdentity identity;
  std::vector<const OfficialD4rlFile*> candidates;
  for (const auto& file : known)
    if (file.size == size) candidates.push_back(&file);
  if (candidates.empty()) return identity;

  const std::string absolute = std::filesystem::absolute(path).lexically_normal().string();
  const long long mtime = static_cast<long long>(std::filesystem::last_write_time(path, ec).time_since_epoch().count());
  auto entries = read_cache(cache);
  for (const auto& e : entries) {
    if (e.path == absolute && e.size == size && e.mtime == mtime) {
      identity.sha256 = e.sha256;
      identity.from_cache = true;
    }
  }
  if (!identity.from_cache) {
    identity.sha256 = sha256_file_hex(path);
    std::vector<CacheEntry> kept;
    for (const auto& e : entries)
      if (e.path != absolute) kept.push_back(e);
    kept.push_back({size, mtime, identity.sha256, absolute});
    write_cache(cache, kept);
  }
  identity.status = FileIdentity::Status::modified;
  identity.official_name = candidates.front()->name;
  for (const auto* file : candidates) {
    if (file->sha256 == identity.sha256) {
      identity.status = FileIdentity::Status::genuine;
      identity.official_name = file->name;
    }
  }
  return identity;
}

}  // namespace grl::datasets
