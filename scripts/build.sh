#!/bin/sh
# Configure (once) and build rackless into DIR (default: build/).
# Extra arguments go to `meson setup`, e.g. -Db_sanitize=address,undefined.
set -eu
cd "$(dirname "$0")/.."
dir=${1:-build}
[ $# -gt 0 ] && shift
if [ ! -f "$dir/build.ninja" ]; then
	log=$(mktemp)
	if ! meson setup "$dir" --buildtype=debugoptimized --werror "$@" >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		exit 1
	fi
	rm -f "$log"
fi
ninja -C "$dir" --quiet
echo "build: $dir ready"
