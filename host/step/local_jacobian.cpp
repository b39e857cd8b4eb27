// SPDX-License-Identifier: MIT
// Per-voxel Jacobian blocks by coloured finite differences, and their LU (local_jacobian.hpp).
#include "local_jacobian.hpp"

#include <cmath>
#include <stdexcept>
#include <utility>

namespace lactosim::step {

void LocalJacobian::set_layout(std::vector<std::vector<long>> entries_of_block, std::vector<int> group_of_entry,
                               int n_groups) {
  entries_ = std::move(entries_of_block);
  group_of_entry_ = std::move(group_of_entry);
  n_groups_ = n_groups;
  for (const std::vector<long>& e : entries_)
    if (e.size() > 64) throw std::invalid_argument("LocalJacobian: a voxel block of more than 64 species");
  offset_.assign(entries_.size() + 1, 0);
  pivot_offset_.assign(entries_.size() + 1, 0);
  for (std::size_t b = 0; b < entries_.size(); ++b) {
    const long n = long(entries_[b].size());
    offset_[b + 1] = offset_[b] + n * n;
    pivot_offset_[b + 1] = pivot_offset_[b] + n;
  }
  jacobian_.assign(std::size_t(offset_.back()), 0.0);
  lu_.assign(jacobian_.size(), 0.0);
  pivot_.assign(std::size_t(pivot_offset_.back()), 0);
}

bool LocalJacobian::evaluate(const std::vector<double>& y, const std::vector<double>& f0,
                             const std::vector<double>& sigma,
                             const std::function<bool(const std::vector<double>&, std::vector<double>&)>& evaluate,
                             const std::function<bool(bool)>& any_rank) {
  std::vector<double> raised(y), f(f0.size());
  for (int g = 0; g < n_groups_; ++g) {
    bool any = false;
    for (std::size_t i = 0; i < y.size(); ++i)
      if (group_of_entry_[i] == g) raised[i] = y[i] + sigma[g], any = true;
    if (any_rank) any = any_rank(any);
    if (!any) continue;
    if (!evaluate(raised, f)) return false;
    // Column of every block whose entry belongs to group g: (f − f0)/σ on the block's rows.
    const long nb = long(entries_.size());
#pragma omp parallel for schedule(static)
    for (long b = 0; b < nb; ++b) {
      const std::vector<long>& e = entries_[b];
      const long n = long(e.size());
      for (long col = 0; col < n; ++col) {
        if (group_of_entry_[e[col]] != g) continue;
        double* J = jacobian_.data() + offset_[b];
        for (long row = 0; row < n; ++row) J[row * n + col] = (f[e[row]] - f0[e[row]]) / sigma[g];
      }
    }
    for (std::size_t i = 0; i < y.size(); ++i)
      if (group_of_entry_[i] == g) raised[i] = y[i];
  }
  return true;
}

bool LocalJacobian::factor(double gamma) {
  const long nb = long(entries_.size());
  bool ok = true;
#pragma omp parallel for schedule(static) reduction(&& : ok)
  for (long b = 0; b < nb; ++b) {
    const long n = long(entries_[b].size());
    const double* J = jacobian_.data() + offset_[b];
    double* A = lu_.data() + offset_[b];
    int* piv = pivot_.data() + pivot_offset_[b];
    for (long i = 0; i < n * n; ++i) A[i] = -gamma * J[i];
    for (long i = 0; i < n; ++i) A[i * n + i] += 1.0;
    // Doolittle LU with partial pivoting (rows swapped in place, piv[k] the row taken at step k).
    for (long k = 0; k < n; ++k) {
      long p = k;
      for (long i = k + 1; i < n; ++i)
        if (std::abs(A[i * n + k]) > std::abs(A[p * n + k])) p = i;
      piv[k] = int(p);
      if (!(std::abs(A[p * n + k]) > 0.0)) {
        ok = false;
        break;
      }
      if (p != k)
        for (long j = 0; j < n; ++j) std::swap(A[k * n + j], A[p * n + j]);
      const double inv = 1.0 / A[k * n + k];
      for (long i = k + 1; i < n; ++i) {
        const double l = A[i * n + k] * inv;
        A[i * n + k] = l;
        for (long j = k + 1; j < n; ++j) A[i * n + j] -= l * A[k * n + j];
      }
    }
  }
  return ok;
}

void LocalJacobian::solve(double* z) const {
  const long nb = long(entries_.size());
#pragma omp parallel for schedule(static)
  for (long b = 0; b < nb; ++b) {
    const std::vector<long>& e = entries_[b];
    const long n = long(e.size());
    const double* A = lu_.data() + offset_[b];
    const int* piv = pivot_.data() + pivot_offset_[b];
    double x[64];
    for (long i = 0; i < n; ++i) x[i] = z[e[i]];
    for (long k = 0; k < n; ++k)
      if (piv[k] != k) std::swap(x[k], x[piv[k]]);
    for (long i = 1; i < n; ++i)
      for (long j = 0; j < i; ++j) x[i] -= A[i * n + j] * x[j];
    for (long i = n - 1; i >= 0; --i) {
      for (long j = i + 1; j < n; ++j) x[i] -= A[i * n + j] * x[j];
      x[i] /= A[i * n + i];
    }
    for (long i = 0; i < n; ++i) z[e[i]] = x[i];
  }
}

}  // namespace lactosim::step
