# SPDX-License-Identifier: MIT
# Writes ${OUT} (the generated build_info.hpp) from ${IN} with the commit the working tree is at, at
# every build, not only at configure: a binary built after a commit without re-running CMake must not
# record the older commit in run.json, `lactosim info` or its checkpoints. "-dirty" marks a tree whose
# tracked files differ from that commit. The file is replaced only when its text changes, so an
# unchanged commit recompiles nothing.
# Inputs (-D): IN, OUT, SOURCE_DIR, GIT_EXECUTABLE (may be empty), PROJECT_VERSION, CMAKE_BUILD_TYPE,
# CMAKE_CXX_COMPILER_ID, CMAKE_CXX_COMPILER_VERSION, CMAKE_CUDA_ARCHITECTURES.
set(LACTOSIM_GIT_HASH "unknown")
if(GIT_EXECUTABLE)
  execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --short=12 HEAD
    WORKING_DIRECTORY ${SOURCE_DIR} OUTPUT_VARIABLE _hash
    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _rc)
  if(_rc EQUAL 0 AND _hash)
    set(LACTOSIM_GIT_HASH "${_hash}")
    execute_process(COMMAND ${GIT_EXECUTABLE} status --porcelain --untracked-files=no
      WORKING_DIRECTORY ${SOURCE_DIR} OUTPUT_VARIABLE _changes ERROR_QUIET RESULT_VARIABLE _rc)
    if(_rc EQUAL 0 AND NOT _changes STREQUAL "")
      string(APPEND LACTOSIM_GIT_HASH "-dirty")
    endif()
  endif()
endif()
configure_file(${IN} ${OUT}.new @ONLY)
file(COPY_FILE ${OUT}.new ${OUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT}.new)
