// Which OpenBLAS kernels this process computes with, and pinning them so numbers repeat across machines.
//
// OpenBLAS chooses its GEMM kernels for the CPU it finds (Haswell, Zen, SkylakeX, Cooperlake, ...), and
// kernels for different vector widths round differently. A behaviour policy rolled out through a
// chaotic simulator turns those last-bit differences into different episodes within some hundred
// steps: halfcheetah-random-native-50k-v0 made on an AVX-512 machine returned -364.92 +- 92.35 where
// the Haswell kernels give -352.23 +- 78.20. With the Haswell kernels, which every AVX2 x86-64 CPU
// runs, a native dataset and a training run come out bit-identical on every such machine.
#pragma once

#include <string>

namespace grl {

// Call first in main(). OpenBLAS reads OPENBLAS_CORETYPE once, when it is loaded, so when it is unset,
// the CPU has AVX2 and FMA and OpenBLAS chose other kernels, this sets OPENBLAS_CORETYPE=Haswell and
// returns true: the program must then restart (restart_for_environment in common/runtime.h) before it
// computes anything. A user who sets OPENBLAS_CORETYPE chooses the kernels instead (repeatable then
// only on the same kind of CPU). Returns false, changing nothing, where the BLAS is not OpenBLAS or the
// CPU is not x86-64.
bool pin_blas_kernels();

// "Haswell" and so on as OpenBLAS names them, or "" when the BLAS in use is not OpenBLAS.
std::string blas_kernel_name();

}  // namespace grl
