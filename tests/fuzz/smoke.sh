#!/bin/bash
# The fuzz layer of `make test` (TAP, run by prove): every fuzz target for
# FUZZ_SMOKE_SECONDS (default 5) from its seed corpus, regression inputs included.
exec "$(dirname "$0")/run.sh" "${FUZZ_SMOKE_SECONDS:-5}" cpuid decode escape sysroot
