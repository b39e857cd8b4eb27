// SPDX-License-Identifier: MIT
// LACTOSIM_HD marks a function that both g++ (CPU executor) and nvcc (CUDA executor) compile, so each
// formula of the model is written once (DESIGN §4).
#pragma once
#if defined(__CUDACC__)
#define LACTOSIM_HD __host__ __device__ __forceinline__
#else
#define LACTOSIM_HD inline
#endif
