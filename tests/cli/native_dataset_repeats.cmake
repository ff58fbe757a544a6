# A native dataset is the same file on every AVX2 machine: grl pins OpenBLAS to its Haswell kernels
# (common/blas_kernels.h), so `grl dataset make` reproduces the figure results/datasets.md records for
# halfcheetah-random-native-50k-v0 (made on a machine without AVX-512, whose OpenBLAS chose those
# kernels itself; unpinned, an AVX-512 machine's kernels give -364.92 +- 92.35). A user's own
# OPENBLAS_CORETYPE is respected. The BLAS thread count is fixed too.
include(${CMAKE_CURRENT_LIST_DIR}/support/checks.cmake)
file(READ /proc/cpuinfo cpuinfo)
string(FIND "${cpuinfo}" " avx2" has_avx2)
string(FIND "${cpuinfo}" " fma" has_fma)
if(has_avx2 EQUAL -1 OR has_fma EQUAL -1)
  message("grl-test-skipped: this CPU lacks AVX2 or FMA, so OpenBLAS's Haswell kernels cannot run")
  return()
endif()
unset(ENV{OPENBLAS_CORETYPE})
skip_unless_info_has("BLAS kernels" "the BLAS in use is not OpenBLAS")
expect_in("${info}" "BLAS kernels   Haswell (OPENBLAS_CORETYPE=Haswell; the same results on every AVX2 machine)")

file(REMOVE_RECURSE ${WORK})
set(ENV{GRL_DATASET_DIR} ${WORK}/datasets)
run_ok_with_stderr(made ${GRL} dataset make halfcheetah-random-native-50k-v0)
expect_in("${made}" "50000 rows, 50 complete episodes, return -352.23 +- 78.20 (normalised -0.58)")

# Two BLAS threads round differently from one; a dataset is made with one whatever --threads says.
run_ok_with_stderr(made2 ${GRL} --threads 2 dataset make hopper-expert-native-50k-v0)
expect_in("${made2}" "50000 rows, 66 complete episodes, return 2361.18 +- 803.35 (normalised 73.17)")

set(ENV{OPENBLAS_CORETYPE} Zen)
run_ok(chosen ${GRL} info)
expect_in("${chosen}" "BLAS kernels   Zen (OPENBLAS_CORETYPE=Zen)")
