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

# shellcheck source=test/lib.sh
. "$(dirname "$0")/lib.sh"

need_env PIPEPROC_CLI PIPEPROC_NODE PIPEPROC_GEN_CERTS
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
make_tmp ppnetns

# del_namespaces: remove both namespaces, and with them the veth pair.
del_namespaces() {
	ip netns del "$nsa" 2>/dev/null
	ip netns del "$nsb" 2>/dev/null
}
at_exit del_namespaces

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

"$PIPEPROC_GEN_CERTS" "$tmp/pki" --host "${net}1" >/dev/null || exit 1
"$PIPEPROC_GEN_CERTS" "$tmp/other" --host "${net}1" >/dev/null || exit 1
addr="tls+tcp://${net}1:7000"
start_bg node ip netns exec "$nsa" "$PIPEPROC_NODE" --data "$tmp/data" \
    --print-ready --workers 0 --listen "$addr" --tls-ca "$tmp/pki/ca.pem" \
    --tls-cert "$tmp/pki/node.pem" --tls-key "$tmp/pki/node.key" \
    --token-file "$tmp/pki/token"
if ! wait_ready node "ready $addr"; then
	cat "$tmp/node.err" >&2
	echo "Bail out! the node in $nsa did not start"
	exit 1
fi

cli() {
	cli_ca=$1
	shift
	ip netns exec "$nsb" env PIPEPROC_TLS_CA="$cli_ca" \
	    PIPEPROC_TLS_CERT="$tmp/pki/client.pem" \
	    PIPEPROC_TLS_KEY="$tmp/pki/client.key" \
	    PIPEPROC_TOKEN_FILE="$tmp/pki/token" "$PIPEPROC_CLI" -a "$addr" \
	    "$@" 2>"$tmp/cli.err"
}
ca="$tmp/pki/ca.pem"

out=$(cli "$ca" commit remote hello world)
if [ $? -eq 0 ] && [ "$(echo "$out" | wc -l)" -eq 2 ]; then
	pass "a client in another namespace commits over tls+tcp"
else
	fail "a client in another namespace commits over tls+tcp" \
	    "$out" "$(cat "$tmp/cli.err")"
fi
out=$(cli "$ca" range remote | cut -f2 | tr '\n' ' ')
if [ "$out" = "hello world " ]; then
	pass "and reads its logs back"
else
	fail "and reads its logs back" "got '$out'" "$(cat "$tmp/cli.err")"
fi
cli "$tmp/other/ca.pem" length remote >/dev/null
if [ $? -ne 0 ] && grep -q 'PP_ETLS.*not signed by CA' "$tmp/cli.err"; then
	pass "a client that does not trust the node's CA gets PP_ETLS"
else
	fail "a client that does not trust the node's CA gets PP_ETLS" \
	    "$(cat "$tmp/cli.err")"
fi
ip netns exec "$nsb" env PIPEPROC_TLS_CA="$ca" \
    PIPEPROC_TLS_CERT="$tmp/pki/client.pem" \
    PIPEPROC_TLS_KEY="$tmp/pki/client.key" \
    "$PIPEPROC_CLI" -a "$addr" length remote 2>"$tmp/cli.err" >/dev/null
if [ $? -ne 0 ] && grep -q 'PP_EAUTH' "$tmp/cli.err"; then
	pass "a client without the token gets PP_EAUTH"
else
	fail "a client without the token gets PP_EAUTH" "$(cat "$tmp/cli.err")"
fi
done_testing
