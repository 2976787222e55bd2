#!/usr/bin/env bash
# `make test`: vet, then race-test every package against a real Redis and a
# real Apertium APy server (and the web page in a real headless chromium),
# then fuzz every fuzz target briefly. Both services
# are started on free loopback ports (and installed from Debian's packages
# when missing and possible), once for all the packages, which find them
# through the PASSERELLE_TEST_* variables, and stopped when the run ends,
# whatever its outcome. Under CI=true a test that needs a service it cannot
# reach fails instead of being skipped.
#
# Where the time goes, and what is done about it:
#   - the services start in the background while the code is checked and the
#     gateway binary is built (Apertium takes seconds to load its pairs);
#   - the binary the end-to-end tests run is built once, here, rather than
#     inside the longest test package (PASSERELLE_TEST_BINARY);
#   - `go vet ./...` runs every analyzer, so `go test` skips its own subset;
#   - the fuzz pass builds each package's test binary once for all its
#     targets (scripts/fuzz.sh).
# Each step prints how long it took.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

statedir=$(mktemp -d "${TMPDIR:-/tmp}/passerelle-test.XXXXXX")
state=$statedir/services.env
services=
clients=
browser=
step=
# begin NAME: prints how long the previous step took, then NAME.
begin() {
	if [[ -n $step ]]; then
		echo "   ($step: $((SECONDS - step_start))s)"
	fi
	step=$1
	step_start=$SECONDS
	[[ -z $step ]] || echo "== $step"
}
cleanup() {
	begin ""
	# A start still under way ends (started or failed) before the stop.
	if [[ -n $services ]]; then
		wait "$services" 2>/dev/null || true
	fi
	if [[ -n $clients ]]; then
		wait "$clients" 2>/dev/null || true
	fi
	if [[ -n $browser ]]; then
		wait "$browser" 2>/dev/null || true
	fi
	scripts/services.sh stop "$state" || true
	# One closing line for whoever reads the end of the output.
	if [[ -f $statedir/test.log ]]; then
		echo "packages: $(grep -c '^ok' "$statedir/test.log") passed, $(grep -c '^FAIL' "$statedir/test.log") failed"
	fi
	rm -rf "$statedir"
}
trap cleanup EXIT

scripts/services.sh start "$state" &
services=$!
scripts/clients.sh >"$statedir/clients" &
clients=$!
scripts/browser.sh >"$statedir/browser" &
browser=$!

begin gofmt
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [[ -n $unformatted ]]; then
	echo "gofmt would change:"
	echo "$unformatted"
	exit 1
fi
begin "go vet"
go vet ./...
begin "go build ./cmd/passerelle (for the tests that run the binary)"
go build -o "$statedir/passerelle" ./cmd/passerelle
export PASSERELLE_TEST_BINARY=$statedir/passerelle

begin "services (started in the background)"
if ! wait "$services"; then
	services=
	echo "make test: the services did not start (see above)" >&2
	exit 1
fi
services=
# shellcheck disable=SC1090
. "$state"
begin "JavaScript clients (installed in the background)"
if ! wait "$clients"; then
	echo "make test: the JavaScript clients could not be installed (see above)" >&2
	exit 1
fi
PASSERELLE_TEST_CLIENTS=$(cat "$statedir/clients")
export PASSERELLE_TEST_CLIENTS
begin "chromium, for the web page's tests (installed in the background)"
if ! wait "$browser"; then
	browser=
	echo "make test: chromium could not be installed (see above)" >&2
	exit 1
fi
browser=
PASSERELLE_TEST_CHROMIUM=$(cat "$statedir/browser")
export PASSERELLE_TEST_CHROMIUM

begin "go test -race"
go test -race -count=1 -vet=off "$@" ./... 2>&1 |
	tee "$statedir/test.log"
begin "fuzz (5s per target)"
make fuzz-short
