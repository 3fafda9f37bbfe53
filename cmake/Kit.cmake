# -DSLIME_KIT=DIR: every non-LibTorch dependency from a folder made by scripts/gpu_kit.sh, for a
# machine without Debian's -dev packages (the GPU check host: LibTorch from the pip wheel, no
# registry). Layout: DIR/include (headers), DIR/lib (shared libraries + their closure, soname
# links), DIR/src/googletest. Defines the same target names Dependencies.cmake gets from the
# packages, so no CMakeLists.txt differs between the two builds. OpenCV imgcodecs is not in the
# kit (its closure is too large to carry): images go through libpng + libjpeg (SLIME_IMGCODECS OFF).
get_filename_component(SLIME_KIT "${SLIME_KIT}" ABSOLUTE)
set(_kit_inc "${SLIME_KIT}/include")
set(_kit_lib "${SLIME_KIT}/lib")
if(NOT IS_DIRECTORY "${_kit_lib}" OR NOT IS_DIRECTORY "${_kit_inc}")
  message(FATAL_ERROR "SLIME_KIT=${SLIME_KIT} has no lib/ and include/: unpack gpu_kit/kit.tar.xz there "
    "(scripts/gpu_kit.sh makes it, scripts/gpu_check.sh unpacks it)")
endif()
if(SLIME_IMGCODECS STREQUAL "ON")
  message(FATAL_ERROR "SLIME_IMGCODECS=ON with SLIME_KIT: the kit carries no OpenCV imgcodecs")
endif()

# A shared library of the kit as an IMPORTED target. The kit's libraries need each other (OpenCV
# core needs lapack, GLX, tbb, ... from lib/): -rpath-link lets ld resolve them at link time;
# at run time they come from the executables' RPATH (below).
function(_slime_kit_shared target file)
  if(NOT EXISTS "${_kit_lib}/${file}")
    message(FATAL_ERROR "SLIME_KIT: ${_kit_lib}/${file} missing (rerun scripts/gpu_kit.sh)")
  endif()
  add_library(${target} SHARED IMPORTED GLOBAL)
  set_target_properties(${target} PROPERTIES IMPORTED_LOCATION "${_kit_lib}/${file}"
    INTERFACE_INCLUDE_DIRECTORIES "${ARGN}" INTERFACE_LINK_OPTIONS "LINKER:-rpath-link,${_kit_lib}")
endfunction()
function(_slime_kit_headers target)
  add_library(${target} INTERFACE IMPORTED GLOBAL)
  set_target_properties(${target} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${_kit_inc}")
endfunction()

_slime_kit_shared(opencv_core libopencv_core.so.406 "${_kit_inc}/opencv4")
_slime_kit_shared(opencv_imgproc libopencv_imgproc.so.406 "${_kit_inc}/opencv4")
set_target_properties(opencv_imgproc PROPERTIES INTERFACE_LINK_LIBRARIES opencv_core)
set(OpenCV_INCLUDE_DIRS "${_kit_inc}/opencv4")
set(OpenCV_VERSION "4.6.0")
_slime_kit_headers(nlohmann_json::nlohmann_json)
_slime_kit_headers(CLI11::CLI11)
_slime_kit_shared(fmt::fmt libfmt.so.9 "${_kit_inc}")
_slime_kit_shared(PkgConfig::PCRE2 libpcre2-8.so.0 "${_kit_inc}")
_slime_kit_shared(SQLite::SQLite3 libsqlite3.so.0 "${_kit_inc}")
# libpng / libjpeg through CMake's own modules (PNG::PNG, JPEG::JPEG), pointed at the kit.
set(ZLIB_INCLUDE_DIR "${_kit_inc}" CACHE PATH "")
set(ZLIB_LIBRARY "${_kit_lib}/libz.so.1" CACHE FILEPATH "")
set(PNG_PNG_INCLUDE_DIR "${_kit_inc}" CACHE PATH "")
set(PNG_LIBRARY "${_kit_lib}/libpng16.so.16" CACHE FILEPATH "")
set(JPEG_INCLUDE_DIR "${_kit_inc}" CACHE PATH "")
set(JPEG_LIBRARY "${_kit_lib}/libjpeg.so.62" CACHE FILEPATH "")
find_package(PNG REQUIRED)
find_package(JPEG REQUIRED)
if(SLIME_TESTS)
  # GoogleTest from source, as Debian's googletest package ships it.
  set(BUILD_GMOCK OFF CACHE BOOL "" FORCE)
  set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
  add_subdirectory("${SLIME_KIT}/src/googletest" "${CMAKE_BINARY_DIR}/_kit_googletest" EXCLUDE_FROM_ALL)
  if(NOT TARGET GTest::gtest)  # googletest >= 1.11 defines them itself
    add_library(GTest::gtest ALIAS gtest)
    add_library(GTest::gtest_main ALIAS gtest_main)
  endif()
endif()
if(SLIME_BENCH)
  _slime_kit_shared(benchmark::benchmark libbenchmark.so.1debian "${_kit_inc}")
  set_target_properties(benchmark::benchmark PROPERTIES INTERFACE_LINK_LIBRARIES Threads::Threads)
endif()
# Executables find the kit's own libraries through their RUNPATH (CMake adds lib/); the libraries'
# dependencies (OpenCV core -> lapack, GLX, tbb) do not see it, so whoever runs them sets
# LD_LIBRARY_PATH=DIR/lib (scripts/gpu_check.sh does).
set(SLIME_WITH_IMGCODECS OFF)
message(STATUS "slime: dependencies from the kit ${SLIME_KIT} (OpenCV ${OpenCV_VERSION} core+imgproc, libpng, libjpeg)")
