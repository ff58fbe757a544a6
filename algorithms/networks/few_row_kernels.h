// Dense layers and SiLU for a few rows at a time on the CPU: the inner loop of sampling actions for
// one state (or a handful of evaluation envs) with a prepared network.
//
// Why hand-written: at 1-16 rows, OpenBLAS 0.3.21's sgemm (what LibTorch calls for addmm) packs the
// weight matrix on every call; measured on the 2-core build machine, a 512x512 layer at one row took
// 134 us through torch::addmm against 11 us for sgemv, and 200 us at ten rows. Eigen 3.4 was no better
// (178 us at four rows). These kernels stream each weight row once and reuse it for up to four input
// rows held in registers, so a layer costs what reading its weights costs.
//
// Everything here is plain float arrays, row-major, with explicit strides so that a layer can read
// and write slices of wider buffers (the residual net's concatenations cost no copies).
#pragma once

#include <cstdint>

namespace grl::networks::few_row {

// True when the fast (AVX2 + FMA) kernels run on this CPU. Without them the portable loops below are
// correct but slower than BLAS, so callers should prefer their BLAS path.
bool fast_kernels_available();

// y[r, o] = (accumulate ? y[r, o] : 0) + bias[o] + sum_k weight[o, k] * x[r, k]
// for r < rows, o < out, k < in. weight is [out, in] row-major (a torch::nn::Linear weight), x has
// row stride x_stride >= in, y has row stride y_stride >= out. bias may be null (no bias). x and y must
// not overlap.
void dense(const float* weight, const float* bias, int64_t out, int64_t in, const float* x, int64_t x_stride,
           int64_t rows, float* y, int64_t y_stride, bool accumulate);

// v[r, c] = v[r, c] / (1 + exp(-v[r, c])) for r < rows, c < cols (row stride `stride`).
void silu(float* v, int64_t rows, int64_t cols, int64_t stride);

// y[r, c] += x[r, c] for r < rows, c < cols. A row stride of 0 for x adds the same row to every row of y.
void add(float* y, int64_t y_stride, const float* x, int64_t x_stride, int64_t rows, int64_t cols);

}  // namespace grl::networks::few_row
