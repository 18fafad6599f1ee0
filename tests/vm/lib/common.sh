# shellcheck shell=bash
# Shared helpers for tests/vm. Sourced by run.sh; everything here writes diagnostics to
# stderr so that stdout carries TAP only.

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_DIR=$(cd "$VM_DIR/../.." && pwd)
CACHE_DIR=${IMSWATCH_VM_CACHE:-$HOME/.cache/imswatch-vm}
OUT_DIR=${IMSWATCH_VM_OUT:-$REPO_DIR/.output/vm}

log() { printf 'vm: %s\n' "$*" >&2; }
die() {
	printf 'vm: error: %s\n' "$*" >&2
	exit 2
}

# age_seconds FILE: seconds since FILE was modified (large if it is missing)
age_seconds() {
	local m
	m=$(stat -c %Y "$1" 2>/dev/null) || {
		echo 999999999
		return
	}
	echo $(($(date +%s) - m))
}

now_ms() { date +%s%3N; }

# secs_since MS: "12.3" seconds since a now_ms stamp
secs_since() {
	local d=$(($(now_ms) - $1))
	printf '%d.%d' $((d / 1000)) $(((d % 1000) / 100))
}
