// Checkpoints prove their integrity: any damaged byte, a cut copy or a damaged trailer is refused
// with the file's name, a file written before checksums existed still loads (with a warning), and
// a write that fails (here: a file-size limit, which fails the write like a full disk does) leaves
// the previous file as it was and no temporary behind.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <sys/resource.h>

#include <csignal>
#include <fstream>

#include "algorithms/training/checkpoint.h"
#include "common/atomic_file.h"
#include "common/checksummed_file.h"
#include "common/sha256.h"
#include "robustness/robustness_support.h"
#include "support/temp_dir.h"

namespace grl {
namespace {

using grl::testing::message_of;
using grl::testing::write_bytes;

std::string bytes_of(const std::filesystem::path& path) { return read_file(path); }

std::filesystem::path small_checkpoint(const std::filesystem::path& dir, const std::string& name = "c.pt") {
  torch::manual_seed(3);
  torch::nn::Linear net(4, 3);
  training::CheckpointWriter out;
  out.module("net", *net);
  out.integer("step", 1234);
  out.text("config", "seed: 0\n");
  out.save(dir / name);
  return dir / name;
}

TEST(ChecksummedFile, TrailerHoldsTheSizeAndTheSha256OfThePayload) {
  grl::testing::TempDir dir;
  const std::string payload = "abc";
  write_checksummed_file(dir.path() / "f", payload);
  const std::string bytes = bytes_of(dir.path() / "f");
  ASSERT_EQ(bytes.size(), payload.size() + 56);
  EXPECT_EQ(bytes.substr(0, 3), "abc");
  EXPECT_EQ(bytes.substr(3, 16), std::string("GRL-SHA256-V1\n\0\0", 16));
  EXPECT_EQ(bytes.substr(19, 8), std::string("\x03\0\0\0\0\0\0\0", 8));
  // FIPS 180-2's example: SHA-256("abc").
  const auto digest = Sha256::of(payload.data(), payload.size());
  EXPECT_EQ(Sha256::hex(digest), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(bytes.substr(27), std::string(reinterpret_cast<const char*>(digest.data()), 32));
  const auto read = read_checksummed_file(dir.path() / "f");
  EXPECT_TRUE(read.verified);
  EXPECT_EQ(read.payload(), "abc");
}

TEST(ChecksummedFile, EveryFlippedByteIsDetected) {
  grl::testing::TempDir dir;
  const auto path = dir.path() / "f";
  std::string payload(300, '\0');
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(i * 7);
  write_checksummed_file(path, payload);
  const std::string good = bytes_of(path);
  for (std::size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x10);
    write_bytes(path, bad);
    const std::string m = message_of([&] { read_checksummed_file(path); });
    EXPECT_CONTAINS(m, path.string() + ": damaged: ") << "byte " << i;
  }
}

TEST(ChecksummedFile, CutCopiesAreDamagedAndFilesWithoutTrailerAreUnverified) {
  grl::testing::TempDir dir;
  const auto path = dir.path() / "f";
  write_checksummed_file(path, std::string(1000, 'x'));
  const std::string good = bytes_of(path);
  for (const std::size_t cut : {1, 10, 30, 46}) {
    write_bytes(path, good.substr(0, good.size() - cut));
    EXPECT_CONTAINS(message_of([&] { read_checksummed_file(path); }), "damaged") << "cut " << cut;
  }
  write_bytes(path, good.substr(0, 1000));
  const auto legacy = read_checksummed_file(path);
  EXPECT_FALSE(legacy.verified);
  EXPECT_EQ(legacy.payload(), std::string(1000, 'x'));
}

TEST(CheckpointIntegrity, FlippedExponentBitInAWeightIsRefusedByTheReader) {
  grl::testing::TempDir dir;
  const auto path = small_checkpoint(dir.path());
  std::string bytes = bytes_of(path);
  // The 4 x 3 weight is stored as raw float32s: find its first value and flip its top exponent bit,
  // the damage that made `grl eval` score 8.63 instead of 19.67 before checksums.
  torch::manual_seed(3);
  torch::nn::Linear net(4, 3);
  const float first = net->weight.flatten()[0].item<float>();
  const std::string pattern(reinterpret_cast<const char*>(&first), 4);
  const auto at = bytes.find(pattern);
  ASSERT_NE(at, std::string::npos);
  bytes[at + 3] = static_cast<char>(bytes[at + 3] ^ 0x40);
  write_bytes(path, bytes);
  const std::string m = message_of([&] { training::CheckpointReader reader(path); });
  EXPECT_CONTAINS(m, path.string() + ": damaged: SHA-256 of its data is ");
}

TEST(CheckpointIntegrity, DamagedZipHeaderIsAOneLineErrorNotALibTorchBacktrace) {
  grl::testing::TempDir dir;
  const auto path = small_checkpoint(dir.path());
  std::string bytes = bytes_of(path);
  bytes[0] = 'X';  // "PK\3\4" becomes "XK\3\4"
  write_bytes(path, bytes);
  const std::string m = message_of([&] { training::CheckpointReader reader(path); });
  EXPECT_CONTAINS(m, "damaged");
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
}

TEST(CheckpointIntegrity, CheckpointWithoutTrailerLoadsWithAWarning) {
  grl::testing::TempDir dir;
  const auto path = small_checkpoint(dir.path());
  const std::string bytes = bytes_of(path);
  const auto legacy = dir.path() / "legacy.pt";
  write_bytes(legacy, bytes.substr(0, bytes.size() - 56));
  ::testing::internal::CaptureStderr();
  const training::CheckpointReader reader(legacy);
  const std::string printed = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(reader.integer("step"), 1234);
  EXPECT_CONTAINS(printed, "warning: " + legacy.string() + " has no checksum");
  // Cut inside the archive: neither a trailer nor the zip end record.
  write_bytes(legacy, bytes.substr(0, bytes.size() / 2));
  EXPECT_CONTAINS(message_of([&] { training::CheckpointReader r(legacy); }), "not a GenerativeRL++ checkpoint");
}

// The limit makes write() fail with EFBIG as a full disk fails it with ENOSPC; SIGXFSZ is ignored
// as grl ignores it, so the write returns the error instead of killing the process.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    previous_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    getrlimit(RLIMIT_FSIZE, &previous_);
    rlimit limited = previous_;
    limited.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &limited);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &previous_);
    std::signal(SIGXFSZ, previous_handler_);
  }

 private:
  rlimit previous_{};
  void (*previous_handler_)(int) = nullptr;
};

TEST(AtomicWrite, AFailedWriteNamesThePathAndLeavesTheOldFileAndNoTemporary) {
  grl::testing::TempDir dir;
  const auto path = small_checkpoint(dir.path(), "latest.pt");
  const std::string before = bytes_of(path);
  std::string m;
  {
    const FileSizeLimit limit(4096);
    torch::nn::Linear big(64, 64);  // about 17 kB of weights: more than the limit
    training::CheckpointWriter out;
    out.module("net", *big);
    m = message_of([&] { out.save(path); });
  }
  EXPECT_CONTAINS(m, path.string() + ": cannot write: File too large");
  EXPECT_EQ(bytes_of(path), before);
  for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
    EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos) << entry.path();
  EXPECT_EQ(training::CheckpointReader(path).integer("step"), 1234);
}

}  // namespace
}  // namespace grl
