#!/bin/sh
# The whole test suite: install, build, run the unit tests and (as root) the
# namespace integration tests; then build again with AddressSanitizer and
# UndefinedBehaviorSanitizer and run the unit tests under them.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
sh scripts/build.sh build
meson test -C build --suite unit --suite netns --print-errorlogs --num-processes 1
sh scripts/build.sh build-asan -Db_sanitize=address,undefined -Db_lundef=false
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	meson test -C build-asan --suite unit --print-errorlogs
echo "test: all suites passed"
