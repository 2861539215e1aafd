/*
 * tls_cert_test.c - tls+tcp with mutual TLS (issue 6; PEER §18, §23.23):
 * commits, ranges and procs over TLS, a spawned TLS node, clear and fast
 * errors for every kind of bad certificate and for a transport mismatch,
 * and refused handshakes that leave the node serving.
 *
 * Certificates come from pipeproc-gen-certs into the case's own directory;
 * nodes run as real processes on a free TCP port of 127.0.0.1
 * (tls_util.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "tls_util.h"

/* A good client still gets served. */
static void
tls_still_serves(const char *address, const pp_connect_opts *o)
{
	pp_client *c = NULL;

	PP_PASS(pp_connect(address, o, &c));
	pp_t_commit_str(c, "alive", "yes");
	pp_close(c);
}

/* ---- item 1: commit, range, proc over TLS ---------------------------------- */

static void
test_tls_basic(void)
{
	certs           c;
	pp_tnode        n;
	pp_connect_opts o;
	pp_client      *cl = NULL;
	pp_claim       *claim;
	pp_t_logs       logs;
	pp_id           acked;

	tls_gen_certs(&c, "certs", "127.0.0.1", NULL);
	start_tls_node(&n, &c, NULL);
	o = tls_opts(c.ca, c.cert, c.key);
	PP_PASS(pp_connect(n.address, &o, &cl));
	pp_t_commit_str(cl, "orders", "one");
	pp_t_commit_str(cl, "orders", "two");
	pp_t_read_all(cl, "orders", NULL, false, &logs);
	PP_ASSERT_INT_EQ(logs.count, 2);
	PP_ASSERT_STR_EQ(logs.bodies[0], "one");
	PP_ASSERT_STR_EQ(logs.bodies[1], "two");
	pp_t_logs_free(&logs);
	PP_PASS(pp_proc(cl, "orders", "billing", NULL, 0, &claim));
	PP_ASSERT_INT_EQ(pp_claim_count(claim), 1);
	PP_PASS(pp_ack(cl, "billing", pp_claim_token(claim), &acked));
	pp_claim_free(claim);
	PP_PASS(pp_shutdown(cl));
	pp_close(cl);
	PP_ASSERT_TRUE(pp_t_node_wait(&n, 10000) != -1);
}

static void
test_tls_spawn(void)
{
	certs         c;
	pp_tnode      n;
	pp_spawn_opts o;

	tls_gen_certs(&c, "certs", "127.0.0.1", NULL);
	pp_t_node_init(&n);
	pp_t_format(n.address, sizeof(n.address), "tls+tcp://127.0.0.1:%u",
	    tls_free_port());
	memset(&o, 0, sizeof(o));
	o.tls_ca_file          = c.ca;
	o.tls_cert_file        = c.node_cert;
	o.tls_key_file         = c.node_key;
	o.tls_client_cert_file = c.cert;
	o.tls_client_key_file  = c.key;
	pp_t_node_start(&n, &o);
	pp_t_commit_str(n.client, "t", "x");
	PP_ASSERT_U64_EQ(pp_t_length(n.client, "t"), 1);
	pp_t_node_stop(&n);
	/* Without the client's material pp_spawn refuses at once. */
	o.tls_client_key_file = NULL;
	PP_FAIL(pp_t_node_spawn(&n, &o), PP_EINVAL);
}

/* ---- item 4: clear errors ---------------------------------------------------- */

static void
test_wrong_ca(void)
{
	certs           good, other;
	pp_tnode        n;
	pp_connect_opts o;

	tls_gen_certs(&good, "good", "127.0.0.1", NULL);
	tls_gen_certs(&other, "other", "127.0.0.1", NULL);
	start_tls_node(&n, &good, NULL);
	/* We do not trust the node's CA. */
	o = tls_opts(other.ca, good.cert, good.key);
	tls_expect_refused(n.address, &o, PP_ETLS, "not signed by CA");
	/* The node does not trust our CA. */
	o = tls_opts(good.ca, other.cert, other.key);
	tls_expect_refused(n.address, &o, PP_ETLS, "refused our certificate");
	o = tls_opts(good.ca, good.cert, good.key);
	tls_still_serves(n.address, &o);
	pp_t_node_kill(&n, SIGKILL);
}

static void
test_expired(void)
{
	certs           good, old;
	pp_tnode        n;
	pp_connect_opts o;
	pp_spawn_opts   so;
	char            extra[PP_T_PATH + 32];

	tls_gen_certs(&good, "good", "127.0.0.1", NULL);
	pp_t_format(extra, sizeof(extra), "--ca '%s' --expired", good.dir);
	tls_gen_certs(&old, "old", "127.0.0.1", extra);
	start_tls_node(&n, &good, NULL);
	o = tls_opts(good.ca, old.cert, old.key);
	tls_expect_refused(n.address, &o, PP_ETLS, "expired");
	o = tls_opts(good.ca, good.cert, good.key);
	tls_still_serves(n.address, &o);
	pp_t_node_kill(&n, SIGKILL);
	/* A node with an expired certificate does not start. */
	pp_t_node_init(&n);
	pp_t_format(n.address, sizeof(n.address), "tls+tcp://127.0.0.1:%u",
	    tls_free_port());
	memset(&so, 0, sizeof(so));
	so.tls_ca_file          = good.ca;
	so.tls_cert_file        = old.node_cert;
	so.tls_key_file         = old.node_key;
	so.tls_client_cert_file = good.cert;
	so.tls_client_key_file  = good.key;
	PP_FAIL(pp_t_node_spawn(&n, &so), PP_ETLS);
	PP_ASSERT_TRUE(strstr(pp_last_errmsg(), "expired") != NULL);
}

static void
test_corrupted(void)
{
	certs           good, bad;
	pp_tnode        n;
	pp_connect_opts o;
	char            extra[PP_T_PATH + 32];

	tls_gen_certs(&good, "good", "127.0.0.1", NULL);
	snprintf(extra, sizeof(extra), "--ca '%s' --corrupt", good.dir);
	tls_gen_certs(&bad, "bad", "127.0.0.1", extra);
	start_tls_node(&n, &good, NULL);
	o = tls_opts(good.ca, bad.cert, bad.key);
	tls_expect_refused(n.address, &o, PP_ETLS, "does not verify");
	/* Garbage instead of PEM is named as such, before any dialing. */
	o = tls_opts(good.ca, good.key, good.key);
	tls_expect_refused(n.address, &o, PP_ETLS, "no valid PEM certificate");
	o = tls_opts(good.ca, good.cert, good.key);
	tls_still_serves(n.address, &o);
	pp_t_node_kill(&n, SIGKILL);
}

static void
test_wrong_host(void)
{
	certs           c;
	pp_tnode        n;
	pp_connect_opts o;

	/* Issued for "localhost" only; we dial 127.0.0.1. */
	tls_gen_certs(&c, "certs", "localhost", NULL);
	start_tls_node(&n, &c, NULL);
	o = tls_opts(c.ca, c.cert, c.key);
	tls_expect_refused(n.address, &o, PP_ETLS, "not issued for 127.0.0.1");
	pp_t_node_kill(&n, SIGKILL);
}

static void
test_transport_mismatch(void)
{
	static const char *const plain_args[] = { "--insecure-tcp",
		"--token-env", "PP_TEST_TOKEN", NULL };
	certs           c;
	pp_tnode        tls, plain;
	pp_connect_opts o;
	char            addr[PP_T_PATH];

	tls_gen_certs(&c, "certs", "127.0.0.1", NULL);
	setenv("PP_TEST_TOKEN", "0123456789abcdef0123456789abcdef", 1);
	start_tls_node(&tls, &c, NULL);
	tls_start_node(&plain, "tcp", plain_args);
	/* A plain client on the TLS port. */
	memset(&o, 0, sizeof(o));
	o.is_insecure_tcp = true;
	o.token           = "0123456789abcdef0123456789abcdef";
	pp_t_format(addr, sizeof(addr), "tcp://%s", tls.address + 10);
	tls_expect_refused(addr, &o, PP_ETLS, "expects TLS");
	/* A TLS client on the plain port. */
	o = tls_opts(c.ca, c.cert, c.key);
	pp_t_format(addr, sizeof(addr), "tls+tcp://%s", plain.address + 6);
	tls_expect_refused(addr, &o, PP_ETLS, "speaks plain tcp");
	tls_still_serves(tls.address, &o);
	pp_t_node_kill(&tls, SIGKILL);
	pp_t_node_kill(&plain, SIGKILL);
}

/* Many failed handshakes in a row must not stop the listener. */
static void
test_failures_do_not_stop_the_node(void)
{
	certs           good, other;
	pp_tnode        n;
	pp_connect_opts o, bad;
	pp_client      *c;
	int             i;

	tls_gen_certs(&good, "good", "127.0.0.1", NULL);
	tls_gen_certs(&other, "other", "127.0.0.1", NULL);
	start_tls_node(&n, &good, NULL);
	o   = tls_opts(good.ca, good.cert, good.key);
	bad = tls_opts(good.ca, other.cert, other.key);
	for (i = 0; i < 20; i++) {
		c = NULL;
		PP_FAIL(pp_connect(n.address, &bad, &c), PP_ETLS);
		tls_still_serves(n.address, &o);
	}
	pp_t_node_kill(&n, SIGKILL);
}

static const pp_test_case cases[] = {
	PP_CASE("commit, range and proc work over tls+tcp with mutual TLS",
	    test_tls_basic, 0),
	PP_CASE("pp_spawn starts a tls+tcp node and its spawner connects over "
	    "TLS",
	    test_tls_spawn, 0),
	PP_CASE("a wrong CA on either side fails fast with PP_ETLS saying which",
	    test_wrong_ca, 0),
	PP_CASE("an expired certificate is PP_ETLS for a client and stops a "
	    "node",
	    test_expired, 0),
	PP_CASE("a corrupted certificate is PP_ETLS naming the bad signature",
	    test_corrupted, 0),
	PP_CASE("a node certificate for another host is PP_ETLS",
	    test_wrong_host, 0),
	PP_CASE("plain on a TLS port and TLS on a plain port are PP_ETLS at "
	    "once",
	    test_transport_mismatch, 0),
	PP_CASE("twenty refused handshakes in a row leave the node serving",
	    test_failures_do_not_stop_the_node, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
