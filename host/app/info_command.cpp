// SPDX-License-Identifier: MIT
// `lactosim info`: how this binary was built and which devices it can use (or why none).
#include "info_command.hpp"

#include <omp.h>

#include <boost/version.hpp>
#include <cstdio>
#include <string>
#include <vtkVersion.h>

#include "build_info.hpp"
#include "host/step/stepper.hpp"

namespace lactosim {

int info_command() {
  std::printf("lactosim %s (git %s, %s build, %s)\n", build_info::version, build_info::git_hash,
              build_info::build_type, build_info::cxx_compiler);
  std::printf("CUDA executor:  %s", kernels::cuda_compiled_in() ? "compiled in" : "not in this build");
  if (kernels::cuda_compiled_in()) std::printf(" (architectures %s)", build_info::cuda_architectures);
  std::printf("\nOpenMP threads: %d\n", omp_get_max_threads());
  std::printf("VTK %s, Boost %d.%d.%d\n", vtkVersion::GetVTKVersion(), BOOST_VERSION / 100000,
              BOOST_VERSION / 100 % 1000, BOOST_VERSION % 100);
  std::string why_none;
  const auto devices = kernels::cuda_devices(why_none);
  if (devices.empty()) {
    std::printf("CUDA devices:   none (%s); --backend auto runs on the CPU\n", why_none.c_str());
  } else {
    for (std::size_t d = 0; d < devices.size(); ++d)
      std::printf("CUDA device %zu:  %s, %.1f GiB, compute capability %d.%d\n", d, devices[d].name.c_str(),
                  devices[d].memory_GiB, devices[d].major, devices[d].minor);
  }
  return 0;
}

}  // namespace lactosim
