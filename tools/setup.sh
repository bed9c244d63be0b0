#!/usr/bin/env bash
# Install the Debian packages tnsgw needs to build, run and test — only
# those missing (apt-get update first when something is). Needs root or sudo.
set -euo pipefail

PKGS=(gcc make pkg-config libc6-dev
      libevent-dev libsmpp34-dev libhiredis-dev libconfig-dev libsodium-dev
      libcmocka-dev redis-server redis-sentinel redis-tools iproute2 procps libnet-smpp-perl
      groff-base systemd prometheus python3 curl valgrind
      clang libclang-rt-14-dev)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# clang's fuzzing runtime is not needed to build or test: try it apart.
core=() ; extra=()
for p in "${missing[@]}"; do
	case "$p" in clang|libclang-rt-14-dev) extra+=("$p");; *) core+=("$p");; esac
done
[ ${#core[@]} -eq 0 ] || $SUDO apt-get install -y -qq --no-install-recommends "${core[@]}" >/dev/null
# prometheus is here for its promtool (tests/integration/test_metrics.sh
# checks /metrics with it); the package's own server is not wanted.
case " ${core[*]} " in *" prometheus "*)
	$SUDO systemctl disable --now prometheus >/dev/null 2>&1 || true;; esac
# redis-sentinel is here for its binary (tests/integration/test_scaleout.sh
# runs private sentinels); the package's own sentinel on 26379 is not wanted.
case " ${core[*]} " in *" redis-sentinel "*)
	$SUDO systemctl disable --now redis-sentinel >/dev/null 2>&1 || true;; esac
[ ${#extra[@]} -eq 0 ] || $SUDO apt-get install -y -qq --no-install-recommends "${extra[@]}" >/dev/null ||
	echo "setup: ${extra[*]} not installed: fuzz targets will be skipped" >&2
