#!/usr/bin/env bash
# Builds llama-server from the llama.cpp source that node-llama-cpp ships
# (node_modules/node-llama-cpp/llama/gitRelease.bundle), offline, and caches
# the binary outside the clone, keyed by the llama.cpp version and the machine:
#   ${SPECEDIT_CACHE:-${XDG_CACHE_HOME:-~/.cache}/specedit}/llama-server/<tag>-<arch>[-cuda]/llama-server
# Prints the binary's path. About 15-23 minutes on 2 cores the first time, instant after.
# LLAMA_CUDA=1 builds for NVIDIA GPUs (CUDA_ARCHITECTURES, default 90: H100/H200).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
llama="$root/node_modules/node-llama-cpp/llama"
[ -f "$llama/gitRelease.bundle" ] || { echo "build-llama-server: $llama/gitRelease.bundle not found; run make install first" >&2; exit 1; }
tag=$(node -p "require('$llama/llama.cpp.info.json').tag")
flavour="$(uname -m)${LLAMA_CUDA:+-cuda}"
cache="${SPECEDIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/specedit}/llama-server/$tag-$flavour"
bin="$cache/llama-server"
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9 # one build at a time; a second caller waits and reuses it
if [ ! -x "$bin" ]; then
  src=$(mktemp -d "$cache/src.XXXX")
  trap 'rm -rf "$src"' EXIT
  echo "build-llama-server: building llama-server $tag ($flavour) into $cache; about 20 minutes on 2 cores" >&2
  git clone -q "$llama/gitRelease.bundle" "$src/llama.cpp"
  flags=(-DCMAKE_BUILD_TYPE=Release -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF -DBUILD_SHARED_LIBS=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DGGML_NATIVE=ON)
  [ -n "${LLAMA_CUDA:-}" ] && flags+=(-DGGML_CUDA=ON "-DCMAKE_CUDA_ARCHITECTURES=${CUDA_ARCHITECTURES:-90}")
  cmake -S "$src/llama.cpp" -B "$src/build" "${flags[@]}" >&2
  cmake --build "$src/build" --target llama-server -j"$(nproc)" >&2
  cp "$src/build/bin/llama-server" "$bin.tmp" && mv "$bin.tmp" "$bin"
fi
echo "$bin"
