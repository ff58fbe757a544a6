#!/usr/bin/env bash
# Installs every Debian package GenerativeRL++ builds, tests or runs with.
# Idempotent: when everything is present it installs nothing and does not touch apt.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git
  # LibTorch (CPU) and a fast BLAS for it: the reference BLAS makes LibTorch about 14x slower
  libtorch-dev libopenblas0-pthread
  # physics, data, configuration, command line, JSON
  libmujoco-dev libqhull-dev libhdf5-dev libyaml-cpp-dev libcli11-dev nlohmann-json3-dev
  # SHA-256 of dataset files (libcrypto)
  libssl-dev
  # viewer: Dear ImGui (its backends are compiled from the package's examples; imgui.pc requires
  # stb), GLFW, OpenGL, PNG frames. ffmpeg is optional (grl view --record out.mp4 encodes with it).
  libimgui-dev libstb-dev libglfw3-dev libgl-dev libpng-dev
  # benchmark reports: plots
  gnuplot-nox
  # tests, and headless rendering in tests
  libgtest-dev xvfb xauth
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
