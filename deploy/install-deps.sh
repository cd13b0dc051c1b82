#!/usr/bin/env bash
# Installs the Debian 12 packages Tilbake builds, tests and runs with, and only
# those that are missing. Safe to run again: with everything present it changes
# nothing and makes no network request.
#
#   deploy/install-deps.sh          build + test dependencies
#   deploy/install-deps.sh --check  list what is missing, install nothing (exit 1 if any)
set -euo pipefail

# One package per line, with why we need it.
PACKAGES=(
  build-essential          # g++ 12, make
  cmake                    # 3.25
  pkg-config
  git
  libgrpc++-dev            # gRPC 1.51 C++ (+ reflection library)
  protobuf-compiler-grpc   # grpc_cpp_plugin
  libprotobuf-dev          # protobuf 3.21 runtime + well-known types
  protobuf-compiler        # protoc
  libabsl-dev              # Abseil 20220623 (status, flags, time, synchronization)
  librocksdb-dev           # RocksDB 7.8
  libgtest-dev             # GoogleTest 1.12
  libgmock-dev             # GoogleMock (generated gRPC mock stubs)
  libcli11-dev             # CLI11 2.1: the `tilbake` command line's subcommands
  prometheus-cpp-dev       # prometheus-cpp 1.0 (metrics exposer)
  clang-format             # formatting check (.clang-format: Google)
  clang                    # the fuzzing build (libFuzzer)
  libclang-rt-14-dev       # libFuzzer and AddressSanitizer runtimes
  prometheus               # monitoring test: a real Prometheus + promtool
  curl                     # the monitoring test queries Prometheus's HTTP API
  libssl-dev               # SHA-256 of bearer tokens (OpenSSL libcrypto)
  openssl                  # the TLS tests make their certificates at test time
  systemd                  # systemd-analyze verifies deploy/systemd/tilbake.service
  python3                  # the Python SDK (client/python) and its tests
  python3-grpcio           # gRPC 1.51 for Python
  python3-protobuf         # protobuf 3.21 for Python (matches protoc)
  python3-venv             # the SDK's package test installs it into a venv
  python3-setuptools       # builds the SDK package (pip --no-build-isolation)
  python3-wheel
  python3-pandas           # the SDK's optional DataFrames (to_frame)
  python3-openpyxl         # reads the .xlsx exports back in the tests
  libxlsxwriter-dev        # `tilbake trends|report --format=xlsx`, downloads
  libcpp-httplib-dev       # tilbake-web's HTTP(S) server (links OpenSSL 3)
  libmstch-dev             # tilbake-web's templates (mustache, HTML-escaped)
  libboost-locale-dev      # tilbake-web's gettext catalogs and ICU formats
  gettext                  # msgfmt compiles the catalogs (client/i18n/po)
  chromium                 # the pages' browser tests (headless)
  chromium-driver          # WebDriver for chromium
  python3-selenium         # drives it from tests/web/browser/browser_test.py
  poppler-utils            # pdftoppm, pdftotext: the printed report's check
  fonts-dejavu-core        # text in screenshots and PDFs
)

# axe-core (npm registry) checks the pages for WCAG 2.1 AA in the browser
# tests. A test-time tool, not part of any build: fetched once into the
# cache, its version and sha512 pinned in tests/web/browser/axe-core.txt.
AXE_PIN="$(dirname "$0")/../tests/web/browser/axe-core.txt"
read -r AXE_VERSION AXE_INTEGRITY < "$AXE_PIN"
AXE_DIR="${HOME}/.cache/tilbake/axe-core-${AXE_VERSION}"
install_axe() {
  local tgz
  tgz=$(mktemp)
  curl -fsSL --retry 3 -o "$tgz" \
    "https://registry.npmjs.org/axe-core/-/axe-core-${AXE_VERSION}.tgz"
  local got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
  if [[ "$got" != "$AXE_INTEGRITY" ]]; then
    echo "install-deps: axe-core ${AXE_VERSION}: checksum mismatch" >&2
    rm -f "$tgz"
    exit 1
  fi
  mkdir -p "$AXE_DIR"
  tar -xzf "$tgz" -C "$AXE_DIR" --strip-components=1 package/axe.min.js package/LICENSE
  rm -f "$tgz"
  echo "install-deps: axe-core ${AXE_VERSION} in ${AXE_DIR}"
}

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

axe_missing=false
[[ -f "${AXE_DIR}/axe.min.js" ]] || axe_missing=true

if [[ ${#missing[@]} -eq 0 && $axe_missing == false ]]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present, and axe-core ${AXE_VERSION}"
  exit 0
fi

if [[ "${1:-}" == "--check" ]]; then
  echo "install-deps: missing: ${missing[*]}$($axe_missing && echo " axe-core-${AXE_VERSION}")"
  exit 1
fi

if [[ ${#missing[@]} -eq 0 ]]; then
  install_axe
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
if $axe_missing; then install_axe; fi
echo "install-deps: done"
