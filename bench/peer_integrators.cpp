// SPDX-License-Identifier: MIT
// The BioFVM peer problem (DESIGN §8: D = 1e5 µm²/min, λ = 0.1 /min, dx = 10 µm, 8 substrates,
// zero-flux walls, c0 = 1 + cos(πx/L)) integrated to T by both of lactosim's implicit integrators,
// side by side in one process, for the work-precision diagram (issue #14; docs/numerics.md):
//
//   split: the LOD step doubled and Richardson-extrapolated (what `lactosim run` does at
//          time_order 2), fixed dt — the peer's configuration in lactosim_bench;
//   split3, split4: the extrapolated implicit Euler of order 3 and 4 (time_order 3, 4;
//          host/step/extrapolated_step.hpp), fixed dt
//   bdf:   the stiff integrator (host/step/bdf_integrator.hpp), its default AMG preconditioner,
//          at several rel_tol (abs_tol = rel_tol/100; the solution is ~1)
//
// Error: the cosine mode's amplitude at T against exp(−(Dk² + λ)T), worst substrate (as
// lactosim_bench's peer). The grid is nx × n × n: the mode is uniform in y and z, so the error is the
// nx³ one and the wall scales with the voxels (both integrators are O(voxels) per step); nx × n × n
// rather than 200³ because the stiff integrator's vectors (CVODE's history and 30 Krylov vectors) of
// 200³ × 8 would not fit this machine's memory. Runs alternate (split, bdf, split, …) `--repeats`
// times; the wall printed is the median. Output: a CSV for visualization/plot_work_precision.py.
//
//   lactosim_peer_integrators [--nx 200] [--n 40] [--T 300] [--repeats 3] [--threads 2] [-o FILE]
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "bench_models.hpp"
#include "host/assemble.hpp"
#include "host/step/bdf_integrator.hpp"
#include "host/step/stepper.hpp"

using namespace lactosim;
using namespace lactosim::bench;

namespace {

constexpr int n_species = 8;

struct Setup {
  BenchModel bm;
  kernels::Problem problem;
  std::vector<double> c0;
};

Setup make_setup(int nx, int n) {
  Setup s{biofvm_peer(nx, n, n, n_species), {}, {}};
  s.problem = assemble_problem(s.bm.model, s.bm.grid, {});
  s.c0 = peer_initial_state(s.problem);
  return s;
}

struct Result {
  long steps = 0;
  double wall_s = 0, error = 0;
};

Result run_split(const Setup& s, int threads, double dt, double T, int order = 2) {
  auto stepper = step::make_cpu_stepper(threads);
  stepper->load(s.problem, s.c0);
  const kernels::StepRates rates = rates_at(s.bm.model, s.problem, 0.0);
  step::ImplicitOptions implicit;
  implicit.solver = step::ImplicitOptions::Solver::lod;
  const long n = std::max(1L, long(std::llround(T / dt)));
  const double h = T / double(n);
  const double t0 = omp_get_wtime();
  for (long q = 0; q < n; ++q) extrapolated_step(*stepper, rates, h, implicit, order);
  Result r;
  r.wall_s = omp_get_wtime() - t0;
  r.steps = n;
  std::vector<double> c;
  stepper->read_concentrations(c);
  r.error = peer_errors(s.problem, c, T).amplitude;
  return r;
}

Result run_bdf(const Setup& s, int threads, double rel_tol, double T) {
  auto stepper = step::make_cpu_stepper(threads);
  stepper->load(s.problem, s.c0);
  step::BdfOptions o;
  o.rel_tol = rel_tol;
  o.abs_tol_mM = rel_tol / 100;
  o.preconditioner = LACTOSIM_HAVE_HYPRE ? step::BdfOptions::Preconditioner::amg : step::BdfOptions::Preconditioner::cg;
  const double t0 = omp_get_wtime();
  step::BdfIntegrator bdf(
      *stepper, s.problem, [&](double t) { return rates_at(s.bm.model, s.problem, t); }, o, 0.0, s.c0);
  while (bdf.time() < T) bdf.step(T);
  bdf.interpolate(T);
  Result r;
  r.wall_s = omp_get_wtime() - t0;
  r.steps = bdf.stats().steps;
  std::vector<double> c;
  stepper->read_concentrations(c);
  r.error = peer_errors(s.problem, c, T).amplitude;
  return r;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? NAN : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int nx = 200, n = 40, repeats = 3, threads = 2;
  double T = 300;
  std::string out = "peer_integrators.csv";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--nx") nx = std::atoi(v.c_str());
    else if (a == "--n") n = std::atoi(v.c_str());
    else if (a == "--T") T = std::atof(v.c_str());
    else if (a == "--repeats") repeats = std::atoi(v.c_str());
    else if (a == "--threads") threads = std::atoi(v.c_str());
    else if (a == "-o") out = v;
    else {
      std::fprintf(stderr, "lactosim_peer_integrators: unknown option %s\n", a.c_str());
      return 2;
    }
  }
  omp_set_num_threads(threads);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress line by line when piped
  const Setup s = make_setup(nx, n);
  const std::vector<double> split_dt = {30, 15, 6};
  const std::vector<double> bdf_tol = {1e-3, 1e-4, 1e-5, 1e-6};
  std::vector<std::vector<double>> split_wall(split_dt.size()), bdf_wall(bdf_tol.size());
  std::vector<Result> split_last(split_dt.size()), bdf_last(bdf_tol.size());
  struct Higher {
    int order;
    double dt;
  };
  const std::vector<Higher> higher = {{3, 60}, {3, 30}, {3, 15}, {4, 150}, {4, 75}, {4, 30}};
  std::vector<std::vector<double>> higher_wall(higher.size());
  std::vector<Result> higher_last(higher.size());
  for (int r = 0; r < repeats; ++r) {
    for (std::size_t i = 0; i < higher.size(); ++i) {
      higher_last[i] = run_split(s, threads, higher[i].dt, T, higher[i].order);
      higher_wall[i].push_back(higher_last[i].wall_s);
      std::printf("split order %d dt %g s: %ld steps, %.3f s, error %.3e\n", higher[i].order, higher[i].dt,
                  higher_last[i].steps, higher_last[i].wall_s, higher_last[i].error);
    }
    for (std::size_t i = 0; i < split_dt.size(); ++i) {
      split_last[i] = run_split(s, threads, split_dt[i], T);
      split_wall[i].push_back(split_last[i].wall_s);
      std::printf("split dt %g s: %ld steps, %.3f s, error %.3e\n", split_dt[i], split_last[i].steps,
                  split_last[i].wall_s, split_last[i].error);
      if (i < bdf_tol.size()) {
        bdf_last[i] = run_bdf(s, threads, bdf_tol[i], T);
        bdf_wall[i].push_back(bdf_last[i].wall_s);
        std::printf("bdf rel_tol %g: %ld steps, %.3f s, error %.3e\n", bdf_tol[i], bdf_last[i].steps,
                    bdf_last[i].wall_s, bdf_last[i].error);
      }
    }
    for (std::size_t i = split_dt.size(); i < bdf_tol.size(); ++i) {
      bdf_last[i] = run_bdf(s, threads, bdf_tol[i], T);
      bdf_wall[i].push_back(bdf_last[i].wall_s);
      std::printf("bdf rel_tol %g: %ld steps, %.3f s, error %.3e\n", bdf_tol[i], bdf_last[i].steps,
                  bdf_last[i].wall_s, bdf_last[i].error);
    }
  }
  std::ofstream f(out);
  f << "# BioFVM peer " << nx << "x" << n << "x" << n << "x8, T = " << T << " s; error: cosine amplitude vs exact; "
    << threads << " threads, median of " << repeats << " alternated runs\n";
  f << "integrator,rel_tol,steps,wall_s,error\n";
  for (std::size_t i = 0; i < bdf_tol.size(); ++i)
    f << "bdf," << bdf_tol[i] << "," << bdf_last[i].steps << "," << median(bdf_wall[i]) << "," << bdf_last[i].error << "\n";
  for (std::size_t i = 0; i < split_dt.size(); ++i)
    f << "split,dt " << split_dt[i] << " s," << split_last[i].steps << "," << median(split_wall[i]) << ","
      << split_last[i].error << "\n";
  for (std::size_t i = 0; i < higher.size(); ++i)
    f << "split" << higher[i].order << ",dt " << higher[i].dt << " s," << higher_last[i].steps << ","
      << median(higher_wall[i]) << "," << higher_last[i].error << "\n";
  std::printf("wrote %s\n", out.c_str());
  return 0;
}
