#!/usr/bin/env bash
# Installs a headless JDK for Canton from the distribution's package manager (never from anywhere
# else), only when no usable one is found. Canton 3.4 is built and tested on Java 21: the
# distribution's openjdk-21-jdk-headless where it has one (Ubuntu 22.04+, Debian 13), else
# openjdk-17-jdk-headless (Debian 12), which canton-mpc accepts with a warning.
#
#   bash .ci/install-jdk.sh                     install if needed, say which
#   bash .ci/install-jdk.sh --installed-major   print the newest Java major found (0: none)
#   bash .ci/install-jdk.sh --choose MAJOR      read `apt-cache policy openjdk-21-jdk-headless
#                                               openjdk-17-jdk-headless` on stdin; print the package to
#                                               install given the newest installed MAJOR, or `none`
#                                               (exit 1 when there is neither a usable JDK nor a package)
# JDK_SEARCH_DIRS (default /usr/lib/jvm) lists where JDKs live, besides JAVA_HOME and java on PATH;
# APT_LISTS_DIR (default /var/lib/apt/lists) is where apt keeps its package lists (tests set both).
set -euo pipefail

JDK21=openjdk-21-jdk-headless
JDK17=openjdk-17-jdk-headless

# The packages apt could install: a "Candidate:" other than "(none)". A package apt does not know at
# all (Debian 12 has no openjdk-21) is simply absent from the output.
apt_candidates() {
  awk '
    /^[^ \t].*:$/ { pkg = substr($0, 1, length($0) - 1); next }
    /^[ \t]+Candidate:/ { if ($2 != "(none)" && pkg != "") print pkg }
  '
}

# Pure decision: newest installed major ($1) and `apt-cache policy` on stdin -> package or "none".
choose_jdk_package() {
  local major="$1" candidates
  if [ "$major" -ge 21 ]; then echo none; return 0; fi
  candidates="$(apt_candidates)"
  if grep -qx "$JDK21" <<<"$candidates"; then echo "$JDK21"; return 0; fi
  # No 21 in this distribution: a 17 already there is what we can offer; else install one.
  if [ "$major" -ge 17 ]; then echo none; return 0; fi
  if grep -qx "$JDK17" <<<"$candidates"; then echo "$JDK17"; return 0; fi
  return 1
}

# The feature release of a JDK home, from its `release` file (no JVM start), else `java -version`.
jdk_major() {
  local home="$1" v=""
  if [ -f "$home/release" ]; then v="$(sed -n 's/^JAVA_VERSION="\([0-9][0-9]*\).*/\1/p' "$home/release" | head -1)"; fi
  if [ -z "$v" ] && [ -x "$home/bin/java" ]; then
    v="$("$home/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9][0-9]*\).*/\1/p' | head -1)"
  fi
  # Java 8 and older say "1.8": count them as 1, i.e. unusable.
  echo "${v:-0}"
}

installed_major() {
  local best=0 home m dir java
  local homes=()
  [ -n "${JAVA_HOME:-}" ] && homes+=("$JAVA_HOME")
  if java="$(command -v java 2>/dev/null)"; then homes+=("$(dirname "$(dirname "$(readlink -f "$java")")")"); fi
  for dir in ${JDK_SEARCH_DIRS:-/usr/lib/jvm}; do
    for home in "$dir"/*/; do [ -x "${home}bin/java" ] && homes+=("${home%/}"); done
  done
  for home in "${homes[@]}"; do
    [ -x "$home/bin/java" ] || continue
    m="$(jdk_major "$home")"
    [ "$m" -gt "$best" ] && best="$m"
  done
  echo "$best"
}

case "${1:-}" in
  --installed-major) installed_major; exit 0 ;;
  --choose) choose_jdk_package "${2:?--choose needs the installed major}"; exit $? ;;
  "") ;;
  *) echo "usage: $0 [--installed-major | --choose MAJOR]" >&2; exit 2 ;;
esac

major="$(installed_major)"
if [ "$major" -ge 21 ]; then exit 0; fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
command -v apt-get >/dev/null 2>&1 || {
  echo "setup: no JDK 21 found and no apt-get here: install a JDK 21 with your system's package manager (e.g. brew install openjdk@21)" >&2
  exit 1
}
# `apt-cache policy` needs package lists; fetch them only when there are none (fresh containers), so
# a machine that already decided (Debian 12 with its JDK 17) re-runs in milliseconds.
if ! compgen -G "${APT_LISTS_DIR:-/var/lib/apt/lists}/*_Packages*" >/dev/null; then $sudo apt-get update -qq; fi
if ! pkg="$(apt-cache policy "$JDK21" "$JDK17" 2>/dev/null | choose_jdk_package "$major")"; then
  echo "setup: no JDK found and the distribution offers neither $JDK21 nor $JDK17: install a JDK 21 and set JAVA_HOME" >&2
  exit 1
fi
if [ "$pkg" = none ]; then
  echo "setup: using the installed JDK $major; this distribution has no $JDK21 (canton-mpc accepts 17 with a warning; Canton 3.4 is tested on 21)" >&2
  exit 0
fi
echo "setup: installing $pkg (no usable JDK found)" >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null
if [ "$pkg" = "$JDK17" ]; then
  echo "setup: installed JDK 17 ($pkg): this distribution has no $JDK21; canton-mpc accepts 17 with a warning (Canton 3.4 is tested on 21)" >&2
else
  echo "setup: installed JDK 21 ($pkg)" >&2
fi
