#!/bin/sh
# Checks every library patsift needs and installs what is missing from
# Debian (apt-get as root, or through sudo). `make deps` runs this; `make
# demo` and `make test` depend on it, so a fresh Debian machine needs nothing
# typed before them. Usage: scripts/deps.sh [build|test|fuzz|bench]...
set -eu

# package  header-or-file-that-proves-it-is-installed
base="
gcc /usr/bin/gcc
make /usr/bin/make
pkg-config /usr/bin/pkg-config
libstemmer-dev /usr/include/libstemmer.h
libjemalloc-dev /usr/include/jemalloc/jemalloc.h
libexpat1-dev /usr/include/expat.h
libjansson-dev /usr/include/jansson.h
libjson-c-dev /usr/include/json-c/json.h
libxxhash-dev /usr/include/xxhash.h
libutf8proc-dev /usr/include/utf8proc.h
zlib1g-dev /usr/include/zlib.h
libzstd-dev /usr/include/zstd.h
python3 /usr/bin/python3
"
test_pkgs="
libcriterion-dev /usr/include/criterion/criterion.h
"
fuzz_pkgs="
clang /usr/bin/clang
libclang-rt-14-dev /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a
"
# the benchmarks, and the peers of bench/peers (Lucene, Xapian, SQLite FTS5);
# `make test` runs their smoke test, so the test goal installs them too
bench_pkgs="
time /usr/bin/time
g++ /usr/bin/g++
default-jdk-headless /usr/bin/javac
liblucene8-java /usr/share/java/lucene-core-8.7.0.jar
libxapian-dev /usr/include/xapian.h
libsqlite3-dev /usr/include/sqlite3.h
gnuplot-nox /usr/bin/gnuplot
"

want="$base"
for goal in "$@"; do
    case "$goal" in
        build) ;;
        test) want="$want$test_pkgs$bench_pkgs" ;;
        fuzz) want="$want$fuzz_pkgs" ;;
        bench) want="$want$bench_pkgs" ;;
        *) echo "deps.sh: unknown goal '$goal' (build, test, fuzz, bench)" >&2; exit 2 ;;
    esac
done

missing() {
    echo "$want" | while read -r pkg file; do
        [ -n "$pkg" ] || continue
        [ -e "$file" ] || echo "$pkg"
    done
}

todo=$(missing | sort -u | tr '\n' ' ')
[ -z "$todo" ] && exit 0

echo "patsift: installing missing packages: $todo"
if [ "$(id -u)" = 0 ]; then
    SUDO=
elif command -v sudo >/dev/null 2>&1; then
    SUDO=sudo
else
    echo "patsift: missing packages ($todo) and not root and no sudo: install them with apt-get as root" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# apt-get update can fail on one bad mirror and still leave usable lists
$SUDO apt-get update -qq || echo "patsift: apt-get update reported errors, trying the install anyway" >&2
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $todo >/dev/null || true

still=$(missing | sort -u | tr '\n' ' ')
if [ -n "$still" ]; then
    echo "patsift: still missing after apt-get: $still" >&2
    echo "patsift: install them by hand (Debian 12 package names) and run make again" >&2
    exit 1
fi
echo "patsift: dependencies ready"
