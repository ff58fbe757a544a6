// `grl info`: what this build runs on. A missing OpenBLAS or a wrong thread count shows at once.
#include <H5public.h>
#include <mujoco/mujoco.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <set>
#include <thread>

#include "algorithms/networks/inference_precision.h"
#include "apps/command.h"
#include "common/blas_kernels.h"
#include "common/subnormals.h"
#include "grl_version.h"

namespace grl::cli {
namespace {

// Shared objects of the running process whose file name matches one of `needles`, symlinks resolved
// (Debian selects the BLAS through /etc/alternatives, so the name alone says nothing).
std::set<std::string> loaded_libraries(const std::vector<std::string>& needles) {
  std::set<std::string> found;
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);) {
    const auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    const std::string path = line.substr(slash);
    const std::string name = std::filesystem::path(path).filename().string();
    for (const auto& needle : needles) {
      if (name.find(needle) != std::string::npos) {
        std::error_code ec;
        const auto real = std::filesystem::canonical(path, ec);
        found.insert(ec ? path : real.string());
      }
    }
  }
  return found;
}

std::string blas_kind(const std::string& path) {
  if (path.find("openblas") != std::string::npos) {
    if (path.find("pthread") != std::string::npos) return "OpenBLAS (pthread)";
    if (path.find("openmp") != std::string::npos) return "OpenBLAS (OpenMP)";
    return "OpenBLAS";
  }
  if (path.find("mkl") != std::string::npos) return "Intel MKL";
  if (path.find("blis") != std::string::npos) return "BLIS";
  if (path.find("atlas") != std::string::npos) return "ATLAS";
  if (path.find("/blas/") != std::string::npos) return "reference BLAS (slow: apt-get install libopenblas0-pthread)";
  return "unknown";
}

// Single-precision matrix multiply throughput: the number that decides training speed here.
double sgemm_gflops(int n) {
  torch::NoGradGuard no_grad;
  auto a = torch::randn({n, n}), b = torch::randn({n, n});
  auto c = torch::mm(a, b);  // warm-up
  int repeats = 0;
  const auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  while (elapsed < 0.3) {
    c = torch::mm(a, b);
    ++repeats;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  return 2.0 * n * n * n * repeats / elapsed / 1e9;
}

int run_info(const GlobalOptions& global) {
  unsigned h5_major = 0, h5_minor = 0, h5_release = 0;
  H5get_libversion(&h5_major, &h5_minor, &h5_release);
  const int mj = mj_version();

  std::cout << "GenerativeRL++ " << GRL_VERSION_STRING << "\n";
  std::cout << "LibTorch       " << TORCH_VERSION << " (headers)";
  for (const auto& lib : loaded_libraries({"libtorch_cpu", "libtorch_cuda"})) std::cout << "  " << lib;
  std::cout << "\nMuJoCo         " << mj / 100 << "." << (mj / 10) % 10 << "." << mj % 10 << "\n";
  std::cout << "HDF5           " << h5_major << "." << h5_minor << "." << h5_release << "\n";

  const auto blas = loaded_libraries({"blas", "mkl_rt", "libblis"});
  if (blas.empty()) {
    std::cout << "BLAS           none loaded (LibTorch uses its own kernels)\n";
  } else {
    for (const auto& lib : blas) std::cout << "BLAS           " << blas_kind(lib) << "  " << lib << "\n";
  }
  const std::string kernels = grl::blas_kernel_name();
  if (!kernels.empty()) {
    const char* chosen = std::getenv("OPENBLAS_CORETYPE");
    std::cout << "BLAS kernels   " << kernels << " (OPENBLAS_CORETYPE=" << (chosen ? chosen : "unset")
              << (kernels == "Haswell" ? "; the same results on every AVX2 machine" : "") << ")\n";
  }
  std::cout << "sgemm 512      " << std::fixed << std::setprecision(1) << sgemm_gflops(512) << " GFLOP/s on "
            << torch::get_num_threads() << " thread(s)\n";
  std::cout << "threads        intra-op " << torch::get_num_threads() << " (--threads), inter-op "
            << torch::get_num_interop_threads() << ", hardware " << std::thread::hardware_concurrency() << "\n";
  // Checked on the threads themselves (grl sets it at start-up: common/subnormals.h).
  std::cout << "subnormals     " << check_subnormal_flushing().describe() << "\n";
  const char* wait_policy = std::getenv("OMP_WAIT_POLICY");
  std::cout << "OpenMP wait    " << (wait_policy ? wait_policy : "unset (libgomp's default: spin, then sleep)")
            << " (OMP_WAIT_POLICY; grl sets PASSIVE for --threads > 1)\n";
  std::cout << "bf16 kernels   " << (networks::bf16_kernels_available() ? "yes" : "no")
            << " (AVX512-BF16; grl eval --precision bf16)\n";
  std::cout << "devices        cpu";
  const int cuda = cuda_device_count();
  for (int i = 0; i < cuda; ++i) std::cout << ", cuda:" << i;
  if (cuda == 0) std::cout << "  (no CUDA: " << (torch::cuda::is_available() ? "" : "CPU-only LibTorch or no GPU") << ")";
  std::cout << "\nselected       " << global.runtime.device << "\n";
  return 0;
}

std::function<int()> add_info(CLI::App& parent, GlobalOptions& global) {
  parent.add_subcommand("info", "print versions, the BLAS in use, threads and devices");
  return [&global] { return run_info(global); };
}

}  // namespace
}  // namespace grl::cli

GRL_REGISTER_COMMAND("info", 0, grl::cli::add_info);
