#!/usr/bin/env bash
# Fuzzes every fuzz target of the module in turn (go test -fuzz takes one
# target per run) for FUZZTIME each, and fails when one finds an input that
# fails; `make fuzz` and `make fuzz-short` (the last step of `make test`) run
# it. New failing inputs are written to the package's testdata/fuzz/<Fuzz...>/.
#
#   scripts/fuzz.sh FUZZTIME [FUZZMINIMIZETIME [./pkg:FuzzName...]]
#
# The targets are found in the test files, so that a new one is never left
# out; name some to run only those. Each package's test binary is built once,
# instrumented for fuzzing, and runs each of its targets, rather than
# `go test -fuzz` building and linking it again for every target. Every
# target runs even when one fails, so that one finding hides no other.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

fuzztime=${1:?usage: $0 FUZZTIME [FUZZMINIMIZETIME [./pkg:FuzzName...]]}
minimize=${2:-5s}
shift $(($# < 2 ? $# : 2))

go=${GO:-go}
if (($# > 0)); then
	targets=("$@")
else
	mapfile -t targets < <(grep -rE --include='*_test.go' --exclude-dir=third_party --exclude-dir=.git \
		'^func Fuzz[A-Za-z0-9_]*\(' . |
		sed -E 's#^\./(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*)\(.*#./\1:\2#' | sort)
fi
if ((${#targets[@]} == 0)); then
	echo "fuzz: no fuzz targets found" >&2
	exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/passerelle-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
cachedir=$($go env GOCACHE)/fuzz
failed=""
declare -A importpath=() # package folder → import path, once its binary is built

for t in "${targets[@]}"; do
	pkg=${t%%:*}
	name=${t#*:}
	bin=$work/$(printf '%s' "$pkg" | tr -c 'A-Za-z0-9\n' '_').test
	if [[ -z ${importpath[$pkg]:-} ]]; then
		# -fuzz at build time instruments the binary for coverage guidance.
		if ! $go test -c -fuzz=. -o "$bin" "$pkg"; then
			failed="$failed $name"
			continue
		fi
		importpath[$pkg]=$($go list "$pkg")
	fi
	echo "== $name ($pkg, $fuzztime)"
	out=$work/out
	# Run from the package's folder, as go test does: the seed corpus and new
	# failing inputs are in its testdata/fuzz.
	rc=0
	(cd "$pkg" && "$bin" -test.run='^$' -test.fuzz="^$name\$" -test.fuzztime="$fuzztime" \
		-test.fuzzminimizetime="$minimize" -test.fuzzcachedir="$cachedir/${importpath[$pkg]}" \
		-test.paniconexit0) 2>&1 | tee "$out" || rc=$?
	if ((rc != 0)); then
		# A run that fails with a bare "context deadline exceeded" and writes
		# no failing input is not a finding: Go 1.26's fuzzing coordinator can
		# report its own -fuzztime deadline that way on a loaded machine
		# (golang/go#75804, fixed in Go 1.27).
		if grep -qx '    context deadline exceeded' "$out" && ! grep -q 'Failing input written' "$out"; then
			echo "$name: the fuzzing engine's deadline race, not a finding"
		else
			failed="$failed $name"
		fi
	fi
done

if [[ -n $failed ]]; then
	echo "fuzz targets that failed:$failed"
	exit 1
fi
