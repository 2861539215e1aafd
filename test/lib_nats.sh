#!/bin/sh
#
# lib_nats.sh - real NATS servers for the jetstream tests: one JetStream
# server for the fast tests, a three-server JetStream cluster for the
# fault tests. Sourced after lib.sh (it needs $tmp, $pids, wait_for).
#
#   nats_start_one               one server "s1"; sets $nats_url
#   nats_start_server NAME [EXTRA]  another one, with EXTRA config
#   nats_start_cluster           servers c1 c2 c3 (cluster "ppc"); sets
#                                $nats_urls (comma-separated)
#   nats_kill NAME               kill -9 one server (by its PID)
#   nats_stop NAME               SIGTERM, wait for it to exit
#   nats_restart NAME            start NAME again, same ports and store
#   na ARGS...                   nats-admin against $nats_urls
#
# Servers listen on free 127.0.0.1 ports only, keep their JetStream store
# in $tmp/nats/NAME, are added to $pids (so lib.sh's cleanup stops them)
# and are stopped by PID, never by name. Needs nats-server on PATH (or
# $NATS_SERVER) and $PIPEPROC_NATS_ADMIN; nats_need skips the whole
# script (TAP "1..0 # SKIP") when either is missing.

# shellcheck disable=SC2034,SC2154

NATS_SERVER=${NATS_SERVER:-$(command -v nats-server 2>/dev/null ||
	echo /usr/sbin/nats-server)}

# nats_need: skip the script unless a server and the helper exist.
nats_need() {
	if [ ! -x "$NATS_SERVER" ] || [ ! -x "${PIPEPROC_NATS_ADMIN:-}" ]; then
		echo "1..0 # SKIP nats-server or nats-admin missing (make deps)"
		exit 0
	fi
}

# free_port: a TCP port of 127.0.0.1 free right now.
free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# na ARGS...: nats-admin against every server of $nats_urls.
na() {
	"$PIPEPROC_NATS_ADMIN" -s "$nats_urls" "$@"
}

# nats_launch NAME: start server NAME from $tmp/nats/NAME.conf; its pid
# in nats_pid_NAME.
nats_launch() {
	"$NATS_SERVER" -c "$tmp/nats/$1.conf" \
		>>"$tmp/nats/$1.log" 2>&1 </dev/null &
	eval "nats_pid_$1=$!"
	pids="$pids $!"
}

# nats_up URL: JetStream answers at URL.
nats_up() {
	"$PIPEPROC_NATS_ADMIN" -s "$1" ping
}

# nats_start_server NAME [EXTRA]: one JetStream server NAME on a free
# port (nats_port_NAME); EXTRA is appended to its config (authorization,
# tls). Does not wait: see nats_wait_one.
nats_start_server() {
	mkdir -p "$tmp/nats"
	eval "nats_port_$1=$(free_port)"
	eval "port=\$nats_port_$1"
	cat >"$tmp/nats/$1.conf" <<CONF
server_name: $1
listen: 127.0.0.1:$port
jetstream { store_dir: "$tmp/nats/$1" }
${2:-}
CONF
	nats_launch "$1"
}

# nats_start_one: the plain server s1, up; sets $nats_url and $nats_urls.
nats_start_one() {
	nats_start_server s1
	nats_url=nats://127.0.0.1:$nats_port_s1
	nats_urls=$nats_url
	nats_wait_one
}

# nats_wait_one: the plain server s1 answers (not for auth/TLS ones).
nats_wait_one() {
	if ! wait_for nats_up "$nats_url"; then
		fail "nats-server s1 starts" "$(tail -n 20 "$tmp/nats/s1.log")"
		echo "Bail out! nats-server did not start"
		exit 1
	fi
}

# nats_start_cluster: three servers routed to each other, JetStream on
# all; waits until the cluster has elected its meta leader.
nats_start_cluster() {
	mkdir -p "$tmp/nats"
	routes=""
	for c in c1 c2 c3; do
		eval "nats_port_$c=$(free_port)"
		eval "nats_route_$c=$(free_port)"
		eval "routes=\"\$routes nats://127.0.0.1:\$nats_route_$c\""
	done
	nats_urls=""
	for c in c1 c2 c3; do
		eval "port=\$nats_port_$c route=\$nats_route_$c"
		cat >"$tmp/nats/$c.conf" <<CONF
server_name: $c
listen: 127.0.0.1:$port
jetstream { store_dir: "$tmp/nats/$c" }
cluster {
  name: ppc
  listen: 127.0.0.1:$route
  routes: [$(echo $routes | sed 's/ /, /g')]
}
CONF
		nats_launch "$c"
		nats_urls="${nats_urls:+$nats_urls,}nats://127.0.0.1:$port"
	done
	if ! wait_for nats_up "$nats_urls"; then
		fail "a three-server JetStream cluster starts" \
			"$(tail -n 20 "$tmp/nats/c1.log")"
		echo "Bail out! the NATS cluster did not start"
		exit 1
	fi
}

# nats_kill NAME: kill -9 server NAME.
nats_kill() {
	eval "kill -KILL \$nats_pid_$1"
	eval "wait_exit \$nats_pid_$1"
}

# nats_stop NAME: stop server NAME gracefully and wait for it.
nats_stop() {
	eval "kill -TERM \$nats_pid_$1"
	eval "wait_exit \$nats_pid_$1"
}

# nats_restart NAME: start NAME again with its config and store.
nats_restart() {
	nats_launch "$1"
}

# nats_test_env [VAR...]: what every JetStream test needs before it
# starts: the pipeproc programs (and VARs), a nats-server, no inherited
# node address, and js = the jetstream plugin's absolute path (workers
# run in other directories).
nats_test_env() {
	need_env PIPEPROC_CLI PIPEPROC_NODE PIPEPROC_PLUGINS "$@"
	nats_need
	export PIPEPROC_NODE
	unset PIPEPROC_ADDRESS
	plugins=$PIPEPROC_PLUGINS
	case "$plugins" in
	/*) ;;
	*) plugins=$PWD/$plugins ;;
	esac
	js=$plugins/jetstream.so
}
