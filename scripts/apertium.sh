#!/usr/bin/env bash
# Installs and runs Apertium APy, the offline translation server.
#
#   scripts/apertium.sh ensure        install APy and the French→Spanish→English
#                                     pairs from Debian when missing
#   scripts/apertium.sh serve PORT    ensure, then reuse the APy answering on
#                                     PORT or start one there in the background
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=debian.sh
. "$here/debian.sh"
# shellcheck source-path=SCRIPTDIR source=probe.sh
. "$here/probe.sh"

# Debian's pairs install their modes here; APy serves every mode it finds.
modes=/usr/share/apertium/modes

# missing_packages: prints the Debian packages whose part is absent.
missing_packages() {
	command -v apertium-apy >/dev/null 2>&1 || echo apertium-apy
	[[ -f $modes/fr-es.mode ]] || echo apertium-fr-es
	[[ -f $modes/spa-eng.mode ]] || echo apertium-eng-spa
}

ensure() {
	local -a missing
	mapfile -t missing < <(missing_packages)
	if ((${#missing[@]} == 0)); then
		return 0
	fi
	echo "Apertium: missing ${missing[*]}" >&2
	debian_install "${missing[@]}" || return 1
	mapfile -t missing < <(missing_packages)
	if ((${#missing[@]} > 0)); then
		echo "Apertium: still missing ${missing[*]} after installing; expected apertium-apy on PATH and $modes/fr-es.mode, $modes/spa-eng.mode" >&2
		return 1
	fi
}

serve() {
	local port=$1 logdir log pid
	if ! [[ $port =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
		echo "usage: $0 serve PORT (a TCP port number, got '$port')" >&2
		return 2
	fi
	ensure
	if apy_ready "$port"; then
		echo "Apertium APy already answers on http://127.0.0.1:$port; using it"
		return 0
	fi
	if port_open "$port"; then
		echo "port $port is taken by something that is not Apertium APy; choose another port" >&2
		return 1
	fi
	logdir=$(mktemp -d "${TMPDIR:-/tmp}/passerelle-apertium.XXXXXX")
	log=$logdir/apertium-apy.log
	# APy has no option to bind one address: it listens on every interface.
	nohup apertium-apy -p "$port" "$modes" </dev/null >"$log" 2>&1 &
	pid=$!
	if ! wait_ready 60 "$pid" apy_ready "$port"; then
		echo "apertium-apy (PID $pid) did not answer on port $port within 60s" >&2
		show_log "$log"
		kill "$pid" 2>/dev/null || true
		return 1
	fi
	echo "Apertium APy started on http://127.0.0.1:$port: PID $pid, log $log"
}

case ${1:-} in
ensure) ensure ;;
serve)
	if (($# != 2)); then
		echo "usage: $0 serve PORT" >&2
		exit 2
	fi
	serve "$2"
	;;
*)
	echo "usage: $0 ensure | serve PORT" >&2
	exit 2
	;;
esac
