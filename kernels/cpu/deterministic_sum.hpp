// SPDX-License-Identifier: MIT
// Sums whose result does not depend on the number of threads: the index range is cut into fixed
// chunks, each chunk summed in order, then the chunk partials summed in order. Runs are bitwise
// reproducible (DESIGN §2: no floating-point atomics, no reduction clauses with unspecified order).
#pragma once
#include <algorithm>
#include <vector>

namespace lactosim::kernels::cpu {

inline constexpr long sum_chunk = 4096;

// add_item(i, partial) adds item i's contributions into partial[0..width). Returns the totals.
template <class AddItem>
std::vector<double> chunked_sum(long n_items, int width, AddItem add_item) {
  const long n_chunks = (n_items + sum_chunk - 1) / sum_chunk;
  std::vector<double> partials(std::size_t(n_chunks) * width, 0.0);
  // One chunk: no thread team (a fork/join costs more than a few thousand additions).
#pragma omp parallel for schedule(static) if (n_chunks > 1)
  for (long chunk = 0; chunk < n_chunks; ++chunk) {
    double* partial = partials.data() + chunk * width;
    const long end = std::min(n_items, (chunk + 1) * sum_chunk);
    for (long i = chunk * sum_chunk; i < end; ++i) add_item(i, partial);
  }
  std::vector<double> total(width, 0.0);
  for (long chunk = 0; chunk < n_chunks; ++chunk)
    for (int w = 0; w < width; ++w) total[w] += partials[chunk * width + w];
  return total;
}

}  // namespace lactosim::kernels::cpu
