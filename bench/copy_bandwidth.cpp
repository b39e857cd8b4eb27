// SPDX-License-Identifier: MIT
#include "copy_bandwidth.hpp"

#include "host/step/stepper.hpp"

#include <omp.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "timing.hpp"

namespace lactosim::bench {

CopyMeasurement measure_host_copy(std::size_t array_bytes, int repeats) {
  const long n = long(array_bytes / sizeof(double));
  // new[] without value-initialisation: no page is touched until the parallel loop below, so each
  // page lands on the memory node of the thread that will copy it (first touch).
  std::unique_ptr<double[]> a(new double[n]), b(new double[n]);
  double* pa = a.get();
  double* pb = b.get();
#pragma omp parallel for schedule(static)
  for (long i = 0; i < n; ++i) {
    pa[i] = 0.0;
    pb[i] = 1.0 + 1e-9 * double(i % 1024);
  }
  CopyMeasurement m;
  m.array_bytes = std::size_t(n) * sizeof(double);
  const double bytes_moved = 2.0 * double(m.array_bytes);
  for (int r = -1; r < repeats; ++r) {  // r = −1: warm-up (TLB, page tables, clocks)
    const double t0 = omp_get_wtime();
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; ++i) pa[i] = pb[i];
    const double seconds = omp_get_wtime() - t0;
    if (r >= 0) m.samples_GBps.push_back(bytes_moved / seconds * 1e-9);
  }
  // Keep the copy observable so that it cannot be optimised away.
  if (pa[n / 2] != pb[n / 2]) throw std::runtime_error("copy benchmark: arrays differ after the copy");
  m.median_GBps = median(m.samples_GBps);
  m.best_GBps = *std::max_element(m.samples_GBps.begin(), m.samples_GBps.end());
  return m;
}

double measured_copy_bandwidth_GBps(const std::string& backend, std::size_t array_bytes, int repeats) {
  if (backend == "cpu") return measure_host_copy(array_bytes, repeats).median_GBps;
  if (backend == "cuda") return kernels::cuda_copy_bandwidth_GBps(array_bytes, repeats);
  throw std::runtime_error("copy bandwidth: unknown backend '" + backend + "'");
}

}  // namespace lactosim::bench
