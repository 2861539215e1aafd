/*
 * tls_test.c - remote clients (issue 6): tls+tcp with mutual TLS, clear
 * errors for every kind of bad certificate and for a transport mismatch
 * (PEER §18, §23.23), access tokens, plain tcp only when asked for, the
 * connection cap and the auth deadline, and a commit storm across a
 * kill -9 and restart of a TLS node with the same clients.
 *
 * Certificates come from pipeproc-gen-certs ($PIPEPROC_GEN_CERTS) into the
 * case's own directory; nodes run as real processes (pp_t_node_exec) on
 * a free TCP port of 127.0.0.1.
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

/* A failure must be reported well before any timeout would fire. */
#define FAST_MS 3000

typedef struct certs {
	char dir[PP_T_PATH];
	char ca[PP_T_PATH], node_cert[PP_T_PATH], node_key[PP_T_PATH];
	char cert[PP_T_PATH], key[PP_T_PATH], token[PP_T_PATH];
} certs;

/* Runs pipeproc-gen-certs DIR --host HOST [extra]; fills c. */
static void
gen_certs(certs *c, const char *tag, const char *host, const char *extra)
{
	const char *prog = getenv("PIPEPROC_GEN_CERTS");
	const char *build = getenv("PIPEPROC_BUILD");
	char        cmd[1024], path[PP_T_PATH];
	int         st;

	if (prog == NULL || prog[0] == '\0') {
		pp_t_format(path, sizeof(path), "%s/bin/pipeproc-gen-certs",
		    build != NULL && build[0] != '\0' ? build : "build");
		prog = path;
	}
	pp_t_format(c->dir, sizeof(c->dir), "%s/%s", pp_t_root(), tag);
	pp_t_format(cmd, sizeof(cmd), "'%s' '%s' --host %s %s >/dev/null",
	    prog, c->dir, host, extra != NULL ? extra : "");
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		PP_FAIL_AT("%s failed (%d)", cmd, st);
	}
	pp_t_format(c->ca, sizeof(c->ca), "%s/ca.pem", c->dir);
	pp_t_format(c->node_cert, sizeof(c->node_cert), "%s/node.pem", c->dir);
	pp_t_format(c->node_key, sizeof(c->node_key), "%s/node.key", c->dir);
	pp_t_format(c->cert, sizeof(c->cert), "%s/client.pem", c->dir);
	pp_t_format(c->key, sizeof(c->key), "%s/client.key", c->dir);
	pp_t_format(c->token, sizeof(c->token), "%s/token", c->dir);
}

/* A TCP port of 127.0.0.1 that was free a moment ago. */
static unsigned
free_port(void)
{
	struct sockaddr_in sa;
	socklen_t          len = sizeof(sa);
	int                fd  = socket(AF_INET, SOCK_STREAM, 0);
	unsigned           port;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family      = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
		PP_FAIL_AT("no free port: %s", strerror(errno));
	}
	port = ntohs(sa.sin_port);
	close(fd);
	return (port);
}

/* Starts a node listening on `scheme`://127.0.0.1:PORT with extra args. */
static void
start_node(pp_tnode *n, const char *scheme, const char *const *extra)
{
	const char *args[24];
	int         i, k = 0;

	args[k++] = "--workers";
	args[k++] = "0";
	for (i = 0; extra != NULL && extra[i] != NULL; i++) {
		args[k++] = extra[i];
	}
	args[k] = NULL;
	pp_t_node_init(n);
	pp_t_format(n->address, sizeof(n->address), "%s://127.0.0.1:%u",
	    scheme, free_port());
	PP_ASSERT_INT_EQ(pp_t_node_exec(n, args), 0);
}

static void
start_tls_node(pp_tnode *n, const certs *c, const char *const *more)
{
	const char *args[20] = { "--tls-ca", c->ca, "--tls-cert", c->node_cert,
		"--tls-key", c->node_key };
	int         i, k = 6;

	for (i = 0; more != NULL && more[i] != NULL; i++) {
		args[k++] = more[i];
	}
	args[k] = NULL;
	start_node(n, "tls+tcp", args);
}

static pp_connect_opts
tls_opts(const char *ca, const char *cert, const char *key)
{
	pp_connect_opts o;

	memset(&o, 0, sizeof(o));
	o.tls_ca_file   = ca;
	o.tls_cert_file = cert;
	o.tls_key_file  = key;
	o.timeout_ms    = (uint32_t)pp_t_scaled(10000);
	return (o);
}

/* pp_connect must fail with `ex`, quickly, and say `needle`. */
static void
expect_refused(const char *address, const pp_connect_opts *o, int ex,
    const char *needle)
{
	pp_client *c     = NULL;
	uint64_t   start = pp_t_mono_ms();
	int        rv    = pp_connect(address, o, &c);

	if (rv != ex) {
		PP_FAIL_AT("pp_connect(%s) returned %s, expected %s: %s",
		    address, pp_errname(rv), pp_errname(ex), pp_last_errmsg());
	}
	PP_ASSERT_TRUE(c == NULL);
	if (strstr(pp_last_errmsg(), needle) == NULL) {
		PP_FAIL_AT("message \"%s\" does not say \"%s\"",
		    pp_last_errmsg(), needle);
	}
	PP_ASSERT_U64_CMP(pp_t_mono_ms() - start, <, FAST_MS);
	pp_t_diag("%s: %s", pp_errname(rv), pp_last_errmsg());
}

/* A good client still gets served. */
static void
still_serves(const char *address, const pp_connect_opts *o)
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

	gen_certs(&c, "certs", "127.0.0.1", NULL);
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

	gen_certs(&c, "certs", "127.0.0.1", NULL);
	pp_t_node_init(&n);
	pp_t_format(n.address, sizeof(n.address), "tls+tcp://127.0.0.1:%u",
	    free_port());
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

	gen_certs(&good, "good", "127.0.0.1", NULL);
	gen_certs(&other, "other", "127.0.0.1", NULL);
	start_tls_node(&n, &good, NULL);
	/* We do not trust the node's CA. */
	o = tls_opts(other.ca, good.cert, good.key);
	expect_refused(n.address, &o, PP_ETLS, "not signed by CA");
	/* The node does not trust our CA. */
	o = tls_opts(good.ca, other.cert, other.key);
	expect_refused(n.address, &o, PP_ETLS, "refused our certificate");
	o = tls_opts(good.ca, good.cert, good.key);
	still_serves(n.address, &o);
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

	gen_certs(&good, "good", "127.0.0.1", NULL);
	pp_t_format(extra, sizeof(extra), "--ca '%s' --expired", good.dir);
	gen_certs(&old, "old", "127.0.0.1", extra);
	start_tls_node(&n, &good, NULL);
	o = tls_opts(good.ca, old.cert, old.key);
	expect_refused(n.address, &o, PP_ETLS, "expired");
	o = tls_opts(good.ca, good.cert, good.key);
	still_serves(n.address, &o);
	pp_t_node_kill(&n, SIGKILL);
	/* A node with an expired certificate does not start. */
	pp_t_node_init(&n);
	pp_t_format(n.address, sizeof(n.address), "tls+tcp://127.0.0.1:%u",
	    free_port());
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

	gen_certs(&good, "good", "127.0.0.1", NULL);
	snprintf(extra, sizeof(extra), "--ca '%s' --corrupt", good.dir);
	gen_certs(&bad, "bad", "127.0.0.1", extra);
	start_tls_node(&n, &good, NULL);
	o = tls_opts(good.ca, bad.cert, bad.key);
	expect_refused(n.address, &o, PP_ETLS, "does not verify");
	/* Garbage instead of PEM is named as such, before any dialing. */
	o = tls_opts(good.ca, good.key, good.key);
	expect_refused(n.address, &o, PP_ETLS, "no valid PEM certificate");
	o = tls_opts(good.ca, good.cert, good.key);
	still_serves(n.address, &o);
	pp_t_node_kill(&n, SIGKILL);
}

static void
test_wrong_host(void)
{
	certs           c;
	pp_tnode        n;
	pp_connect_opts o;

	/* Issued for "localhost" only; we dial 127.0.0.1. */
	gen_certs(&c, "certs", "localhost", NULL);
	start_tls_node(&n, &c, NULL);
	o = tls_opts(c.ca, c.cert, c.key);
	expect_refused(n.address, &o, PP_ETLS, "not issued for 127.0.0.1");
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

	gen_certs(&c, "certs", "127.0.0.1", NULL);
	setenv("PP_TEST_TOKEN", "0123456789abcdef0123456789abcdef", 1);
	start_tls_node(&tls, &c, NULL);
	start_node(&plain, "tcp", plain_args);
	/* A plain client on the TLS port. */
	memset(&o, 0, sizeof(o));
	o.is_insecure_tcp = true;
	o.token           = "0123456789abcdef0123456789abcdef";
	pp_t_format(addr, sizeof(addr), "tcp://%s", tls.address + 10);
	expect_refused(addr, &o, PP_ETLS, "expects TLS");
	/* A TLS client on the plain port. */
	o = tls_opts(c.ca, c.cert, c.key);
	pp_t_format(addr, sizeof(addr), "tls+tcp://%s", plain.address + 6);
	expect_refused(addr, &o, PP_ETLS, "speaks plain tcp");
	still_serves(tls.address, &o);
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

	gen_certs(&good, "good", "127.0.0.1", NULL);
	gen_certs(&other, "other", "127.0.0.1", NULL);
	start_tls_node(&n, &good, NULL);
	o   = tls_opts(good.ca, good.cert, good.key);
	bad = tls_opts(good.ca, other.cert, other.key);
	for (i = 0; i < 20; i++) {
		c = NULL;
		PP_FAIL(pp_connect(n.address, &bad, &c), PP_ETLS);
		still_serves(n.address, &o);
	}
	pp_t_node_kill(&n, SIGKILL);
}

/* ---- items 2 and 3: tokens, plain tcp ------------------------------------------ */

static void
test_token_tls(void)
{
	certs           c;
	pp_tnode        n;
	pp_connect_opts o;
	pp_client      *cl = NULL;
	const char     *more[3];

	gen_certs(&c, "certs", "127.0.0.1", NULL);
	more[0] = "--token-file";
	more[1] = c.token;
	more[2] = NULL;
	start_tls_node(&n, &c, more);
	o = tls_opts(c.ca, c.cert, c.key);
	expect_refused(n.address, &o, PP_EAUTH, "requires an access token");
	o.token = "this-is-not-the-token-at-all";
	expect_refused(n.address, &o, PP_EAUTH, "refused our access token");
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

	gen_certs(&c, "certs", "127.0.0.1", NULL);
	args[2] = c.token;
	start_node(&n, "tcp", args);
	memset(&o, 0, sizeof(o));
	/* The client must ask for plain tcp too, and bring a token. */
	expect_refused(n.address, &o, PP_EINVAL, "in clear");
	o.is_insecure_tcp = true;
	expect_refused(n.address, &o, PP_EINVAL, "needs an access token");
	o.token = "wrong-token-wrong-token";
	expect_refused(n.address, &o, PP_EAUTH, "refused our access token");
	o.token      = NULL;
	o.token_file = c.token;
	PP_PASS(pp_connect(n.address, &o, &cl));
	pp_t_commit_str(cl, "t", "plain");
	pp_close(cl);
	pp_t_node_kill(&n, SIGKILL);
}

/* The node refuses plain tcp unless asked, and then only with a token. */
static void
test_plain_tcp_needs_opt_in(void)
{
	pp_tnode      n;
	pp_spawn_opts o;

	pp_t_node_init(&n);
	pp_t_format(n.address, sizeof(n.address), "tcp://127.0.0.1:%u",
	    free_port());
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

	gen_certs(&c, "certs", "127.0.0.1", NULL);
	start_tls_node(&n, &c, more);
	o            = tls_opts(c.ca, c.cert, c.key);
	o.timeout_ms = (uint32_t)pp_t_scaled(1500);
	PP_PASS(pp_connect(n.address, &o, &a));
	PP_PASS(pp_connect(n.address, &o, &b));
	expect_refused(n.address, &o, PP_EBUSY, "at most 2 connections");
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

	gen_certs(&c, "certs", "127.0.0.1", NULL);
	args[2] = c.token;
	start_node(&n, "tcp", args);
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

/* ---- item 5: reconnection across a restart ---------------------------------------- */

#define STORM_MAX 200000

typedef struct storm {
	pp_client      *c;
	atomic_bool     is_stopping;
	atomic_int      n_errors;
	pthread_mutex_t mu;
	pp_id          *ids;
	char          (*bodies)[24];
	size_t          count;
	int             index;
} storm;

static void *
storm_main(void *p)
{
	storm    *s = p;
	pp_record r;
	pp_id     id;
	char      body[24];
	int       i;

	for (i = 0; !atomic_load(&s->is_stopping) && s->count < STORM_MAX;
	     i++) {
		r.topic = "storm";
		r.len   = (size_t)snprintf(body, sizeof(body), "c%d-%d",
                    s->index, i);
		r.body  = body;
		if (pp_commit(s->c, &r, 1, &id) != 0) {
			atomic_fetch_add(&s->n_errors, 1);
			continue;
		}
		pthread_mutex_lock(&s->mu);
		s->ids[s->count] = id;
		memcpy(s->bodies[s->count], body, sizeof(body));
		s->count++;
		pthread_mutex_unlock(&s->mu);
	}
	return (NULL);
}

static size_t
storm_count(storm *s)
{
	size_t n;

	pthread_mutex_lock(&s->mu);
	n = s->count;
	pthread_mutex_unlock(&s->mu);
	return (n);
}

static int
cmp_body(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

static void
test_reconnect_storm(void)
{
	static const char *const sync_always[] = { "--sync", "always", NULL };
	certs           c;
	pp_tnode        n;
	pp_connect_opts o;
	storm           st[2];
	pthread_t       th[2];
	pp_t_logs       logs;
	char          **sorted;
	size_t          i, k, found, before;

	gen_certs(&c, "certs", "127.0.0.1", NULL);
	start_tls_node(&n, &c, sync_always);
	o                    = tls_opts(c.ca, c.cert, c.key);
	o.request_timeout_ms = (uint32_t)pp_t_scaled(20000);
	for (k = 0; k < 2; k++) {
		memset(&st[k], 0, sizeof(st[k]));
		pthread_mutex_init(&st[k].mu, NULL);
		st[k].index  = (int)k;
		st[k].ids    = calloc(STORM_MAX, sizeof(pp_id));
		st[k].bodies = calloc(STORM_MAX, 24);
		PP_PASS(pp_connect(n.address, &o, &st[k].c));
		PP_ASSERT_INT_EQ(
		    pthread_create(&th[k], NULL, storm_main, &st[k]), 0);
	}
	for (i = 0; i < 2; i++) {
		PP_WAIT_UNTIL(storm_count(&st[0]) > 300 * (i + 1) &&
		        storm_count(&st[1]) > 300 * (i + 1),
		    30000);
		/* kill -9 mid-storm, then the same address and data. */
		{
			char saved[PP_T_PATH];

			memcpy(saved, n.address, sizeof(saved));
			pp_t_node_kill(&n, SIGKILL);
			memcpy(n.address, saved, sizeof(saved));
		}
		{
			const char *args[] = { "--workers", "0", "--tls-ca",
				c.ca, "--tls-cert", c.node_cert, "--tls-key",
				c.node_key, "--sync", "always", NULL };

			PP_ASSERT_INT_EQ(pp_t_node_exec(&n, args), 0);
		}
		/* The same clients carry on: new acks arrive. */
		before = storm_count(&st[0]) + storm_count(&st[1]);
		PP_WAIT_UNTIL(storm_count(&st[0]) + storm_count(&st[1]) >
		        before + 200,
		    30000);
	}
	for (k = 0; k < 2; k++) {
		atomic_store(&st[k].is_stopping, true);
		pthread_join(th[k], NULL);
	}
	pp_t_diag("acked %zu + %zu, failed calls %d + %d", st[0].count,
	    st[1].count, atomic_load(&st[0].n_errors),
	    atomic_load(&st[1].n_errors));
	pp_t_read_all(st[0].c, "storm", NULL, false, &logs);
	/* No body twice. */
	sorted = calloc(logs.count + 1, sizeof(char *));
	for (i = 0; i < logs.count; i++) {
		sorted[i] = logs.bodies[i];
	}
	qsort(sorted, logs.count, sizeof(char *), cmp_body);
	for (i = 1; i < logs.count; i++) {
		if (strcmp(sorted[i - 1], sorted[i]) == 0) {
			PP_FAIL_AT("log \"%s\" is stored twice", sorted[i]);
		}
	}
	/* Every acknowledged id holds its body. Ids ascend in the topic. */
	for (k = 0; k < 2; k++) {
		for (i = 0; i < st[k].count; i++) {
			found = st[k].ids[i].seq;
			if (found >= logs.count ||
			    pp_t_id_cmp(logs.ids[found], st[k].ids[i]) != 0 ||
			    strcmp(logs.bodies[found], st[k].bodies[i]) != 0) {
				PP_FAIL_AT("acked log %s (seq %zu) is missing",
				    st[k].bodies[i], found);
			}
		}
		pp_close(st[k].c);
		free(st[k].ids);
		free(st[k].bodies);
	}
	free(sorted);
	pp_t_logs_free(&logs);
	pp_t_node_kill(&n, SIGKILL);
}

static const pp_test_case cases[] = {
	PP_CASE("commit, range and proc work over tls+tcp with mutual TLS",
	    test_tls_basic, 0),
	PP_CASE("pp_spawn starts a tls+tcp node and its spawner connects over TLS",
	    test_tls_spawn, 0),
	PP_CASE("a wrong CA on either side fails fast with PP_ETLS saying which",
	    test_wrong_ca, 0),
	PP_CASE("an expired certificate is PP_ETLS for a client and stops a node",
	    test_expired, 0),
	PP_CASE("a corrupted certificate is PP_ETLS naming the bad signature",
	    test_corrupted, 0),
	PP_CASE("a node certificate for another host is PP_ETLS",
	    test_wrong_host, 0),
	PP_CASE("plain on a TLS port and TLS on a plain port are PP_ETLS at once",
	    test_transport_mismatch, 0),
	PP_CASE("twenty refused handshakes in a row leave the node serving",
	    test_failures_do_not_stop_the_node, 0),
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
	PP_CASE("clients carry on across kill -9 and restart of a TLS node, and "
	  "every acked commit is stored exactly once",
	    test_reconnect_storm, 120),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
