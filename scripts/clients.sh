#!/usr/bin/env bash
# Installs the JavaScript clients the end-to-end tests run against the
# gateway (deepl-node, libretranslate, translate) and the OpenAPI linter, at
# the versions locked in cmd/passerelle/testdata/clients/package-lock.json.
# Node and npm are installed from Debian's packages when missing and
# possible. Prints the folder of the clients; the tests find it in
# PASSERELLE_TEST_CLIENTS.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=debian.sh
. "$here/debian.sh"

dir=$(cd "$here/../cmd/passerelle/testdata/clients" && pwd)

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	debian_install nodejs npm || {
		echo "clients: node and npm are missing" >&2
		exit 1
	}
fi

# npm ci only when what is installed is not what is locked: a stamp, the
# lock file as it was installed, is kept beside the packages.
stamp=$dir/node_modules/.installed-lock.json
if ! cmp -s "$dir/package-lock.json" "$stamp" 2>/dev/null; then
	echo "installing the JavaScript clients (npm ci)" >&2
	(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2) || {
		echo "clients: npm ci failed in $dir" >&2
		exit 1
	}
	cp "$dir/package-lock.json" "$stamp"
fi
echo "$dir"
