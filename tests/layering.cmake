# SPDX-License-Identifier: MIT
# Layering (DESIGN §4): data flows kernels, meshes → visualization → host. No file below host/ may
# include a host/ header; the shared include root (${CMAKE_SOURCE_DIR}) cannot hide them, so this
# test looks. Run by CTest as Layering.LowerLayersDoNotIncludeHost with -DSOURCE_DIR=<repository>.
set(bad "")
foreach(layer kernels meshes visualization)
  file(GLOB_RECURSE files "${SOURCE_DIR}/${layer}/*.hpp" "${SOURCE_DIR}/${layer}/*.cpp"
       "${SOURCE_DIR}/${layer}/*.cuh" "${SOURCE_DIR}/${layer}/*.cu")
  foreach(f IN LISTS files)
    file(STRINGS "${f}" hits REGEX "^[ \t]*#[ \t]*include[ \t]*[\"<]host/")
    if(hits)
      file(RELATIVE_PATH rel "${SOURCE_DIR}" "${f}")
      string(APPEND bad "  ${rel}: ${hits}\n")
    endif()
  endforeach()
endforeach()
if(bad)
  message(FATAL_ERROR "lower layers include host/ headers (move what they need below host/):\n${bad}")
endif()
message(STATUS "kernels/, meshes/ and visualization/ include nothing from host/")
