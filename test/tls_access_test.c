/*
 * tls_access_test.c - who may talk to a remote node (issue 6): access
 * tokens on TLS and plain tcp listeners, plain tcp only when asked for on
 * both sides, the connection cap and the deadline for showing the token.
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

/* ---- items 2 and 3: tokens, plain tcp ------------------------------------------ */

static void
test_token_tls(void)
{
	certs           c;
	pp_tnode        n;
	pp_connect_opts o;
	pp_client      *cl = NULL;
	const char     *more[3];

	tls_gen_certs(&c, "certs", "127.0.0.1", NULL);
	more[0] = "--token-file";
	more[1] = c.token;
	more[2] = NULL;
	start_tls_node(&n, &c, more);
	o = tls_opts(c.ca, c.cert, c.key);
	tls_expect_refused(n.address, &o, PP_EAUTH, "requires an access token");
	o.token = "this-is-not-the-token-at-all";
	tls_expect_refused(n.address, &o, PP_EAUTH, "refused our access token");
	o.token      = NULL;
	o.token_file = c.token;
	PP_PASS(pp_connect(n.address, &o, &cl));
	pp_t_commit_str(cl, "t", "with token");
	PP_ASSERT_U64_EQ(pp_t_length(cl, "t"), 1);
	pp_close(cl);
	pp_t_node_kill(&n, SIGKILL);
}

static void
test_token_plain_tcp(void)
{
	certs           c;
	pp_tnode        n;
	pp_connect_opts o;
	pp_client      *cl = NULL;
	const char     *args[] = { "--insecure-tcp", "--token-file", NULL,
                NULL };

	tls_gen_certs(&c, "certs", "127.0.0.1", NULL);
	args[2] = c.token;
	tls_start_node(&n, "tcp", args);
	memset(&o, 0, sizeof(o));
	/* On loopback the client needs no opt-in (issue 11 item 5), but a
	 * node with a configured token still wants that token. */
	tls_expect_refused(n.address, &o, PP_EAUTH, "requires an access token");
	o.is_insecure_tcp = true;
	tls_expect_refused(n.address, &o, PP_EAUTH, "requires an access token");
	o.token = "wrong-token-wrong-token";
	tls_expect_refused(n.address, &o, PP_EAUTH, "refused our access token");
	o.token      = NULL;
	o.token_file = c.token;
	PP_PASS(pp_connect(n.address, &o, &cl));
	pp_t_commit_str(cl, "t", "plain");
	pp_close(cl);
	pp_t_node_kill(&n, SIGKILL);
}

/* The node refuses plain tcp off loopback unless asked, and then only
 * with a token (loopback makes its own: test/loopback_test.sh). */
static void
test_plain_tcp_needs_opt_in(void)
{
	pp_tnode      n;
	pp_spawn_opts o;

	pp_t_node_init(&n);
	pp_t_format(n.address, sizeof(n.address), "tcp://0.0.0.0:%u",
	    tls_free_port());
	memset(&o, 0, sizeof(o));
	PP_FAIL(pp_t_node_spawn(&n, &o), PP_EINVAL);
	o.is_insecure_tcp = true;
	PP_FAIL(pp_t_node_spawn(&n, &o), PP_EINVAL);
	PP_ASSERT_TRUE(strstr(pp_last_errmsg(), "token") != NULL);
}

/* ---- item 6: limits -------------------------------------------------------------- */

static void
test_connection_cap(void)
{
	certs           c;
	pp_tnode        n;
	pp_connect_opts o;
	pp_client      *a = NULL, *b = NULL, *third = NULL;
	const char     *more[] = { "--max-connections", "2", NULL };

	tls_gen_certs(&c, "certs", "127.0.0.1", NULL);
	start_tls_node(&n, &c, more);
	o            = tls_opts(c.ca, c.cert, c.key);
	o.timeout_ms = (uint32_t)pp_t_scaled(1500);
	PP_PASS(pp_connect(n.address, &o, &a));
	PP_PASS(pp_connect(n.address, &o, &b));
	tls_expect_refused(n.address, &o, PP_EBUSY, "at most 2 connections");
	pp_close(b);
	/* The slot comes back once the node has seen b go. */
	PP_WAIT_UNTIL(pp_connect(n.address, &o, &third) == 0, 10000);
	pp_t_commit_str(third, "t", "third");
	pp_t_commit_str(a, "t", "first");
	pp_close(third);
	pp_close(a);
	pp_t_node_kill(&n, SIGKILL);
}

/* A connection that never shows the token is closed after the deadline. */
static void
test_auth_timeout(void)
{
	certs              c;
	pp_tnode           n;
	struct sockaddr_in sa;
	const char        *args[] = { "--insecure-tcp", "--token-file", NULL,
                "--auth-timeout", "300", NULL };
	unsigned char      hdr[8] = { 0, 'S', 'P', 0, 0, 0x30, 0, 0 };
	unsigned char      buf[64];
	uint64_t           start;
	ssize_t            r;
	int                fd;

	tls_gen_certs(&c, "certs", "127.0.0.1", NULL);
	args[2] = c.token;
	tls_start_node(&n, "tcp", args);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family      = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)atoi(strrchr(n.address, ':') + 1));
	fd          = socket(AF_INET, SOCK_STREAM, 0);
	PP_ASSERT_INT_EQ(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	pp_t_write_all(fd, hdr, sizeof(hdr));
	PP_ASSERT_INT_EQ(recv(fd, buf, 8, MSG_WAITALL), 8);
	/* Then silence: the node hangs up within about a second. */
	start = pp_t_mono_ms();
	r     = recv(fd, buf, sizeof(buf), 0);
	PP_ASSERT_INT_CMP(r, <=, 0);
	PP_ASSERT_U64_CMP(pp_t_mono_ms() - start, <, pp_t_scaled(5000));
	close(fd);
	pp_t_node_kill(&n, SIGKILL);
}

static const pp_test_case cases[] = {
	PP_CASE("a token on a TLS listener: missing, wrong, right",
	    test_token_tls, 0),
	PP_CASE("plain tcp needs an opt-in and a token on both sides",
	    test_token_plain_tcp, 0),
	PP_CASE("a node refuses plain tcp without --insecure-tcp and a token",
	    test_plain_tcp_needs_opt_in, 0),
	PP_CASE("--max-connections refuses the connection over the cap",
	    test_connection_cap, 0),
	PP_CASE("a connection that never shows the token is closed",
	    test_auth_timeout, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
