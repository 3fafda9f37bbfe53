#!/usr/bin/env bash
# Gathers, on this Debian (bookworm) machine, what the GPU check host lacks into gpu_kit/ (ignored by
# git): headers and shared libraries of OpenCV core+imgproc and their closure, fmt, nlohmann_json,
# CLI11, PCRE2, SQLite3, libpng, libjpeg, zlib, Google Benchmark, the GoogleTest sources, and
# (when they fit) the Python wheels of transformers 4.40.2 for the HF eager comparison. The host
# has LibTorch (pip torch), CMake, ninja, nvcc, glibc and libstdc++, nothing else, and takes at
# most 64 MiB of files in all (the tracked files count too): the size is printed and checked.
#   scripts/gpu_kit.sh [--no-wheels] [--out DIR]      then on the GPU host: scripts/gpu_check.sh OUT
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=gpu_kit
WHEELS=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-wheels) WHEELS=0 ;;
    --out) OUT="$2"; shift ;;
    *) echo "usage: $0 [--no-wheels] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done
LIMIT_MIB=64         # what the GPU host accepts in all
ARCH=x86_64-linux-gnu
L=/usr/lib/$ARCH
rm -rf "$OUT"
mkdir -p "$OUT/include" "$OUT/lib" "$OUT/src"

# Libraries the project links, by soname (Kit.cmake names the same files).
DIRECT=(libopencv_core.so.406 libopencv_imgproc.so.406 libfmt.so.9 libpcre2-8.so.0 libsqlite3.so.0
        libpng16.so.16 libjpeg.so.62 libz.so.1 libbenchmark.so.1debian)
# What the target has anyway (glibc, the GCC runtime) stays out of the closure.
BASE='^(libc|libm|libdl|libpthread|librt|libstdc\+\+|libgcc_s|ld-linux-x86-64)\.so'
# Debian's OpenCV links liblapack.so.3/libblas.so.3 through the alternatives system, which points at
# OpenBLAS (36 MB); the reference LAPACK/BLAS builds (lapack/, blas/) provide the same sonames.
resolve() {
  case "$1" in
    liblapack.so.3) echo "$L/lapack/liblapack.so.3" ;;
    libblas.so.3) echo "$L/blas/libblas.so.3" ;;
    libbenchmark.so.1debian) echo "$L/libbenchmark.so" ;;
    *) for d in "$L" /lib/$ARCH; do [[ -e "$d/$1" ]] && { echo "$d/$1"; return; }; done
       echo "gpu_kit: $1 not found (install the Debian -dev packages: scripts/setup.sh)" >&2; return 1 ;;
  esac
}
declare -A seen=()
queue=("${DIRECT[@]}")
while [[ ${#queue[@]} -gt 0 ]]; do
  so="${queue[0]}"; queue=("${queue[@]:1}")
  [[ -n "${seen[$so]:-}" || "$so" =~ $BASE ]] && continue
  seen[$so]=1
  src=$(resolve "$so")
  cp -L "$src" "$OUT/lib/$so"
  while read -r need; do queue+=("$need"); done < <(readelf -d "$src" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
done
# Link-time names (-lfoo style lookups and CMake's find_library).
for so in "$OUT"/lib/*.so.*; do
  base=$(basename "$so"); dev="${base%%.so.*}.so"
  [[ -e "$OUT/lib/$dev" ]] || ln -s "$base" "$OUT/lib/$dev"
done

# Headers: OpenCV core + imgproc only (the other modules' headers are not needed), and the rest.
mkdir -p "$OUT/include/opencv4/opencv2"
for f in core core.hpp imgproc imgproc.hpp opencv_modules.hpp cvconfig.h; do
  [[ -e /usr/include/opencv4/opencv2/$f ]] && cp -r /usr/include/opencv4/opencv2/$f "$OUT/include/opencv4/opencv2/"
done
cp -r /usr/include/$ARCH/opencv4/opencv2/* "$OUT/include/opencv4/opencv2/" 2>/dev/null || true
cp -r /usr/include/fmt /usr/include/nlohmann /usr/include/CLI /usr/include/benchmark "$OUT/include/"
cp /usr/include/pcre2.h /usr/include/sqlite3.h /usr/include/sqlite3ext.h /usr/include/zlib.h /usr/include/zconf.h \
   /usr/include/png.h /usr/include/pngconf.h /usr/include/pnglibconf.h \
   /usr/include/jpeglib.h /usr/include/jmorecfg.h /usr/include/jerror.h "$OUT/include/"
cp /usr/include/$ARCH/jconfig.h "$OUT/include/"
cp -r /usr/src/googletest "$OUT/src/googletest"
rm -rf "$OUT/src/googletest/googlemock/docs" "$OUT/src/googletest/googletest/docs"

# The symbol versions the libraries need: the GPU host's glibc/libstdc++ must be at least these
# (gpu_check.sh compares before building).
max_ver() { objdump -T "$OUT"/lib/*.so.* 2>/dev/null | grep -o "$1_[0-9.]*" | sort -uV | tail -1; }
GLIBC_NEED=$(max_ver GLIBC)
GLIBCXX_NEED=$(max_ver GLIBCXX)

# Python wheels for scripts/bench_hf_gpu.py: transformers 4.40.2 and its pure-Python deps,
# safetensors (abi3), regex and PyYAML per CPython version (3.10-3.13). Left out: tokenizers
# (transformers only checks it when installed; the script feeds token ids) and numpy (16 MB per
# Python version; the check skips the HF comparison when the host has no numpy).
WHEEL_NOTE="none (--no-wheels)"
if [[ $WHEELS == 1 ]]; then
  mkdir -p "$OUT/wheels"
  PIP=(python3 -m pip download --quiet --disable-pip-version-check --only-binary=:all: --no-deps
       --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64
       --platform any -d "$OUT/wheels")
  if "${PIP[@]}" --python-version 3.10 transformers==4.40.2 "safetensors>=0.4.1" huggingface-hub==0.36.2 \
       filelock fsspec packaging tqdm requests certifi idna urllib3 typing-extensions 2>"$OUT/wheels.log"; then
    for v in 3.10 3.11 3.12 3.13; do
      "${PIP[@]}" --python-version "$v" regex pyyaml 2>>"$OUT/wheels.log" || echo "gpu_kit: no regex/pyyaml wheel for $v" >&2
    done
    WHEEL_NOTE="$(ls "$OUT/wheels" | wc -l) wheels"
  else
    echo "gpu_kit: pip download failed (see $OUT/wheels.log); no HF comparison on the GPU host" >&2
    rm -rf "$OUT/wheels"; WHEEL_NOTE="none (pip download failed)"
  fi
fi

# The libraries, headers and sources travel as one xz tarball (about a third of their size);
# gpu_check.sh unpacks it outside the checkout.
(cd "$OUT" && tar -cf - include lib src | xz -T0 -6 > kit.tar.xz && rm -rf include lib src)
kit_bytes=$(du -sb "$OUT" | cut -f1)
tracked_bytes=$(git ls-files -z | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1)
{
  echo "slime-bench GPU kit, made $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(. /etc/os-release; echo "$PRETTY_NAME")"
  echo "glibc_needed $GLIBC_NEED"
  echo "glibcxx_needed $GLIBCXX_NEED"
  echo "wheels $WHEEL_NOTE"
  echo "kit_bytes $kit_bytes"
  echo "tracked_bytes $tracked_bytes"
  echo "libraries:"; tar -tJf "$OUT/kit.tar.xz" | sed -n 's|^lib/\(.*\.so\.[^/]*\)$|\1|p' | sort
} > "$OUT/MANIFEST.txt"
total=$((kit_bytes + tracked_bytes))
printf 'gpu_kit: %s = %.1f MB (wheels: %s); tracked files %.1f MB; together %.1f MiB of %d MiB\n' \
  "$OUT" "$(echo "$kit_bytes/1000000" | bc -l)" "$WHEEL_NOTE" "$(echo "$tracked_bytes/1000000" | bc -l)" \
  "$(echo "$total/1048576" | bc -l)" "$LIMIT_MIB"
echo "gpu_kit: the libraries need glibc >= ${GLIBC_NEED#GLIBC_}, libstdc++ >= ${GLIBCXX_NEED#GLIBCXX_} on the host"
if (( total > LIMIT_MIB * 1048576 )); then
  echo "gpu_kit: over the ${LIMIT_MIB} MiB the GPU host takes; rerun with --no-wheels" >&2
  exit 1
fi
