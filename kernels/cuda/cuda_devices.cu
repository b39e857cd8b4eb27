// SPDX-License-Identifier: MIT
// Which CUDA devices this process can use. Without a driver the runtime answers
// cudaErrorInsufficientDriver (35), with only the toolkit's stub libcuda cudaErrorStubLibrary (34):
// both mean "no device" (BUILD-NOTES), never an abort.
#include <cuda_runtime.h>

#include "../executor.hpp"

namespace lactosim::kernels {

bool cuda_compiled_in() { return true; }

std::vector<CudaDeviceInfo> cuda_devices(std::string& why_none) {
  std::vector<CudaDeviceInfo> devices;
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    cudaGetLastError();  // clear the sticky error so later runtime calls are not poisoned
    if (status == cudaErrorInsufficientDriver)
      why_none = "no NVIDIA driver found (cudaErrorInsufficientDriver)";
    else if (status == cudaErrorStubLibrary)
      why_none = "only the CUDA toolkit's stub libcuda.so was found, no driver (cudaErrorStubLibrary)";
    else if (status == cudaErrorNoDevice)
      why_none = "the driver reports no CUDA device";
    else
      why_none = std::string("cudaGetDeviceCount failed: ") + cudaGetErrorString(status);
    return devices;
  }
  for (int d = 0; d < count; ++d) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, d) != cudaSuccess) {
      cudaGetLastError();
      continue;
    }
    devices.push_back({prop.name, double(prop.totalGlobalMem) / (1024.0 * 1024.0 * 1024.0), prop.major,
                       prop.minor});
  }
  if (devices.empty()) why_none = "the driver reports no CUDA device";
  return devices;
}

}  // namespace lactosim::kernels
