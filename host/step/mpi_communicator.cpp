// SPDX-License-Identifier: MIT
// MPI communicator (mpi_communicator.hpp says what each call does and why).
#include "mpi_communicator.hpp"

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "../../kernels/executor.hpp"
#include "../decomposition.hpp"

#if LACTOSIM_HAVE_MPI
#include <mpi.h>

namespace lactosim::step {
namespace {

void check(int code, const char* what) {
  if (code != MPI_SUCCESS) throw std::runtime_error(std::string("MPI: ") + what + " failed");
}

class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator(const kernels::Problem& global, int threads) {
    check(MPI_Comm_dup(MPI_COMM_WORLD, &comm_), "MPI_Comm_dup");
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
    const kernels::Block& g = global.block;
    for (int r = 0; r < size_; ++r) {
      z_slab_.push_back(slab_of(2, g.nz, size_, r));
      y_slab_.push_back(slab_of(1, g.ny, size_, r));
    }
    // The y slab whose z lines this rank solves: labels and diffusion tables only.
    lines_ = kernels::make_cpu_executor(threads);
    lines_->load_problem(sub_problem(global, y_slab_[std::size_t(rank_)], 1, false));
  }
  ~MpiCommunicator() override {
    int finalised = 0;
    MPI_Finalized(&finalised);
    if (!finalised) MPI_Comm_free(&comm_);
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void sum(double* values, std::size_t n) override {
    if (n == 0) return;
    gathered_.resize(n * std::size_t(size_));
    check(MPI_Allgather(values, int(n), MPI_DOUBLE, gathered_.data(), int(n), MPI_DOUBLE, comm_), "MPI_Allgather");
    for (std::size_t i = 0; i < n; ++i) {
      double total = gathered_[i];
      for (int r = 1; r < size_; ++r) total += gathered_[std::size_t(r) * n + i];
      values[i] = total;
    }
  }
  double min(double value) override { return extreme(value, true); }
  double max(double value) override { return extreme(value, false); }

  void exchange_halo(kernels::Executor& x, double* data, int n_blocks, int values_per_voxel) override {
    if (!data || n_blocks <= 0) return;
    require_host_memory(x);
    const kernels::Block& b = x.problem_view().block;
    const int H = b.halo;
    if (b.nz < H) throw std::logic_error("exchange_halo: a slab thinner than its halo");
    const std::size_t plane = std::size_t(b.px()) * b.py() * values_per_voxel;
    const std::size_t block = std::size_t(b.padded_voxels()) * values_per_voxel;
    const std::size_t layers = plane * H;
    // Padded planes: bottom halo [0, H), interior [H, H + nz), top halo [H + nz, 2H + nz).
    const std::size_t bottom_interior = plane * H, top_interior = plane * b.nz;
    const std::size_t bottom_halo = 0, top_halo = plane * (std::size_t(b.nz) + H);
    const int below = rank_ > 0 ? rank_ - 1 : MPI_PROC_NULL, above = rank_ + 1 < size_ ? rank_ + 1 : MPI_PROC_NULL;
    send_.resize(layers * n_blocks);
    recv_.resize(layers * n_blocks);
    // Upwards: my top interior planes become the bottom halo of the rank above.
    pack(data, block, top_interior, layers, n_blocks);
    check(MPI_Sendrecv(send_.data(), int(send_.size()), MPI_DOUBLE, above, 1, recv_.data(), int(recv_.size()), MPI_DOUBLE,
                       below, 1, comm_, MPI_STATUS_IGNORE), "MPI_Sendrecv (halo up)");
    if (below != MPI_PROC_NULL) unpack(data, block, bottom_halo, layers, n_blocks);
    // Downwards: my bottom interior planes become the top halo of the rank below.
    pack(data, block, bottom_interior, layers, n_blocks);
    check(MPI_Sendrecv(send_.data(), int(send_.size()), MPI_DOUBLE, below, 2, recv_.data(), int(recv_.size()), MPI_DOUBLE,
                       above, 2, comm_, MPI_STATUS_IGNORE), "MPI_Sendrecv (halo down)");
    if (above != MPI_PROC_NULL) unpack(data, block, top_halo, layers, n_blocks);
  }

  void gather_on_first(const std::vector<double>& mine, std::vector<double>& all) override {
    // Counts first (a slab's size differs by a plane), then the values, in rank order.
    const long n = long(mine.size());
    std::vector<long> counts(static_cast<std::size_t>(size_));
    check(MPI_Gather(&n, 1, MPI_LONG, counts.data(), 1, MPI_LONG, 0, comm_), "MPI_Gather (counts)");
    std::vector<int> c(static_cast<std::size_t>(size_)), offs(static_cast<std::size_t>(size_));
    long total = 0;
    for (int r = 0; r < size_; ++r) {
      if (counts[std::size_t(r)] > 2147483647L || total > 2147483647L)
        throw std::runtime_error("MPI: a checkpoint gather of more than 2^31 values per rank");
      c[std::size_t(r)] = int(counts[std::size_t(r)]);
      offs[std::size_t(r)] = int(total);
      total += counts[std::size_t(r)];
    }
    all.assign(rank_ == 0 ? std::size_t(total) : 0, 0.0);
    check(MPI_Gatherv(mine.data(), int(n), MPI_DOUBLE, all.data(), c.data(), offs.data(), MPI_DOUBLE, 0, comm_),
          "MPI_Gatherv (checkpoint fields)");
  }

  double lod_sweep_z(kernels::Executor& x, double dt, const double*, double* c) override {
    require_host_memory(x);
    const kernels::Block& zb = x.problem_view().block;      // my z slab
    const kernels::Block& yb = lines_->problem_view().block;  // my y slab
    const int ns = x.problem_view().n_species;
    const Slab& my_y = y_slab_[std::size_t(rank_)];
    // To y slabs: rank q gets, of every species, my z planes × its y rows × all x.
    std::vector<int> send_counts(size_), send_offsets(size_), recv_counts(size_), recv_offsets(size_);
    const long nx = zb.nx;
    for (int q = 0; q < size_; ++q) {
      const Slab& qy = y_slab_[std::size_t(q)];
      const Slab& qz = z_slab_[std::size_t(q)];
      send_counts[q] = int(long(ns) * zb.nz * (qy.end - qy.begin) * nx);
      recv_counts[q] = int(long(ns) * (qz.end - qz.begin) * (my_y.end - my_y.begin) * nx);
    }
    offsets(send_counts, send_offsets);
    offsets(recv_counts, recv_offsets);
    send_.resize(std::size_t(send_offsets.back() + send_counts.back()));
    recv_.resize(std::size_t(recv_offsets.back() + recv_counts.back()));
    const long zv = zb.padded_voxels(), yv = yb.padded_voxels();
    for (int q = 0; q < size_; ++q) {
      const Slab& qy = y_slab_[std::size_t(q)];
      double* out = send_.data() + send_offsets[q];
      for (int s = 0; s < ns; ++s)
        for (int k = 0; k < zb.nz; ++k)
          for (int j = qy.begin; j < qy.end; ++j) {
            const double* row = c + s * zv + zb.index(0, j, k);
            for (long i = 0; i < nx; ++i) *out++ = row[i];
          }
    }
    alltoallv(send_counts, send_offsets, recv_counts, recv_offsets);
    lines_c_.assign(std::size_t(ns) * yv, 0.0);
    for (int r = 0; r < size_; ++r) {
      const Slab& rz = z_slab_[std::size_t(r)];
      const double* in = recv_.data() + recv_offsets[r];
      for (int s = 0; s < ns; ++s)
        for (int k = rz.begin; k < rz.end; ++k)
          for (int j = 0; j < yb.ny; ++j) {
            double* row = lines_c_.data() + s * yv + yb.index(0, j, k);
            for (long i = 0; i < nx; ++i) row[i] = *in++;
          }
    }
    // The whole z lines, by the executor's own sweep (the decay enters only the x factor; without
    // its table the sweep groups species differently, which changes no bit: implicit_kernels.cpp).
    lines_->upload(lines_c_, lines_field_);
    const double min_value = lines_->lod_sweep(2, dt, nullptr, lines_field_.data(), nullptr);
    lines_->to_host(lines_field_, lines_c_);
    // And back: the same blocks the other way.
    for (int r = 0; r < size_; ++r) {
      const Slab& rz = z_slab_[std::size_t(r)];
      double* out = recv_.data() + recv_offsets[r];
      for (int s = 0; s < ns; ++s)
        for (int k = rz.begin; k < rz.end; ++k)
          for (int j = 0; j < yb.ny; ++j) {
            const double* row = lines_c_.data() + s * yv + yb.index(0, j, k);
            for (long i = 0; i < nx; ++i) *out++ = row[i];
          }
    }
    std::swap(send_, recv_);
    alltoallv(recv_counts, recv_offsets, send_counts, send_offsets);
    for (int q = 0; q < size_; ++q) {
      const Slab& qy = y_slab_[std::size_t(q)];
      const double* in = recv_.data() + send_offsets[q];
      for (int s = 0; s < ns; ++s)
        for (int k = 0; k < zb.nz; ++k)
          for (int j = qy.begin; j < qy.end; ++j) {
            double* row = c + s * zv + zb.index(0, j, k);
            for (long i = 0; i < nx; ++i) row[i] = *in++;
          }
    }
    return min(min_value);
  }

 private:
  static void offsets(const std::vector<int>& counts, std::vector<int>& offs) {
    long at = 0;
    for (std::size_t q = 0; q < counts.size(); ++q) {
      if (at > 2147483647L) throw std::runtime_error("MPI: a transpose of more than 2^31 values per rank");
      offs[q] = int(at);
      at += counts[q];
    }
  }
  // send_ → recv_ with the given counts.
  void alltoallv(const std::vector<int>& sc, const std::vector<int>& so, const std::vector<int>& rc,
                 const std::vector<int>& ro) {
    if (recv_.size() < std::size_t(ro.back() + rc.back())) recv_.resize(std::size_t(ro.back() + rc.back()));
    check(MPI_Alltoallv(send_.data(), sc.data(), so.data(), MPI_DOUBLE, recv_.data(), rc.data(), ro.data(), MPI_DOUBLE,
                        comm_), "MPI_Alltoallv (z lines)");
  }
  void pack(const double* data, std::size_t block, std::size_t from, std::size_t layers, int n_blocks) {
    for (int bk = 0; bk < n_blocks; ++bk)
      std::copy(data + bk * block + from, data + bk * block + from + layers, send_.data() + bk * layers);
  }
  void unpack(double* data, std::size_t block, std::size_t to, std::size_t layers, int n_blocks) {
    for (int bk = 0; bk < n_blocks; ++bk)
      std::copy(recv_.data() + bk * layers, recv_.data() + (bk + 1) * layers, data + bk * block + to);
  }
  double extreme(double value, bool smallest) {  // called every step: the sums' buffer, no allocation
    gathered_.resize(static_cast<std::size_t>(size_));
    check(MPI_Allgather(&value, 1, MPI_DOUBLE, gathered_.data(), 1, MPI_DOUBLE, comm_), "MPI_Allgather");
    double out = gathered_[0];
    for (double v : gathered_) {
      if (std::isnan(v)) return v;
      out = smallest ? std::fmin(out, v) : std::fmax(out, v);
    }
    return out;
  }
  static void require_host_memory(const kernels::Executor& x) {
    if (x.name() != "cpu")
      throw std::runtime_error("the " + x.name() + " executor cannot run under MPI yet (its halo exchange needs "
                               "host staging or CUDA-aware MPI, issue #16): run with --backend cpu");
  }

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0, size_ = 1;
  std::vector<Slab> z_slab_, y_slab_;
  std::unique_ptr<kernels::Executor> lines_;
  kernels::Field lines_field_;
  std::vector<double> lines_c_, send_, recv_, gathered_;
};

}  // namespace

std::unique_ptr<Communicator> make_mpi_communicator(const kernels::Problem& global, int threads) {
  return std::make_unique<MpiCommunicator>(global, threads);
}

}  // namespace lactosim::step
#else
namespace lactosim::step {
std::unique_ptr<Communicator> make_mpi_communicator(const kernels::Problem&, int) {
  throw std::runtime_error("this lactosim was built without MPI (apt-get install libopenmpi-dev, then rebuild)");
}
}  // namespace lactosim::step
#endif
