// Dense layers on bfloat16 weights and inputs with float32 accumulation, for sampling with a prepared
// network at InferencePrecision::bf16 (inference_precision.h). Needs AVX512-BF16
// (bf16_kernels_available()); the callers check.
//
// Why: each vdpbf16ps does 32 multiply-adds into 16 float32 sums, twice a float32 FMA's 16, and the
// weights take half the bytes, so a step of the few-row path (where the float32 kernels of
// few_row_kernels.h run near one core's FMA peak) can take about half the time.
//
// Layout (the one the instruction wants, with no horizontal sums): outputs in blocks of 16, and for
// each block the input pairs (k, k+1) one after the other, each pair as 16 lanes x 2 bf16:
//   packed[((block * pairs + p) * 16 + lane) * 2 + j] = weight[16 block + lane, 2 p + j]
// with zeros past `out` and `in`. y[r, 16 block : 16 block + 16] accumulates the products of a weight
// vector with the broadcast pair (x[r, 2p], x[r, 2p + 1]).
#pragma once

#include <cstdint>
#include <vector>

namespace grl::networks::bf16 {

// float -> bfloat16 bits, rounded to nearest even (NaN stays a quiet NaN), as torch's c10::BFloat16.
std::uint16_t round_to_bf16(float value);

struct PackedMatrix {
  std::vector<std::uint16_t> values;  // the layout above
  std::int64_t out = 0, in = 0;       // the float matrix's shape
  std::int64_t blocks = 0, pairs = 0; // ceil(out / 16), ceil(in / 2)
};

// Packs a row-major [out, in] float matrix (a torch::nn::Linear weight).
PackedMatrix pack(const float* weight, std::int64_t out, std::int64_t in);

// y[r, o] = (accumulate ? y[r, o] : 0) + bias[o] + sum_k bf16(weight[o, k]) * bf16(x[r, k])
// for r < rows, o < out; x rows are rounded to bfloat16 here. bias may be null. Strides as in
// few_row::dense; x and y must not overlap.
void dense(const PackedMatrix& weight, const float* bias, const float* x, std::int64_t x_stride, std::int64_t rows,
           float* y, std::int64_t y_stride, bool accumulate);

}  // namespace grl::networks::bf16
