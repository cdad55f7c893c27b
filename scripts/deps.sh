#!/usr/bin/env bash
# Installs the Debian 12 packages Samsa needs to build, test and run.
# Idempotent: only missing packages are installed, and `apt-get update` runs at most
# once per invocation (and only when something is missing).
set -euo pipefail

PACKAGES=(
    # toolchain
    g++ cmake ninja-build pkg-config make clang-format git
    # libraries
    libgtest-dev libgmock-dev libbenchmark-dev
    zlib1g-dev libsnappy-dev liblz4-dev libzstd-dev libisal-dev libxxhash-dev
    libasio-dev liburing-dev libfmt-dev libspdlog-dev libcli11-dev librdkafka-dev
    # fuzzing and sanitizer runtimes
    clang libclang-rt-14-dev
    # test clients and the codegen (Debian's python, /usr/bin/python3)
    python3 python3-pytest python3-kafka python3-confluent-kafka kcat
    python3-snappy python3-lz4 python3-zstandard python3-crc32c
    # the machine's limits in `make bench`: loopback bandwidth, disk writes and fsync latency
    iperf3 fio
)

missing=()
for package in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if ((${#missing[@]} == 0)); then
    exit 0
fi

echo "deps: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
