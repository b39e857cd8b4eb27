// SPDX-License-Identifier: MIT
// The machine's own copy bandwidth, measured in the same run as the kernels it judges (DESIGN §8):
// a stencil's achieved bandwidth means something only beside what a plain copy reaches here, now,
// under the same load.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace lactosim::bench {

struct CopyMeasurement {
  double median_GBps = 0;  // bytes read + bytes written (STREAM's convention), 1 GB = 1e9 B
  double best_GBps = 0;
  std::size_t array_bytes = 0;
  std::vector<double> samples_GBps;
};

// STREAM-style copy a[i] = b[i] over two arrays of `array_bytes` each (choose ≫ last-level cache),
// OpenMP static schedule, pages first touched by the thread that later copies them. One untimed
// warm-up pass, then `repeats` timed passes.
CopyMeasurement measure_host_copy(std::size_t array_bytes, int repeats);

// The hook the benchmark cases call. backend "cpu": host memory (above). backend "cuda": the device
// copy kernel of kernels/cuda/device_copy.cu (throws, naming why, without CUDA or a device).
double measured_copy_bandwidth_GBps(const std::string& backend, std::size_t array_bytes, int repeats);

}  // namespace lactosim::bench
