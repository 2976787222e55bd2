#!/usr/bin/env bash
# Finds the headless browser the web page's tests drive (Debian's chromium),
# installing it when missing and possible, as the services' scripts install
# redis-server. Prints the browser's path; the tests find it in
# PASSERELLE_TEST_CHROMIUM.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=debian.sh
. "$here/debian.sh"

find_browser() {
	local name
	for name in chromium chromium-browser google-chrome; do
		if command -v "$name" >/dev/null 2>&1; then
			command -v "$name"
			return 0
		fi
	done
	return 1
}

if ! find_browser; then
	debian_install chromium || {
		echo "browser: chromium is missing" >&2
		exit 1
	}
	find_browser || {
		echo "browser: chromium was installed but is not on PATH" >&2
		exit 1
	}
fi
