#!/bin/sh
#
# netns_test.sh - a client on a second host (issue 6 item 8): two network
# namespaces joined by a veth pair; a node listens on tls+tcp in one, the
# CLI commits and reads from the other, with mutual TLS and a token, and
# a client without the node's CA fails with PP_ETLS.
#
# Needs root and `ip netns`; otherwise it skips with a clear message.
# Run by test/run.sh with $PIPEPROC_CLI, $PIPEPROC_NODE and
# $PIPEPROC_GEN_CERTS set. Output is TAP; waits poll with a deadline.

if [ -z "${PIPEPROC_CLI:-}" ] || [ -z "${PIPEPROC_NODE:-}" ] ||
    [ -z "${PIPEPROC_GEN_CERTS:-}" ]; then
	echo "netns_test.sh: set PIPEPROC_CLI, PIPEPROC_NODE and" \
	    "PIPEPROC_GEN_CERTS" >&2
	exit 2
fi
unset PIPEPROC_ADDRESS PIPEPROC_TOKEN PIPEPROC_TOKEN_FILE

skip() {
	echo "1..0 # SKIP $1"
	exit 0
}
[ "$(id -u)" = 0 ] || skip "network namespaces need root"
command -v ip >/dev/null 2>&1 || skip "no ip(8) (iproute2)"

tag=pp$$
nsa=${tag}a
nsb=${tag}b
net=10.$((($$ >> 8) % 200 + 20)).$(($$ % 250)).
dir=$(mktemp -d "/tmp/ppnetns.XXXXXX") || exit 2
node_pid=""
count=0
failed=0

finish() {
	if [ -n "$node_pid" ]; then
		kill -TERM "$node_pid" 2>/dev/null
		wait "$node_pid" 2>/dev/null
	fi
	ip netns del "$nsa" 2>/dev/null
	ip netns del "$nsb" 2>/dev/null
	rm -rf "$dir"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ! ip netns add "$nsa" 2>/dev/null; then
	skip "ip netns add failed (no CAP_SYS_ADMIN, or in a container)"
fi
ip netns add "$nsb" &&
ip link add "${tag}x" type veth peer name "${tag}y" &&
ip link set "${tag}x" netns "$nsa" &&
ip link set "${tag}y" netns "$nsb" &&
ip -n "$nsa" addr add "${net}1/24" dev "${tag}x" &&
ip -n "$nsb" addr add "${net}2/24" dev "${tag}y" &&
ip -n "$nsa" link set "${tag}x" up &&
ip -n "$nsb" link set "${tag}y" up &&
ip -n "$nsa" link set lo up &&
ip -n "$nsb" link set lo up || skip "cannot set up the veth pair"

ok() {
	count=$((count + 1))
	echo "ok $count - $1"
}
not_ok() {
	count=$((count + 1))
	failed=$((failed + 1))
	echo "not ok $count - $1"
	shift
	for line in "$@"; do
		echo "# $line"
	done
}

"$PIPEPROC_GEN_CERTS" "$dir/pki" --host "${net}1" >/dev/null || exit 1
"$PIPEPROC_GEN_CERTS" "$dir/other" --host "${net}1" >/dev/null || exit 1
addr="tls+tcp://${net}1:7000"
ip netns exec "$nsa" "$PIPEPROC_NODE" --data "$dir/data" --print-ready \
    --workers 0 --listen "$addr" --tls-ca "$dir/pki/ca.pem" \
    --tls-cert "$dir/pki/node.pem" --tls-key "$dir/pki/node.key" \
    --token-file "$dir/pki/token" >"$dir/node.out" 2>"$dir/node.err" &
node_pid=$!
i=0
while ! grep -q '^ready ' "$dir/node.out" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 1000 ] || ! kill -0 "$node_pid" 2>/dev/null; then
		cat "$dir/node.err" >&2
		echo "Bail out! the node in $nsa did not start"
		exit 1
	fi
	sleep 0.01
done

cli() {
	cli_ca=$1
	shift
	ip netns exec "$nsb" env PIPEPROC_TLS_CA="$cli_ca" \
	    PIPEPROC_TLS_CERT="$dir/pki/client.pem" \
	    PIPEPROC_TLS_KEY="$dir/pki/client.key" \
	    PIPEPROC_TOKEN_FILE="$dir/pki/token" "$PIPEPROC_CLI" -a "$addr" \
	    "$@" 2>"$dir/cli.err"
}
ca="$dir/pki/ca.pem"

out=$(cli "$ca" commit remote hello world)
if [ $? -eq 0 ] && [ "$(echo "$out" | wc -l)" -eq 2 ]; then
	ok "a client in another namespace commits over tls+tcp"
else
	not_ok "a client in another namespace commits over tls+tcp" \
	    "$out" "$(cat "$dir/cli.err")"
fi
out=$(cli "$ca" range remote | cut -f2 | tr '\n' ' ')
if [ "$out" = "hello world " ]; then
	ok "and reads its logs back"
else
	not_ok "and reads its logs back" "got '$out'" "$(cat "$dir/cli.err")"
fi
cli "$dir/other/ca.pem" length remote >/dev/null
if [ $? -ne 0 ] && grep -q 'PP_ETLS.*not signed by CA' "$dir/cli.err"; then
	ok "a client that does not trust the node's CA gets PP_ETLS"
else
	not_ok "a client that does not trust the node's CA gets PP_ETLS" \
	    "$(cat "$dir/cli.err")"
fi
ip netns exec "$nsb" env PIPEPROC_TLS_CA="$ca" \
    PIPEPROC_TLS_CERT="$dir/pki/client.pem" \
    PIPEPROC_TLS_KEY="$dir/pki/client.key" \
    "$PIPEPROC_CLI" -a "$addr" length remote 2>"$dir/cli.err" >/dev/null
if [ $? -ne 0 ] && grep -q 'PP_EAUTH' "$dir/cli.err"; then
	ok "a client without the token gets PP_EAUTH"
else
	not_ok "a client without the token gets PP_EAUTH" "$(cat "$dir/cli.err")"
fi
echo "1..$count"
[ "$failed" -eq 0 ]
