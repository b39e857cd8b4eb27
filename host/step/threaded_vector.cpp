// SPDX-License-Identifier: MIT
#include "threaded_vector.hpp"

#include <nvector/nvector_serial.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace lactosim::step {
namespace {

// Below this many entries an operation stays on the calling thread (a parallel region costs a few µs).
constexpr long parallel_min = 2 * reduction_chunk;

long length(N_Vector v) { return long(NV_LENGTH_S(v)); }
double* data(N_Vector v) { return NV_DATA_S(v); }

// f(i) for every entry, the entries split over the threads.
template <class F>
void each(long n, F f) {
#pragma omp parallel for schedule(static) if (n > parallel_min)
  for (long i = 0; i < n; ++i) f(i);
}

// part(first, last) over the fixed chunks, the chunks' results joined in chunk order.
template <class T, class Part, class Join>
T chunked(long n, Part part, Join join, T empty) {
  const long chunks = (n + reduction_chunk - 1) / reduction_chunk;
  if (chunks == 0) return empty;
  std::vector<T> partial(std::size_t(chunks), empty);
#pragma omp parallel for schedule(static) if (n > parallel_min)
  for (long k = 0; k < chunks; ++k) partial[std::size_t(k)] = part(k * reduction_chunk, std::min(n, (k + 1) * reduction_chunk));
  T out = partial[0];
  for (long k = 1; k < chunks; ++k) out = join(out, partial[std::size_t(k)]);
  return out;
}

template <class Term>
double sum_of(long n, const Term& term) {
  return chunked<double>(
      n,
      [&](long first, long last) {
        double s = 0.0;
        for (long i = first; i < last; ++i) s += term(i);
        return s;
      },
      [](double a, double b) { return a + b; }, 0.0);
}

// Whether part(first, last) is true on any chunk (every chunk runs: parts also write their entries).
template <class Part>
bool any_chunk(long n, Part part) {
  return chunked<char>(
             n, [&](long first, long last) { return char(part(first, last) ? 1 : 0); },
             [](char a, char b) { return char(a | b); }, char(0)) != 0;
}

// ---- element-wise ----------------------------------------------------------------------------------

void linear_sum(realtype a, N_Vector x, realtype b, N_Vector y, N_Vector z) {
  const double *xd = data(x), *yd = data(y);
  double* zd = data(z);
  each(length(z), [=](long i) { zd[i] = a * xd[i] + b * yd[i]; });
}
void constant(realtype c, N_Vector z) {
  double* zd = data(z);
  each(length(z), [=](long i) { zd[i] = c; });
}
void product(N_Vector x, N_Vector y, N_Vector z) {
  const double *xd = data(x), *yd = data(y);
  double* zd = data(z);
  each(length(z), [=](long i) { zd[i] = xd[i] * yd[i]; });
}
void quotient(N_Vector x, N_Vector y, N_Vector z) {
  const double *xd = data(x), *yd = data(y);
  double* zd = data(z);
  each(length(z), [=](long i) { zd[i] = xd[i] / yd[i]; });
}
void scale(realtype c, N_Vector x, N_Vector z) {
  const double* xd = data(x);
  double* zd = data(z);
  each(length(z), [=](long i) { zd[i] = c * xd[i]; });
}
void absolute(N_Vector x, N_Vector z) {
  const double* xd = data(x);
  double* zd = data(z);
  each(length(z), [=](long i) { zd[i] = std::abs(xd[i]); });
}
void inverse(N_Vector x, N_Vector z) {
  const double* xd = data(x);
  double* zd = data(z);
  each(length(z), [=](long i) { zd[i] = 1.0 / xd[i]; });
}
void add_constant(N_Vector x, realtype b, N_Vector z) {
  const double* xd = data(x);
  double* zd = data(z);
  each(length(z), [=](long i) { zd[i] = xd[i] + b; });
}
void compare(realtype c, N_Vector x, N_Vector z) {
  const double* xd = data(x);
  double* zd = data(z);
  each(length(z), [=](long i) { zd[i] = std::abs(xd[i]) >= c ? 1.0 : 0.0; });
}

// ---- reductions over this process's entries ---------------------------------------------------------

realtype dot(N_Vector x, N_Vector y) { return local_dot(x, y); }
realtype max_norm(N_Vector x) { return local_max_norm(x); }
realtype wrms(N_Vector x, N_Vector w) { return std::sqrt(local_weighted_square_sum(x, w) / double(length(x))); }
realtype wrms_mask(N_Vector x, N_Vector w, N_Vector id) {
  return std::sqrt(local_weighted_square_sum_masked(x, w, id) / double(length(x)));
}
realtype minimum(N_Vector x) { return local_min(x); }
realtype wl2(N_Vector x, N_Vector w) { return std::sqrt(local_weighted_square_sum(x, w)); }
realtype l1(N_Vector x) { return local_l1_norm(x); }
booleantype inv_test(N_Vector x, N_Vector z) { return local_inverse_test(x, z); }
booleantype constr_mask(N_Vector c, N_Vector x, N_Vector m) { return local_constraint_mask(c, x, m); }
realtype min_quotient(N_Vector num, N_Vector denom) { return local_min_quotient(num, denom); }

// ---- fused: one pass over the vectors where the single operations take one per vector -------------
// GMRES's classical Gram–Schmidt (bdf_integrator.cpp) asks for these: the k dot products of a new
// Krylov vector and its update by the k basis vectors. Chunk by chunk each result takes the single
// operations' arithmetic in their order, so fused and unfused give the same bits.

int dot_products(int k, N_Vector x, N_Vector* Y, realtype* dots) {
  const double* xd = data(x);
  std::vector<const double*> yd(static_cast<std::size_t>(k));
  for (int j = 0; j < k; ++j) yd[std::size_t(j)] = data(Y[j]);
  const long n = length(x);
  const long chunks = (n + reduction_chunk - 1) / reduction_chunk;
  std::vector<double> partial(std::size_t(chunks) * std::size_t(k), 0.0);
#pragma omp parallel for schedule(static) if (n > parallel_min)
  for (long c = 0; c < chunks; ++c) {
    const long first = c * reduction_chunk, last = std::min(n, first + reduction_chunk);
    double* p = partial.data() + std::size_t(c) * std::size_t(k);
    for (int j = 0; j < k; ++j) {
      const double* y = yd[std::size_t(j)];
      double s = 0.0;
      for (long i = first; i < last; ++i) s += xd[i] * y[i];
      p[j] = s;
    }
  }
  for (int j = 0; j < k; ++j) {
    double s = chunks > 0 ? partial[std::size_t(j)] : 0.0;
    for (long c = 1; c < chunks; ++c) s += partial[std::size_t(c) * std::size_t(k) + std::size_t(j)];
    dots[j] = s;
  }
  return 0;
}

// z = Σ_j c_j X_j, entry by entry in j order (z may be X_0): N_VScale then N_VLinearSum's arithmetic.
int linear_combination(int k, realtype* c, N_Vector* X, N_Vector z) {
  std::vector<const double*> xd(static_cast<std::size_t>(k));
  for (int j = 0; j < k; ++j) xd[std::size_t(j)] = data(X[j]);
  double* zd = data(z);
  const long n = length(z);
#pragma omp parallel for schedule(static) if (n > parallel_min)
  for (long first = 0; first < n; first += reduction_chunk) {
    const long last = std::min(n, first + reduction_chunk);
    for (long i = first; i < last; ++i) zd[i] = c[0] * xd[0][i];
    for (int j = 1; j < k; ++j) {
      const double cj = c[j];
      const double* x = xd[std::size_t(j)];
      for (long i = first; i < last; ++i) zd[i] = cj * x[i] + 1.0 * zd[i];
    }
  }
  return 0;
}

}  // namespace

double local_dot(N_Vector x, N_Vector y) {
  const double *xd = data(x), *yd = data(y);
  return sum_of(length(x), [=](long i) { return xd[i] * yd[i]; });
}

double local_weighted_square_sum(N_Vector x, N_Vector w) {
  const double *xd = data(x), *wd = data(w);
  return sum_of(length(x), [=](long i) {
    const double p = xd[i] * wd[i];
    return p * p;
  });
}

double local_weighted_square_sum_masked(N_Vector x, N_Vector w, N_Vector id) {
  const double *xd = data(x), *wd = data(w), *idd = data(id);
  return sum_of(length(x), [=](long i) {
    const double p = xd[i] * wd[i];
    return idd[i] > 0.0 ? p * p : 0.0;
  });
}

// The serial vector's comparisons, chunk by chunk: a NaN entry is passed over unless it is the first.
double local_max_norm(N_Vector x) {
  const double* xd = data(x);
  return chunked<double>(
      length(x),
      [=](long first, long last) {
        double m = 0.0;
        for (long i = first; i < last; ++i)
          if (std::abs(xd[i]) > m) m = std::abs(xd[i]);
        return m;
      },
      [](double a, double b) { return b > a ? b : a; }, 0.0);
}

double local_min(N_Vector x) {
  const double* xd = data(x);
  return chunked<double>(
      length(x),
      [=](long first, long last) {
        double m = xd[first];
        for (long i = first + 1; i < last; ++i)
          if (xd[i] < m) m = xd[i];
        return m;
      },
      [](double a, double b) { return b < a ? b : a; }, HUGE_VAL);
}

double local_l1_norm(N_Vector x) {
  const double* xd = data(x);
  return sum_of(length(x), [=](long i) { return std::abs(xd[i]); });
}

// m_i = 1 where x_i breaks constraint c_i (c = ±2: x > 0 / x < 0; c = ±1: x ≥ 0 / x ≤ 0), else 0;
// true when none does.
bool local_constraint_mask(N_Vector c, N_Vector x, N_Vector m) {
  const double *cd = data(c), *xd = data(x);
  double* md = data(m);
  return !any_chunk(length(x), [=](long first, long last) {
    bool broken = false;
    for (long i = first; i < last; ++i) {
      md[i] = 0.0;
      if (cd[i] == 0.0) continue;
      if ((std::abs(cd[i]) > 1.5 && xd[i] * cd[i] <= 0.0) || (std::abs(cd[i]) > 0.5 && xd[i] * cd[i] < 0.0))
        md[i] = 1.0, broken = true;
    }
    return broken;
  });
}

// z_i = 1/x_i where x_i ≠ 0; true when no x_i is 0.
bool local_inverse_test(N_Vector x, N_Vector z) {
  const double* xd = data(x);
  double* zd = data(z);
  return !any_chunk(length(x), [=](long first, long last) {
    bool zero = false;
    for (long i = first; i < last; ++i) {
      if (xd[i] == 0.0) zero = true;
      else zd[i] = 1.0 / xd[i];
    }
    return zero;
  });
}

// min over denom_i ≠ 0 of num_i/denom_i; BIG_REAL where every denom_i is 0.
double local_min_quotient(N_Vector num, N_Vector denom) {
  const double *nd = data(num), *dd = data(denom);
  struct Found {
    bool any;
    double min;
  };
  const Found f = chunked<Found>(
      length(num),
      [=](long first, long last) {
        Found out{false, BIG_REAL};
        for (long i = first; i < last; ++i) {
          if (dd[i] == 0.0) continue;
          const double q = nd[i] / dd[i];
          out.min = out.any ? std::min(out.min, q) : q;
          out.any = true;
        }
        return out;
      },
      [](Found a, Found b) { return !b.any ? a : !a.any ? b : Found{true, std::min(a.min, b.min)}; },
      Found{false, BIG_REAL});
  return f.min;
}

void use_threaded_vector_ops(N_Vector v) {
  N_VEnableFusedOps_Serial(v, SUNFALSE);  // the multi-vector operations fall back on the single ones
  N_Vector_Ops o = v->ops;
  o->nvlinearsum = linear_sum;
  o->nvconst = constant;
  o->nvprod = product;
  o->nvdiv = quotient;
  o->nvscale = scale;
  o->nvabs = absolute;
  o->nvinv = inverse;
  o->nvaddconst = add_constant;
  o->nvcompare = compare;
  o->nvdotprod = dot;
  o->nvmaxnorm = max_norm;
  o->nvwrmsnorm = wrms;
  o->nvwrmsnormmask = wrms_mask;
  o->nvmin = minimum;
  o->nvwl2norm = wl2;
  o->nvl1norm = l1;
  o->nvinvtest = inv_test;
  o->nvconstrmask = constr_mask;
  o->nvminquotient = min_quotient;
  o->nvdotprodmulti = dot_products;
  o->nvlinearcombination = linear_combination;
  o->nvdotprodlocal = dot;
  o->nvmaxnormlocal = max_norm;
  o->nvminlocal = minimum;
  o->nvl1normlocal = l1;
  o->nvinvtestlocal = inv_test;
  o->nvconstrmasklocal = constr_mask;
  o->nvminquotientlocal = min_quotient;
  o->nvwsqrsumlocal = local_weighted_square_sum;
  o->nvwsqrsummasklocal = local_weighted_square_sum_masked;
}

}  // namespace lactosim::step
