// SPDX-License-Identifier: MIT
#include "rank_reductions.hpp"

#include "threaded_vector.hpp"

#include <nvector/nvector_serial.h>

#include <cmath>
#include <map>

namespace lactosim::step {
namespace {

// The communicator of each vector's SUNDIALS context (N_Vector operations take no user data).
struct Reduction {
  Communicator* comm;
  double global_length;
};
std::map<SUNContext, Reduction>& registry() {
  static std::map<SUNContext, Reduction> r;
  return r;
}
const Reduction& of(N_Vector v) { return registry().at(v->sunctx); }

realtype dot(N_Vector x, N_Vector y) {
  double s = local_dot(x, y);
  of(x).comm->sum(&s, 1);
  return s;
}
realtype max_norm(N_Vector x) { return of(x).comm->max(local_max_norm(x)); }
realtype wrms(N_Vector x, N_Vector w) {
  double s = local_weighted_square_sum(x, w);
  of(x).comm->sum(&s, 1);
  return std::sqrt(s / of(x).global_length);
}
realtype wrms_mask(N_Vector x, N_Vector w, N_Vector id) {
  double s = local_weighted_square_sum_masked(x, w, id);
  of(x).comm->sum(&s, 1);
  return std::sqrt(s / of(x).global_length);
}
realtype minimum(N_Vector x) { return of(x).comm->min(local_min(x)); }
realtype wl2(N_Vector x, N_Vector w) {
  double s = local_weighted_square_sum(x, w);
  of(x).comm->sum(&s, 1);
  return std::sqrt(s);
}
realtype l1(N_Vector x) {
  double s = local_l1_norm(x);
  of(x).comm->sum(&s, 1);
  return s;
}
booleantype constr_mask(N_Vector c, N_Vector x, N_Vector m) {
  const bool mine = local_constraint_mask(c, x, m);
  return of(c).comm->min(mine ? 1.0 : 0.0) > 0.0;
}
booleantype inv_test(N_Vector x, N_Vector z) {
  const bool mine = local_inverse_test(x, z);
  return of(x).comm->min(mine ? 1.0 : 0.0) > 0.0;
}
realtype min_quotient(N_Vector num, N_Vector denom) { return of(num).comm->min(local_min_quotient(num, denom)); }
// The length every rank must see: CVODE's linear-solver interface turns the Newton tolerance into
// GMRES's L2 one by √N (cvLs: nrmfac = √N_VGetLength), and a rank's own N would stop its GMRES at
// another iteration than its neighbours' — a collective call out of step.
sunindextype length_of_all(N_Vector x) { return sunindextype(of(x).global_length); }

}  // namespace

void use_rank_reductions(N_Vector v, Communicator& comm, long global_length) {
  registry()[v->sunctx] = {&comm, double(global_length)};
  N_VEnableFusedOps_Serial(v, SUNFALSE);  // the multi-vector reductions fall back on the single ones
  N_Vector_Ops o = v->ops;
  o->nvdotprod = dot;
  o->nvmaxnorm = max_norm;
  o->nvwrmsnorm = wrms;
  o->nvwrmsnormmask = wrms_mask;
  o->nvmin = minimum;
  o->nvwl2norm = wl2;
  o->nvl1norm = l1;
  o->nvconstrmask = constr_mask;
  o->nvinvtest = inv_test;
  o->nvminquotient = min_quotient;
  o->nvgetlength = length_of_all;
  // The local and the single-call reductions of SUNDIALS' MPI-aware solvers: none is used by CVODE's
  // serial path, so none may stay a rank's alone by accident.
  o->nvdotprodlocal = nullptr;
  o->nvmaxnormlocal = nullptr;
  o->nvminlocal = nullptr;
  o->nvl1normlocal = nullptr;
  o->nvinvtestlocal = nullptr;
  o->nvconstrmasklocal = nullptr;
  o->nvminquotientlocal = nullptr;
  o->nvwsqrsumlocal = nullptr;
  o->nvwsqrsummasklocal = nullptr;
  o->nvdotprodmultilocal = nullptr;
  o->nvdotprodmultiallreduce = nullptr;
}

}  // namespace lactosim::step
