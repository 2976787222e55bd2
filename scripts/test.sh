#!/usr/bin/env bash
# `make test`: vet, then race-test every package against a real Redis and a
# real Apertium APy server. Both are started on free loopback ports (and
# installed from Debian's packages when missing and possible), and stopped
# when the run ends, whatever its outcome.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

statedir=$(mktemp -d "${TMPDIR:-/tmp}/passerelle-test.XXXXXX")
state=$statedir/services.env
cleanup() {
	scripts/services.sh stop "$state" || true
	# One closing line for whoever reads the end of the output.
	if [[ -f $statedir/test.log ]]; then
		echo "packages: $(grep -c '^ok' "$statedir/test.log") passed, $(grep -c '^FAIL' "$statedir/test.log") failed"
	fi
	rm -rf "$statedir"
}
trap cleanup EXIT

scripts/services.sh start "$state"
# shellcheck disable=SC1090
. "$state"

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [[ -n $unformatted ]]; then
	echo "gofmt would change:"
	echo "$unformatted"
	exit 1
fi
echo "== go vet"
go vet ./...
echo "== go test -race"
go test -race -count=1 "$@" ./... 2>&1 | tee "$statedir/test.log"
echo "== fuzz (5s per target)"
make fuzz-short
