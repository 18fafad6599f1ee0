# shellcheck shell=bash
# Sourced by the host tests (prove runs tests/host/*.sh only, so this file is not a test):
# the repository root as the working directory, the binary under test (IMSWATCH, e.g. the
# sanitize build `make hosttest` passes), a scratch directory removed on exit, TAP helpers.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 2
BIN=${IMSWATCH:-./imswatch}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; [ -n "${2:-}" ] && sed 's/^/# /' "$2" | head -20; }
