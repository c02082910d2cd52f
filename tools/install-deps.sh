#!/bin/sh
# install-deps.sh -- install every Debian 12 package lumen needs to build, test and run.
# Safe to re-run: apt-get skips what is already installed. Needs root (or sudo).
set -eu

BUILD="build-essential autoconf automake libtool pkg-config clang llvm libclang-rt-14-dev"
LIBS="libnice-dev libssl-dev libsrtp2-dev libusrsctp-dev libglib2.0-dev libsoup-3.0-dev libjansson-dev \
libconfig-dev libopus-dev libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev \
libsystemd-dev libjwt-dev libcriterion-dev liburing-dev"
TEST="systemd curl jq openssl iproute2 python3 python3-websockets python3-gi gir1.2-gstreamer-1.0 \
gir1.2-gst-plugins-bad-1.0 gir1.2-gst-plugins-base-1.0 chromium firefox-esr libjs-janus-gateway libjs-webrtc-adapter \
gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad \
gstreamer1.0-nice valgrind gstreamer1.0-plugins-base-apps python3-numpy"

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

missing=""
for p in $BUILD $LIBS $TEST; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# Node.js may come from Debian (nodejs + npm) or from another repository whose nodejs bundles npm
# and conflicts with Debian's npm: only ask for them when the commands are missing.
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
if [ -n "$missing" ]; then
	echo "install-deps: installing:$missing"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
echo "install-deps: all packages present"
