// SPDX-License-Identifier: MIT
// CVODE's vectors on the executor's threads (host/step/threaded_vector.hpp): every operation gives
// the same bits for any thread count, the element-wise ones the serial vector's bits, the reductions
// the exact sums to round-off.
#include <gtest/gtest.h>
#include <nvector/nvector_serial.h>
#include <omp.h>

#include <cmath>
#include <functional>
#include <vector>

#include "host/step/threaded_vector.hpp"

namespace lactosim {
namespace {

// Long enough for several chunks and a threaded loop (threaded_vector.cpp: 2 chunks at least).
constexpr long n_entries = 7 * step::reduction_chunk + 123;

struct Vectors {
  SUNContext context = nullptr;
  N_Vector x = nullptr, y = nullptr, z = nullptr, serial = nullptr;
  Vectors() {
    SUNContext_Create(nullptr, &context);
    serial = N_VNew_Serial(n_entries, context);
    x = N_VNew_Serial(n_entries, context);
    step::use_threaded_vector_ops(x);
    y = N_VClone(x), z = N_VClone(x);  // clones carry the threaded operations
    double* xd = N_VGetArrayPointer(x);
    double* yd = N_VGetArrayPointer(y);
    for (long i = 0; i < n_entries; ++i) {
      xd[i] = std::sin(0.37 * double(i)) * (1.0 + 1e-3 * double(i % 101));  // signs and magnitudes mixed
      yd[i] = 0.5 + std::cos(0.11 * double(i));
    }
  }
  ~Vectors() {
    for (N_Vector v : {x, y, z, serial}) N_VDestroy(v);
    SUNContext_Free(&context);
  }
  std::vector<double> values(N_Vector v) const {
    const double* d = N_VGetArrayPointer(v);
    return {d, d + n_entries};
  }
};

// f(vectors) with 1, 2 and 3 threads: the results.
template <class T>
std::vector<T> at_thread_counts(Vectors& v, const std::function<T(Vectors&)>& f) {
  const int before = omp_get_max_threads();
  std::vector<T> out;
  for (int threads : {1, 2, 3}) {
    omp_set_num_threads(threads);
    out.push_back(f(v));
  }
  omp_set_num_threads(before);
  return out;
}

TEST(ThreadedVector, ReductionsAreTheSameBitsForAnyThreadCountAndExactToRoundOff) {
  Vectors v;
  const auto dots = at_thread_counts<double>(v, [](Vectors& w) { return N_VDotProd(w.x, w.y); });
  const auto norms = at_thread_counts<double>(v, [](Vectors& w) { return N_VWrmsNorm(w.x, w.y); });
  const auto l1s = at_thread_counts<double>(v, [](Vectors& w) { return N_VL1Norm(w.x); });
  EXPECT_EQ(dots[0], dots[1]);
  EXPECT_EQ(dots[1], dots[2]);
  EXPECT_EQ(norms[0], norms[1]);
  EXPECT_EQ(norms[1], norms[2]);
  EXPECT_EQ(l1s[0], l1s[2]);
  long double dot = 0, square = 0, l1 = 0;
  const double *xd = N_VGetArrayPointer(v.x), *yd = N_VGetArrayPointer(v.y);
  for (long i = 0; i < n_entries; ++i) {
    dot += (long double)xd[i] * yd[i];
    square += (long double)(xd[i] * yd[i]) * (xd[i] * yd[i]);
    l1 += std::abs(xd[i]);
  }
  // Round-off of n terms summed in chunks: far below 1e-12 of the sum of magnitudes here.
  EXPECT_NEAR(dots[0], double(dot), 1e-12 * double(l1) * 2.0);
  EXPECT_NEAR(norms[0], std::sqrt(double(square) / n_entries), 1e-13);
  EXPECT_NEAR(l1s[0], double(l1), 1e-12 * double(l1));
}

TEST(ThreadedVector, ExtremaAndTestsAgreeWithTheSerialVector) {
  Vectors v;
  N_VScale(1.0, v.x, v.serial);  // the serial vector holds x
  EXPECT_EQ(N_VMin(v.x), N_VMin_Serial(v.serial));
  EXPECT_EQ(N_VMaxNorm(v.x), N_VMaxNorm_Serial(v.serial));
  // A zero entry fails the inverse test in both; a broken constraint (x ≥ 0 asked) marks the same entries.
  N_VGetArrayPointer(v.x)[n_entries - 5] = 0.0;
  N_VGetArrayPointer(v.serial)[n_entries - 5] = 0.0;
  N_Vector serial_z = N_VClone(v.serial), serial_m = N_VClone(v.serial), serial_c = N_VClone(v.serial);
  EXPECT_FALSE(N_VInvTest(v.x, v.z));
  EXPECT_FALSE(N_VInvTest_Serial(v.serial, serial_z));
  N_VConst(1.0, v.y);
  N_VConst_Serial(1.0, serial_c);
  EXPECT_FALSE(N_VConstrMask(v.y, v.x, v.z));
  EXPECT_FALSE(N_VConstrMask_Serial(serial_c, v.serial, serial_m));
  EXPECT_EQ(v.values(v.z), std::vector<double>(N_VGetArrayPointer(serial_m), N_VGetArrayPointer(serial_m) + n_entries));
  EXPECT_EQ(N_VMinQuotient(v.x, v.y), N_VMinQuotient_Serial(v.serial, serial_c));
  for (N_Vector w : {serial_z, serial_m, serial_c}) N_VDestroy(w);
}

TEST(ThreadedVector, ElementWiseOperationsGiveTheSerialVectorsBits) {
  Vectors v;
  const auto sums = at_thread_counts<std::vector<double>>(v, [](Vectors& w) {
    N_VLinearSum(0.3, w.x, -1.7, w.y, w.z);
    return w.values(w.z);
  });
  EXPECT_EQ(sums[0], sums[1]);
  EXPECT_EQ(sums[1], sums[2]);
  N_Vector sx = N_VClone(v.serial), sy = N_VClone(v.serial);
  std::copy_n(N_VGetArrayPointer(v.x), n_entries, N_VGetArrayPointer(sx));
  std::copy_n(N_VGetArrayPointer(v.y), n_entries, N_VGetArrayPointer(sy));
  N_VLinearSum_Serial(0.3, sx, -1.7, sy, v.serial);
  EXPECT_EQ(sums[0], v.values(v.serial));
  N_VProd(v.x, v.y, v.z);
  N_VProd_Serial(sx, sy, v.serial);
  EXPECT_EQ(v.values(v.z), v.values(v.serial));
  N_VDiv(v.x, v.y, v.z);
  N_VDiv_Serial(sx, sy, v.serial);
  EXPECT_EQ(v.values(v.z), v.values(v.serial));
  for (N_Vector w : {sx, sy}) N_VDestroy(w);
}

TEST(ThreadedVector, FusedGramSchmidtOperationsGiveTheSingleOperationsBits) {
  // GMRES's classical Gram–Schmidt: k dot products of one vector, then a combination of k vectors.
  Vectors v;
  N_Vector w = N_VClone(v.x), single = N_VClone(v.x);
  N_VLinearSum(1.0, v.x, 0.25, v.y, w);
  N_Vector basis[3] = {v.x, v.y, w};
  double fused[3], one_by_one[3];
  ASSERT_EQ(N_VDotProdMulti(3, w, basis, fused), 0);
  for (int j = 0; j < 3; ++j) one_by_one[j] = N_VDotProd(w, basis[j]);
  for (int j = 0; j < 3; ++j) EXPECT_EQ(fused[j], one_by_one[j]) << "dot product " << j;
  double c[3] = {1.0, -0.6, 0.35};
  N_Vector terms[3] = {w, v.x, v.y};
  N_VScale(c[0], w, single);
  for (int j = 1; j < 3; ++j) N_VLinearSum(c[j], terms[j], 1.0, single, single);
  ASSERT_EQ(N_VLinearCombination(3, c, terms, w), 0);  // in place, as Gram–Schmidt updates v_k
  EXPECT_EQ(v.values(w), v.values(single));
  N_VDestroy(w);
  N_VDestroy(single);
}

}  // namespace
}  // namespace lactosim
