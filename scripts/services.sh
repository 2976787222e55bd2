#!/usr/bin/env bash
# Starts and stops the real services the tests talk to: a Redis server and an
# Apertium APy server, each on a free loopback port.
#
#   scripts/services.sh start STATEFILE   start both, write to STATEFILE the
#                                         environment the tests read
#   scripts/services.sh stop STATEFILE    stop exactly what start started
#
# STATEFILE holds shell lines:
#   export PASSERELLE_TEST_REDIS_URL=redis://127.0.0.1:PORT/0
#   export PASSERELLE_TEST_APERTIUM_URL=http://127.0.0.1:PORT
#   PASSERELLE_SERVICES_PIDS="redis-server:PID apertium-apy:PID"
#   PASSERELLE_SERVICES_LOGS=DIR
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=debian.sh
. "$here/debian.sh"
# shellcheck source-path=SCRIPTDIR source=probe.sh
. "$here/probe.sh"

modes=/usr/share/apertium/modes

# Filled while starting, so that a failure stops what already runs.
started=()
logdir=

# stop_pids NAME:PID...: stops each process if it still runs under that name.
# The name guards against a PID reused by another program since start.
stop_pids() {
	local entry name pid comm i
	for entry in "$@"; do
		name=${entry%%:*}
		pid=${entry##*:}
		[[ $pid =~ ^[0-9]+$ ]] || continue
		comm=$(cat "/proc/$pid/comm" 2>/dev/null || ps -o comm= -p "$pid" 2>/dev/null || true)
		if [[ $comm != "${name:0:15}" ]]; then
			echo "$name (PID $pid) is not running" >&2
			continue
		fi
		kill "$pid" 2>/dev/null || continue
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			kill -KILL "$pid" 2>/dev/null || true
		fi
		echo "stopped $name (PID $pid)" >&2
	done
}

fail() {
	echo "services: $*" >&2
	if [[ -n $logdir ]]; then
		for log in "$logdir"/*.log; do
			[[ -f $log ]] && show_log "$log"
		done
		echo "logs kept in $logdir" >&2
	fi
	stop_pids "${started[@]}"
	exit 1
}

start_redis() {
	local port pid log=$logdir/redis-server.log
	if ! command -v redis-server >/dev/null 2>&1; then
		debian_install redis-server || fail "redis-server is missing"
	fi
	port=$(free_port) || fail "no free port for redis-server"
	# No persistence: the tests' data is thrown away with the server.
	redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
		--daemonize no --loglevel warning </dev/null >"$log" 2>&1 &
	pid=$!
	started+=("redis-server:$pid")
	wait_ready 10 "$pid" redis_ready "$port" || fail "redis-server (PID $pid) did not answer PING on port $port"
	redis_port=$port
}

start_apertium() {
	local port pid log=$logdir/apertium-apy.log
	"$here/apertium.sh" ensure || fail "Apertium is missing"
	port=$(free_port) || fail "no free port for apertium-apy"
	apertium-apy -p "$port" "$modes" </dev/null >"$log" 2>&1 &
	pid=$!
	started+=("apertium-apy:$pid")
	wait_ready 60 "$pid" apy_ready "$port" || fail "apertium-apy (PID $pid) did not answer /listPairs on port $port"
	apertium_port=$port
}

start() {
	local state=$1 redis_port apertium_port
	if [[ -f $state ]]; then
		echo "services: $state exists; run '$0 stop $state' first" >&2
		exit 1
	fi
	logdir=$(mktemp -d "${TMPDIR:-/tmp}/passerelle-services.XXXXXX")
	start_redis
	start_apertium
	cat >"$state" <<STATE
# Written by scripts/services.sh start; removed by scripts/services.sh stop.
export PASSERELLE_TEST_REDIS_URL=redis://127.0.0.1:$redis_port/0
export PASSERELLE_TEST_APERTIUM_URL=http://127.0.0.1:$apertium_port
PASSERELLE_SERVICES_PIDS="${started[*]}"
PASSERELLE_SERVICES_LOGS=$logdir
STATE
	echo "redis-server on 127.0.0.1:$redis_port, apertium-apy on 127.0.0.1:$apertium_port (logs in $logdir)" >&2
}

stop() {
	local state=$1 pids logs
	if [[ ! -f $state ]]; then
		echo "services: no $state; nothing to stop" >&2
		return 0
	fi
	# Read the two values rather than sourcing the file, so that stop runs
	# no code from it.
	pids=$(sed -n 's/^PASSERELLE_SERVICES_PIDS="\(.*\)"$/\1/p' "$state")
	logs=$(sed -n 's/^PASSERELLE_SERVICES_LOGS=//p' "$state")
	local -a entries
	read -r -a entries <<<"$pids"
	stop_pids "${entries[@]}"
	if [[ $logs == "${TMPDIR:-/tmp}"/passerelle-services.* && -d $logs ]]; then
		rm -rf -- "$logs"
	fi
	rm -f -- "$state"
}

if (($# != 2)) || [[ $1 != start && $1 != stop ]]; then
	echo "usage: $0 start|stop STATEFILE" >&2
	exit 2
fi
"$1" "$2"
