# shellcheck shell=bash
# Finding ports and waiting for local services, in plain bash (/dev/tcp), so
# that neither ss, curl nor python is needed. Source it; it defines functions
# only.
# The programs run by `bash -c '...'` take their values as arguments, so the
# single quotes are meant.
# shellcheck disable=SC2016

# port_open PORT: whether something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
	timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

# free_port: prints a loopback TCP port nobody listens on. Another program
# may take it before the caller binds it; callers check that what answers
# is the process they started.
free_port() {
	local port i
	for ((i = 0; i < 200; i++)); do
		port=$((20000 + RANDOM % 30000))
		if ! port_open "$port"; then
			echo "$port"
			return 0
		fi
	done
	echo "no free port found between 20000 and 50000" >&2
	return 1
}

# http_get PORT PATH: prints the raw HTTP/1.0 answer of 127.0.0.1:PORT to
# GET PATH (status line, headers, body); fails when nothing answers within
# 5 seconds.
http_get() {
	timeout 5 bash -c '
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" "$2" >&3
		cat <&3' _ "$1" "$2" 2>/dev/null
}

# apy_ready PORT: whether an Apertium APy server answers /listPairs on PORT.
apy_ready() {
	local answer
	answer=$(http_get "$1" /listPairs) || return 1
	[[ $answer == "HTTP/1."?" 200"* && $answer == *'"responseData"'* ]]
}

# redis_ready PORT: whether a Redis server answers PING on PORT.
redis_ready() {
	timeout 2 bash -c '
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf "PING\r\n" >&3
		IFS= read -r line <&3
		[[ $line == "+PONG"* ]]' _ "$1" 2>/dev/null
}

# wait_ready SECONDS PID CHECK ARG...: waits until CHECK ARG... succeeds,
# failing early when process PID has exited.
wait_ready() {
	local seconds=$1 pid=$2 i
	shift 2
	for ((i = 0; i < seconds * 5; i++)); do
		if "$@"; then
			return 0
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			return 1
		fi
		sleep 0.2
	done
	return 1
}

# show_log FILE: prints the end of a service's log, for a failure message.
show_log() {
	echo "--- last lines of $1:" >&2
	tail -n 30 "$1" >&2 || true
	echo "---" >&2
}
