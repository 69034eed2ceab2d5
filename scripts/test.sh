#!/bin/sh
# The whole test suite: install, build, run the unit tests and (as root) the
# namespace integration tests; then build again with AddressSanitizer and
# UndefinedBehaviorSanitizer and run both suites under them. The switch runs
# detached with its stderr in the lab's log, so sanitizer reports go to
# files, and any report fails the run.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
sh scripts/build.sh build
meson test -C build --suite unit --suite netns --print-errorlogs

sh scripts/build.sh build-asan -Db_sanitize=address,undefined -Db_lundef=false
reports=$(pwd)/build-asan/sanitizer-reports
rm -rf "$reports"
mkdir -p "$reports"
ASAN_OPTIONS=detect_leaks=1:log_path=$reports/asan \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan \
	meson test -C build-asan --suite unit --suite netns --print-errorlogs
if [ -n "$(ls -A "$reports")" ]; then
	echo "test: sanitizer reports:" >&2
	cat "$reports"/* >&2
	exit 1
fi
echo "test: all suites passed, also under ASan and UBSan"
