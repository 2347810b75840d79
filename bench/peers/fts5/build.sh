#!/bin/sh
# Build the SQLite FTS5 benchmark peer: bench/peers/fts5/build.sh OUT_DIR
# -> OUT_DIR/peer-fts5. Needs libsqlite3-dev (with FTS5, as Debian builds it)
# and libjansson-dev.
set -eu
if [ $# -ne 1 ]; then
    echo "usage: $0 OUT_DIR" >&2
    exit 2
fi
out=$1
here=$(cd "$(dirname "$0")" && pwd)
CC=${CC:-gcc}

command -v "$CC" >/dev/null 2>&1 || { echo "$0: compiler '$CC' not found" >&2; exit 1; }
# Check headers and libraries first, so a missing package is named clearly
# instead of surfacing as a compiler error.
check() { # header library package
    if ! printf '#include <%s>\nint main(void){return 0;}\n' "$1" |
            "$CC" -x c -o /dev/null - "-l$2" >/dev/null 2>&1; then
        echo "$0: <$1> or -l$2 not usable: install $3 (apt-get install $3)" >&2
        exit 1
    fi
}
check sqlite3.h sqlite3 libsqlite3-dev
check jansson.h jansson libjansson-dev

mkdir -p "$out"
"$CC" -O2 -std=c11 -Wall -Wextra ${CFLAGS:-} ${LDFLAGS:-} -o "$out/peer-fts5" "$here/peer_fts5.c" \
    -lsqlite3 -ljansson -lpthread
echo "built $out/peer-fts5" >&2
