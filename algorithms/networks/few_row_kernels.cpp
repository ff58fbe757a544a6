#include "algorithms/networks/few_row_kernels.h"

#include <cmath>
#include <cstring>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define GRL_FEW_ROW_X86 1
#else
#define GRL_FEW_ROW_X86 0
#endif

namespace grl::networks::few_row {

namespace portable {

void dense(const float* weight, int64_t out, int64_t in, const float* x, int64_t x_stride, int64_t rows, float* y,
           int64_t y_stride) {
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t o = 0; o < out; ++o) {
      float sum = 0.0f;
      for (int64_t k = 0; k < in; ++k) sum += weight[o * in + k] * x[r * x_stride + k];
      y[r * y_stride + o] += sum;
    }
  }
}

void silu(float* v, int64_t rows, int64_t cols, int64_t stride) {
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      float& a = v[r * stride + c];
      a = a / (1.0f + std::exp(-a));
    }
  }
}

}  // namespace portable

#if GRL_FEW_ROW_X86
namespace avx2 {

#define GRL_AVX2 __attribute__((target("avx2,fma")))

GRL_AVX2 inline float horizontal_sum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

// O output rows x R input rows: each 8-float chunk of a weight row is loaded once and multiplied into
// R rows of x; the O*R accumulators stay in registers (O*R + R + 1 <= 16 ymm registers).
template <int O, int R>
GRL_AVX2 void tile(const float* weight, int64_t in, const float* x, int64_t x_stride, float* y, int64_t y_stride) {
  __m256 acc[O][R];
#pragma GCC unroll 16
  for (int o = 0; o < O; ++o) {
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) acc[o][r] = _mm256_setzero_ps();
  }
  int64_t k = 0;
  for (; k + 8 <= in; k += 8) {
    __m256 xv[R];
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) xv[r] = _mm256_loadu_ps(x + r * x_stride + k);
#pragma GCC unroll 16
    for (int o = 0; o < O; ++o) {
      const __m256 w = _mm256_loadu_ps(weight + o * in + k);
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r) acc[o][r] = _mm256_fmadd_ps(w, xv[r], acc[o][r]);
    }
  }
  for (int o = 0; o < O; ++o) {
    for (int r = 0; r < R; ++r) {
      float sum = horizontal_sum(acc[o][r]);
      for (int64_t t = k; t < in; ++t) sum += weight[o * in + t] * x[r * x_stride + t];
      y[r * y_stride + o] += sum;
    }
  }
}

template <int O, int R>
GRL_AVX2 void row_block(const float* weight, int64_t out, int64_t in, const float* x, int64_t x_stride, float* y,
                        int64_t y_stride) {
  int64_t o = 0;
  for (; o + O <= out; o += O) tile<O, R>(weight + o * in, in, x, x_stride, y + o, y_stride);
  for (; o < out; ++o) tile<1, R>(weight + o * in, in, x, x_stride, y + o, y_stride);
}

// Inputs narrower than one vector (the first layer sees only the action, 3 to 8 numbers): transpose the
// small weight once and accumulate y_row += x[r, k] * weight[:, k] along the contiguous output axis.
GRL_AVX2 void dense_narrow(const float* weight, int64_t out, int64_t in, const float* x, int64_t x_stride,
                           int64_t rows, float* y, int64_t y_stride) {
  thread_local std::vector<float> transposed;
  transposed.resize(static_cast<std::size_t>(in * out));
  for (int64_t o = 0; o < out; ++o) {
    for (int64_t k = 0; k < in; ++k) transposed[k * out + o] = weight[o * in + k];
  }
  for (int64_t r = 0; r < rows; ++r) {
    float* yr = y + r * y_stride;
    for (int64_t k = 0; k < in; ++k) {
      const float xk = x[r * x_stride + k];
      const __m256 xb = _mm256_set1_ps(xk);
      const float* column = transposed.data() + k * out;
      int64_t o = 0;
      for (; o + 8 <= out; o += 8) {
        _mm256_storeu_ps(yr + o, _mm256_fmadd_ps(xb, _mm256_loadu_ps(column + o), _mm256_loadu_ps(yr + o)));
      }
      for (; o < out; ++o) yr[o] += xk * column[o];
    }
  }
}

GRL_AVX2 void dense(const float* weight, int64_t out, int64_t in, const float* x, int64_t x_stride, int64_t rows,
                    float* y, int64_t y_stride) {
  if (in < 8) return dense_narrow(weight, out, in, x, x_stride, rows, y, y_stride);
  // Every pass streams the whole weight matrix, so use as few passes as four rows per pass allows and
  // spread the rows evenly over them: ten rows as 4 + 3 + 3 rather than 4 + 4 + 2, because the wider
  // 3- and 4-row tiles reach 50-60 GFLOP/s and the 2-row tile about 35.
  const int64_t passes = (rows + 3) / 4;
  int64_t r = 0;
  for (int64_t pass = 0; pass < passes; ++pass) {
    const int64_t take = (rows - r) / (passes - pass) + ((rows - r) % (passes - pass) != 0 ? 1 : 0);
    const float* xp = x + r * x_stride;
    float* yp = y + r * y_stride;
    if (take == 4) row_block<3, 4>(weight, out, in, xp, x_stride, yp, y_stride);
    if (take == 3) row_block<4, 3>(weight, out, in, xp, x_stride, yp, y_stride);
    if (take == 2) row_block<6, 2>(weight, out, in, xp, x_stride, yp, y_stride);
    if (take == 1) row_block<8, 1>(weight, out, in, xp, x_stride, yp, y_stride);
    r += take;
  }
}

// exp(a) for 8 floats: Cephes' expf (range reduction by ln 2, degree-5 polynomial, 2^n through the
// exponent bits), within 2 ulp of std::exp on [-87, 88]; inputs are clamped to that range.
GRL_AVX2 inline __m256 exp8(__m256 a) {
  a = _mm256_min_ps(_mm256_max_ps(a, _mm256_set1_ps(-87.3365f)), _mm256_set1_ps(88.3762f));
  const __m256 n = _mm256_floor_ps(_mm256_fmadd_ps(a, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f)));
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), a);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(bits));
}

GRL_AVX2 void silu(float* v, int64_t rows, int64_t cols, int64_t stride) {
  const __m256 one = _mm256_set1_ps(1.0f);
  for (int64_t r = 0; r < rows; ++r) {
    float* row = v + r * stride;
    int64_t c = 0;
    for (; c + 8 <= cols; c += 8) {
      const __m256 a = _mm256_loadu_ps(row + c);
      const __m256 e = exp8(_mm256_sub_ps(_mm256_setzero_ps(), a));
      // NaN inputs stay NaN: the clamp in exp8 would otherwise turn them into a number.
      const __m256 s = _mm256_div_ps(a, _mm256_add_ps(one, e));
      _mm256_storeu_ps(row + c, _mm256_blendv_ps(s, a, _mm256_cmp_ps(a, a, _CMP_UNORD_Q)));
    }
    portable::silu(row + c, 1, cols - c, stride);
  }
}

#undef GRL_AVX2

}  // namespace avx2
#endif

bool fast_kernels_available() {
#if GRL_FEW_ROW_X86
  static const bool available = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return available;
#else
  return false;
#endif
}

void dense(const float* weight, const float* bias, int64_t out, int64_t in, const float* x, int64_t x_stride,
           int64_t rows, float* y, int64_t y_stride, bool accumulate) {
  for (int64_t r = 0; r < rows; ++r) {
    float* yr = y + r * y_stride;
    if (!accumulate) std::memset(yr, 0, static_cast<std::size_t>(out) * sizeof(float));
    if (bias != nullptr) {
      for (int64_t o = 0; o < out; ++o) yr[o] += bias[o];
    }
  }
#if GRL_FEW_ROW_X86
  if (fast_kernels_available()) return avx2::dense(weight, out, in, x, x_stride, rows, y, y_stride);
#endif
  portable::dense(weight, out, in, x, x_stride, rows, y, y_stride);
}

void silu(float* v, int64_t rows, int64_t cols, int64_t stride) {
#if GRL_FEW_ROW_X86
  if (fast_kernels_available()) return avx2::silu(v, rows, cols, stride);
#endif
  portable::silu(v, rows, cols, stride);
}

void add(float* y, int64_t y_stride, const float* x, int64_t x_stride, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) {
    float* yr = y + r * y_stride;
    const float* xr = x + r * x_stride;
    for (int64_t c = 0; c < cols; ++c) yr[c] += xr[c];
  }
}

}  // namespace grl::networks::few_row
