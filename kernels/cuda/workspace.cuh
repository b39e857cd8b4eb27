// SPDX-License-Identifier: MIT
// Scratch device memory (block partials, CUB temporaries, solver vectors) and a stream, owned per
// executor: each CudaExecutor holds a Workspaces and makes it current on its host thread for the
// duration of a pass (ScopedWorkspaces), so two executors — on one GPU or two — never share scratch
// and launch on streams of their own. A pass
// called outside any executor (a test calling a cuda:: kernel directly) uses the process's own
// set, which is never freed (a static destructor could run after the CUDA runtime has shut down).
#pragma once
#include <cuda_runtime.h>

#include <map>
#include <memory>

namespace lactosim::kernels::cuda {

class Workspaces {
 public:
  // The stream this set's owner launches on (null: the legacy default stream). An executor's stream
  // is a blocking one, so the synchronous copies (which run on the legacy default stream) stay
  // ordered with its kernels.
  cudaStream_t stream = nullptr;

  // The one W of this set, made on first use (each .cu file's Workspace struct is its own W).
  template <class W>
  W& get() {
    static const char key = 0;  // one address per W
    std::unique_ptr<Base>& slot = items_[&key];
    if (!slot) slot = std::make_unique<Item<W>>();
    return static_cast<Item<W>&>(*slot).value;
  }

 private:
  struct Base {
    virtual ~Base() = default;
  };
  template <class W>
  struct Item final : Base {
    W value;
  };
  std::map<const void*, std::unique_ptr<Base>> items_;
};

// The set current on this host thread: an executor's (inside ScopedWorkspaces) or the process's.
Workspaces& active_workspaces();
// Its stream: every launch in kernels/cuda/ goes there (<<<grid, block, 0, active_stream()>>>).
inline cudaStream_t active_stream() { return active_workspaces().stream; }

class ScopedWorkspaces {
 public:
  explicit ScopedWorkspaces(Workspaces& set);
  ~ScopedWorkspaces();
  ScopedWorkspaces(const ScopedWorkspaces&) = delete;
  ScopedWorkspaces& operator=(const ScopedWorkspaces&) = delete;

 private:
  Workspaces* previous_;
};

}  // namespace lactosim::kernels::cuda
