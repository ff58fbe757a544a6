#include "algorithms/networks/bf16_kernels.h"

#include <cstring>
#include <utility>
#include <stdexcept>

#include "algorithms/networks/inference_precision.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define GRL_BF16_X86 1
#else
#define GRL_BF16_X86 0
#endif

namespace grl::networks::bf16 {

std::uint16_t round_to_bf16(float value) {
  std::uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((bits >> 16) | 0x0040u);  // NaN
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<std::uint16_t>(bits >> 16);
}

PackedMatrix pack(const float* weight, std::int64_t out, std::int64_t in) {
  PackedMatrix m;
  m.out = out;
  m.in = in;
  m.blocks = (out + 15) / 16;
  m.pairs = (in + 1) / 2;
  m.values.assign(static_cast<std::size_t>(m.blocks * m.pairs * 32), 0);
  for (std::int64_t o = 0; o < out; ++o) {
    const std::int64_t block = o / 16, lane = o % 16;
    for (std::int64_t k = 0; k < in; ++k) {
      const std::int64_t p = k / 2, j = k % 2;
      m.values[static_cast<std::size_t>(((block * m.pairs + p) * 16 + lane) * 2 + j)] = round_to_bf16(weight[o * in + k]);
    }
  }
  return m;
}

#if GRL_BF16_X86
namespace {

#define GRL_BF16 __attribute__((target("avx512f,avx512bw,avx512bf16")))

// B output blocks (16 outputs each) x R rows: the B*R accumulators, B weight vectors and one broadcast
// pair stay in the 32 zmm registers (B*R + B + 1 <= 32).
template <int B, int R>
GRL_BF16 void tile(const std::uint16_t* weight, std::int64_t pairs, const std::uint32_t* x, std::int64_t x_stride,
                   float* y, std::int64_t y_stride, __mmask16 last_mask) {
  __m512 acc[B][R];
#pragma GCC unroll 8
  for (int b = 0; b < B; ++b) {
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) acc[b][r] = _mm512_setzero_ps();
  }
  const std::int64_t block_values = pairs * 32;
  for (std::int64_t p = 0; p < pairs; ++p) {
    __m512bh w[B];
#pragma GCC unroll 8
    for (int b = 0; b < B; ++b) w[b] = (__m512bh)_mm512_loadu_si512(weight + b * block_values + p * 32);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const __m512bh pair = (__m512bh)_mm512_set1_epi32(static_cast<int>(x[r * x_stride + p]));
#pragma GCC unroll 8
      for (int b = 0; b < B; ++b) acc[b][r] = _mm512_dpbf16_ps(acc[b][r], w[b], pair);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 8
    for (int b = 0; b < B; ++b) {
      float* yr = y + r * y_stride + b * 16;
      const __mmask16 mask = b + 1 == B ? last_mask : static_cast<__mmask16>(0xffff);
      _mm512_mask_storeu_ps(yr, mask, _mm512_add_ps(_mm512_maskz_loadu_ps(mask, yr), acc[b][r]));
    }
  }
}

// x rows -> bfloat16 by the CPU's own conversion (round to nearest even, as round_to_bf16, except that
// it flushes float32 denormals below 1.2e-38 to zero, as the dot products treat them anyway).
GRL_BF16 void round_rows(const float* x, std::int64_t x_stride, std::int64_t rows, std::int64_t in,
                         std::uint32_t* pairs, std::int64_t pair_stride) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * x_stride;
    auto* out = reinterpret_cast<std::uint16_t*>(pairs + r * pair_stride);
    std::int64_t k = 0;
    for (; k + 32 <= in; k += 32) {
      const __m512bh h = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(xr + k + 16), _mm512_loadu_ps(xr + k));
      _mm512_storeu_si512(out + k, (__m512i)h);
    }
    if (k < in) {
      const std::int64_t left = in - k;  // 1..31
      const __mmask16 low = static_cast<__mmask16>(left >= 16 ? 0xffff : (1u << left) - 1u);
      const __mmask16 high = static_cast<__mmask16>(left <= 16 ? 0 : (1u << (left - 16)) - 1u);
      const __m512bh h = _mm512_cvtne2ps_pbh(_mm512_maskz_loadu_ps(high, xr + k + 16), _mm512_maskz_loadu_ps(low, xr + k));
      _mm512_mask_storeu_epi16(out + k, static_cast<__mmask32>((std::uint64_t{1} << left) - 1u), (__m512i)h);
    }
    if (in % 2 != 0) out[in] = 0;
  }
}

// One tile of B output blocks for `take` rows (1-6; B * take + B + 1 <= 32 registers).
template <int B>
GRL_BF16 void tile_for_rows(std::int64_t take, const std::uint16_t* weight, std::int64_t pairs, const std::uint32_t* x,
                            std::int64_t x_stride, float* y, std::int64_t y_stride, __mmask16 last_mask) {
  switch (take) {
    case 1: return tile<B, 1>(weight, pairs, x, x_stride, y, y_stride, last_mask);
    case 2: return tile<B, 2>(weight, pairs, x, x_stride, y, y_stride, last_mask);
    case 3: return tile<B, 3>(weight, pairs, x, x_stride, y, y_stride, last_mask);
    case 4: return tile<B, 4>(weight, pairs, x, x_stride, y, y_stride, last_mask);
    case 5: return tile<B, 5>(weight, pairs, x, x_stride, y, y_stride, last_mask);
    default: return tile<B, 6>(weight, pairs, x, x_stride, y, y_stride, last_mask);
  }
}

// Rows per pass: at most six, spread evenly (ten rows as 5 + 5).
constexpr std::int64_t kMaxRowsPerPass = 6;

// Output blocks outside, row passes inside: a group of B blocks' weights (64 KB for 512 inputs) stays in
// L2 while every pass of rows uses it, so at hundreds of rows the weights are read from L3 once, not
// once per pass.
template <int B>
GRL_BF16 void dense_rows(const PackedMatrix& m, const std::uint32_t* x, std::int64_t x_stride, std::int64_t rows,
                         float* y, std::int64_t y_stride) {
  std::vector<std::pair<std::int64_t, std::int64_t>> passes;  // (first row, rows)
  const std::int64_t count = (rows + kMaxRowsPerPass - 1) / kMaxRowsPerPass;
  for (std::int64_t pass = 0, r = 0; pass < count; ++pass) {
    const std::int64_t left = count - pass, take = (rows - r + left - 1) / left;
    passes.emplace_back(r, take);
    r += take;
  }
  const std::int64_t block_values = m.pairs * 32;
  const std::int64_t tail = m.out - (m.blocks - 1) * 16;  // outputs in the last block, 1..16
  const __mmask16 full = 0xffff, tail_mask = static_cast<__mmask16>((1u << tail) - 1u);
  std::int64_t b = 0;
  for (; b + B <= m.blocks; b += B) {
    for (const auto& [first, take] : passes) {
      tile_for_rows<B>(take, m.values.data() + b * block_values, m.pairs, x + first * x_stride, x_stride,
                       y + first * y_stride + b * 16, y_stride, b + B == m.blocks ? tail_mask : full);
    }
  }
  for (; b < m.blocks; ++b) {
    for (const auto& [first, take] : passes) {
      tile_for_rows<1>(take, m.values.data() + b * block_values, m.pairs, x + first * x_stride, x_stride,
                       y + first * y_stride + b * 16, y_stride, b + 1 == m.blocks ? tail_mask : full);
    }
  }
}

#undef GRL_BF16

}  // namespace
#endif

void dense(const PackedMatrix& weight, const float* bias, const float* x, std::int64_t x_stride, std::int64_t rows,
           float* y, std::int64_t y_stride, bool accumulate) {
  if (!bf16_kernels_available()) {
    throw std::runtime_error("bf16 dense: this CPU has no AVX512-BF16 (check bf16_kernels_available() first)");
  }
  for (std::int64_t r = 0; r < rows; ++r) {
    float* yr = y + r * y_stride;
    if (!accumulate) std::memset(yr, 0, static_cast<std::size_t>(weight.out) * sizeof(float));
    if (bias != nullptr) {
      for (std::int64_t o = 0; o < weight.out; ++o) yr[o] += bias[o];
    }
  }
  // The rows as bfloat16, `pairs` per row (a zero after an odd `in`; the packed weights are zero there too).
  thread_local std::vector<std::uint32_t> pairs;
  pairs.resize(static_cast<std::size_t>(rows * weight.pairs));
#if GRL_BF16_X86
  round_rows(x, x_stride, rows, weight.in, pairs.data(), weight.pairs);
  // One or two rows leave registers for eight output blocks per tile, more rows for four.
  if (rows <= 2) {
    dense_rows<8>(weight, pairs.data(), weight.pairs, rows, y, y_stride);
  } else {
    dense_rows<4>(weight, pairs.data(), weight.pairs, rows, y, y_stride);
  }
#endif
}

}  // namespace grl::networks::bf16
