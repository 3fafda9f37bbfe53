# Every C++ dependency comes from Debian packages (scripts/setup.sh installs them), except LibTorch,
# which may also be a 2.x CUDA build found through Torch_DIR / CMAKE_PREFIX_PATH.
find_package(Threads REQUIRED)
# A CUDA LibTorch 2.x (Caffe2/public/cuda.cmake) enables CUDA itself, turns CMAKE_CUDA_ARCHITECTURES
# OFF and appends -gencode flags for TORCH_CUDA_ARCH_LIST to CMAKE_CUDA_FLAGS, which our .cu files
# get too. Unset, it means a wide default list that starts at sm_50, which nvcc 13 no longer
# supports (and 11 archs to compile on 2 cores): derive it from CMAKE_CUDA_ARCHITECTURES (default
# 90) unless given (-DTORCH_CUDA_ARCH_LIST=... or the environment). CPU LibTorch ignores it.
if(NOT DEFINED TORCH_CUDA_ARCH_LIST AND NOT DEFINED ENV{TORCH_CUDA_ARCH_LIST})
  if(DEFINED CMAKE_CUDA_ARCHITECTURES AND CMAKE_CUDA_ARCHITECTURES)
    set(_slime_archs "${CMAKE_CUDA_ARCHITECTURES}")
  else()
    set(_slime_archs 90)
  endif()
  list(TRANSFORM _slime_archs REPLACE "^([0-9]+)([0-9])(a?)(-real|-virtual)?$" "\\1.\\2\\3")
  # Cached, so that a re-configure (where CMAKE_CUDA_ARCHITECTURES holds nvcc's default) keeps it.
  set(TORCH_CUDA_ARCH_LIST "${_slime_archs}" CACHE STRING "CUDA archs for a CUDA LibTorch (and our .cu)")
endif()
find_package(Torch REQUIRED)
# A LibTorch found outside the system dirs (pip wheel: -DCMAKE_PREFIX_PATH=$(python -c 'import
# torch.utils; print(torch.utils.cmake_prefix_path)'), or an unpacked libtorch zip) next to
# Debian's libtorch-dev: TorchConfig.cmake looks for libc10 / libtorch / libkineto with
# find_library(... PATHS <torch>/lib), which searches /usr/lib/<arch> FIRST, so the 2.x headers
# would be linked against Debian's 1.13 libc10.so. Swap such a hit for the copy in <torch>/lib.
foreach(_slime_lib c10 torch kineto)
  if(_slime_lib STREQUAL "torch")
    set(_slime_var TORCH_LIBRARY)
  else()
    set(_slime_var ${_slime_lib}_LIBRARY)
  endif()
  set(_slime_found "${${_slime_var}}")
  if(_slime_found AND NOT _slime_found MATCHES "NOTFOUND$")
    get_filename_component(_slime_found_dir "${_slime_found}" DIRECTORY)
    get_filename_component(_slime_found_dir "${_slime_found_dir}" REALPATH)
    get_filename_component(_slime_want_dir "${TORCH_INSTALL_PREFIX}/lib" REALPATH)
    if(NOT _slime_found_dir STREQUAL _slime_want_dir AND EXISTS "${_slime_want_dir}/lib${_slime_lib}.so")
      set(${_slime_var} "${_slime_want_dir}/lib${_slime_lib}.so" CACHE FILEPATH "" FORCE)
      list(FIND TORCH_LIBRARIES "${_slime_found}" _slime_at)
      if(NOT _slime_at EQUAL -1)
        list(REMOVE_AT TORCH_LIBRARIES ${_slime_at})
        list(INSERT TORCH_LIBRARIES ${_slime_at} "${${_slime_var}}")
      endif()
      message(STATUS "slime: ${_slime_var} ${_slime_found} is not this LibTorch's; using ${${_slime_var}}")
    endif()
  endif()
endforeach()
# SLIME_IMGCODECS: OpenCV imgcodecs decodes and encodes images (AUTO: when installed); OFF: libpng +
# libjpeg do (engine/image/decode.cpp, datasets/hires_detail/generator.cpp), same pixels.
set(SLIME_IMGCODECS "AUTO" CACHE STRING "Images through OpenCV imgcodecs: AUTO (when found), ON, OFF (libpng + libjpeg)")
set(SLIME_KIT "" CACHE PATH "Take the non-LibTorch dependencies from this scripts/gpu_kit.sh folder (cmake/Kit.cmake)")
if(SLIME_KIT)
  include(${CMAKE_CURRENT_LIST_DIR}/Kit.cmake)
else()
if(SLIME_IMGCODECS STREQUAL "OFF")
  find_package(OpenCV REQUIRED COMPONENTS core imgproc)
  set(SLIME_WITH_IMGCODECS OFF)
elseif(SLIME_IMGCODECS STREQUAL "ON")
  find_package(OpenCV REQUIRED COMPONENTS core imgproc imgcodecs)
  set(SLIME_WITH_IMGCODECS ON)
else()
  find_package(OpenCV QUIET COMPONENTS core imgproc imgcodecs)
  set(SLIME_WITH_IMGCODECS ${OpenCV_FOUND})
  if(NOT OpenCV_FOUND)
    find_package(OpenCV REQUIRED COMPONENTS core imgproc)
  endif()
endif()
if(NOT SLIME_WITH_IMGCODECS)
  find_package(PNG REQUIRED)
endif()
find_package(nlohmann_json 3.9 REQUIRED)
find_package(fmt REQUIRED)
find_package(CLI11 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
find_package(SQLite3 REQUIRED)
find_package(BLAS)
if(SLIME_TESTS)
  find_package(GTest REQUIRED)
endif()
if(SLIME_BENCH)
  find_package(benchmark REQUIRED)
endif()
endif()
if(SLIME_WITH_IMGCODECS)
  message(STATUS "slime: images decoded/encoded by OpenCV imgcodecs")
else()
  message(STATUS "slime: images decoded/encoded by libpng + libjpeg (no OpenCV imgcodecs)")
endif()

# LibTorch flavour: which one, its version, whether it has CUDA.
set(SLIME_TORCH_VERSION "${Torch_VERSION}")
if(NOT SLIME_TORCH_VERSION)
  set(SLIME_TORCH_VERSION "unknown")
endif()
set(SLIME_TORCH_HAS_CUDA OFF)
if(TARGET torch_cuda OR CAFFE2_USE_CUDA)
  set(SLIME_TORCH_HAS_CUDA ON)
endif()
get_filename_component(SLIME_TORCH_DIR_ABS "${Torch_DIR}" ABSOLUTE)
message(STATUS "slime: LibTorch ${SLIME_TORCH_VERSION} at ${SLIME_TORCH_DIR_ABS}, CUDA ${SLIME_TORCH_HAS_CUDA}")
# Recent 2.x (2.15 at least) also add cxx_std_20 to the torch target, so every LibTorch target
# then compiles as C++20 (non-LibTorch targets stay C++17); the code must build as both.
if(SLIME_TORCH_VERSION VERSION_GREATER_EQUAL 2.0)
  if(CMAKE_CXX_STANDARD LESS 17)
    message(FATAL_ERROR "LibTorch 2.x needs C++17")
  endif()
endif()

# ABI guard: a pre-cxx11 LibTorch wheel cannot link against Debian's cxx11 OpenCV/fmt.
string(FIND "${TORCH_CXX_FLAGS}" "_GLIBCXX_USE_CXX11_ABI=0" _slime_abi0)
if(NOT _slime_abi0 EQUAL -1)
  message(FATAL_ERROR "LibTorch at ${SLIME_TORCH_DIR_ABS} uses the pre-cxx11 ABI (${TORCH_CXX_FLAGS}); "
    "Debian's OpenCV and fmt are cxx11 builds. Use a cxx11-ABI LibTorch.")
endif()

# CUDA: compile our .cu files whenever nvcc is there, with either LibTorch.
set(SLIME_WITH_CUDA OFF)
if(NOT SLIME_CUDA STREQUAL "OFF")
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES 90)   # H100/H200; override with -DCMAKE_CUDA_ARCHITECTURES=...
    endif()
    set(_slime_arch_text "${CMAKE_CUDA_ARCHITECTURES}")
    if(NOT CMAKE_CUDA_ARCHITECTURES)     # OFF: set so by a CUDA LibTorch, see TORCH_CUDA_ARCH_LIST above
      set(_slime_arch_text "TORCH_CUDA_ARCH_LIST ${TORCH_CUDA_ARCH_LIST}")
    endif()
    enable_language(CUDA)
    find_package(CUDAToolkit REQUIRED)
    set(CMAKE_CUDA_STANDARD 17)
    set(SLIME_WITH_CUDA ON)
    message(STATUS "slime: CUDA kernels ON (nvcc ${CMAKE_CUDA_COMPILER_VERSION}, arch ${_slime_arch_text})")
  elseif(SLIME_CUDA STREQUAL "ON")
    message(FATAL_ERROR "SLIME_CUDA=ON but no CUDA compiler was found")
  else()
    message(STATUS "slime: CUDA kernels OFF (no nvcc)")
  endif()
endif()

# One interface target that carries LibTorch + its precompiled header, so only targets that
# really use LibTorch pay for its headers.
add_library(slime_torch_deps INTERFACE)
target_link_libraries(slime_torch_deps INTERFACE ${TORCH_LIBRARIES})
target_include_directories(slime_torch_deps SYSTEM INTERFACE ${TORCH_INCLUDE_DIRS})
# pip wheels of LibTorch 2.x ship fmt's headers (fmt 12 in 2.15) in <torch>/include/fmt, which as
# -isystem would shadow Debian's /usr/include/fmt (9.1) in every LibTorch target: fmt::join
# missing from <fmt/format.h>, and fmt 12 declarations linked against libfmt.so.9. LibTorch's own
# public headers (torch/torch.h, c10/cuda) do not include fmt, so put Debian's fmt first: a
# directory holding only an fmt -> <Debian's fmt include dir>/fmt link, searched before LibTorch's.
get_target_property(_slime_fmt_inc fmt::fmt INTERFACE_INCLUDE_DIRECTORIES)
find_path(SLIME_FMT_INCLUDE_DIR fmt/format.h HINTS ${_slime_fmt_inc} NO_CMAKE_PATH NO_CMAKE_ENVIRONMENT_PATH)
get_filename_component(_slime_torch_inc "${TORCH_INSTALL_PREFIX}/include" REALPATH)
get_filename_component(_slime_fmt_real "${SLIME_FMT_INCLUDE_DIR}" REALPATH)
if(EXISTS "${_slime_torch_inc}/fmt" AND NOT _slime_torch_inc STREQUAL _slime_fmt_real)
  set(_slime_fmt_shim "${CMAKE_BINARY_DIR}/slime_fmt_shim")
  file(MAKE_DIRECTORY "${_slime_fmt_shim}")
  file(CREATE_LINK "${SLIME_FMT_INCLUDE_DIR}/fmt" "${_slime_fmt_shim}/fmt" SYMBOLIC)
  target_include_directories(slime_torch_deps SYSTEM BEFORE INTERFACE "${_slime_fmt_shim}")
  message(STATUS "slime: LibTorch bundles fmt headers; using ${SLIME_FMT_INCLUDE_DIR}/fmt before them")
endif()

# pip wheels of a CUDA LibTorch: libtorch_cuda.so finds its CUDA libraries (cudart, cuBLAS, NCCL,
# cuDNN, ...; CUDA 13.2 for torch 2.15+cu132) in <site-packages>/nvidia/*/lib through its RPATH.
# Our binaries also link the local toolkit (/usr/local/cuda, whose lib64 holds an older NCCL), so
# without help ld resolves libtorch_cuda's libnccl.so.2 there (undefined ncclCommGrow, ...) and
# the loader would mix two CUDA runtimes. Put the wheel's directories first, at link time
# (-rpath-link) and in the binaries' RUNPATH: one CUDA runtime, the wheel's, for LibTorch and
# for our kernels (built by the local nvcc; a newer runtime of the same major runs them).
get_filename_component(_slime_wheel_nvidia "${TORCH_INSTALL_PREFIX}/../nvidia" ABSOLUTE)
if(SLIME_TORCH_HAS_CUDA AND IS_DIRECTORY "${_slime_wheel_nvidia}")
  file(GLOB _slime_nvidia_libdirs LIST_DIRECTORIES true "${_slime_wheel_nvidia}/*/lib")
  foreach(_slime_dir IN LISTS _slime_nvidia_libdirs)
    target_link_options(slime_torch_deps INTERFACE "LINKER:-rpath-link,${_slime_dir}" "LINKER:-rpath,${_slime_dir}")
  endforeach()
  message(STATUS "slime: CUDA libraries of the LibTorch wheel first: ${_slime_wheel_nvidia}/*/lib")
endif()

# Precompiled <torch/torch.h>: built once in slime_torch_pch and reused (REUSE_FROM) by every
# target that calls slime_use_torch(). Targets without LibTorch never see these headers.
add_library(slime_torch_pch STATIC ${PROJECT_SOURCE_DIR}/cmake/torch_pch.cpp)
target_link_libraries(slime_torch_pch PUBLIC slime_torch_deps)
target_precompile_headers(slime_torch_pch PRIVATE <torch/torch.h>)
slime_warnings(slime_torch_pch)
function(slime_use_torch target)
  get_target_property(_type ${target} TYPE)
  if(_type STREQUAL "EXECUTABLE")
    target_link_libraries(${target} PRIVATE slime_torch_deps)
  else()
    target_link_libraries(${target} PUBLIC slime_torch_deps)
  endif()
  target_precompile_headers(${target} REUSE_FROM slime_torch_pch)
endfunction()
