#!/bin/sh
# Build the Xapian peer: bench/peers/xapian/build.sh OUT_DIR -> OUT_DIR/peer-xapian
# Needs g++, libxapian-dev (1.4) and libjansson-dev (scripts/deps.sh build bench).
set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 OUT_DIR" >&2
    exit 2
fi
out=$1
src=$(cd "$(dirname "$0")" && pwd)/peer_xapian.cc
CXX=${CXX:-g++}

command -v "$CXX" >/dev/null 2>&1 || { echo "$0: $CXX not found" >&2; exit 1; }
if command -v xapian-config >/dev/null 2>&1; then
    xapian_cflags=$(xapian-config --cxxflags)
    xapian_libs=$(xapian-config --libs)
elif pkg-config --exists xapian-core 2>/dev/null; then
    xapian_cflags=$(pkg-config --cflags xapian-core)
    xapian_libs=$(pkg-config --libs xapian-core)
else
    echo "$0: Xapian not found (no xapian-config, no pkg-config xapian-core): install libxapian-dev" >&2
    exit 1
fi
if pkg-config --exists jansson 2>/dev/null; then
    jansson_cflags=$(pkg-config --cflags jansson)
    jansson_libs=$(pkg-config --libs jansson)
elif [ -f /usr/include/jansson.h ]; then
    jansson_cflags=
    jansson_libs=-ljansson
else
    echo "$0: jansson not found: install libjansson-dev" >&2
    exit 1
fi

mkdir -p "$out"
# shellcheck disable=SC2086  # the flag variables are word lists
"$CXX" -std=c++17 -O2 -Wall -Wextra $xapian_cflags $jansson_cflags \
    -o "$out/peer-xapian" "$src" $xapian_libs $jansson_libs -pthread
