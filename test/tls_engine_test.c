/*
 * tls_engine_test.c - pipeproc's own TLS engine under tls+tcp://
 * (lib/tls_engine.c, lib/tls_name.c; issue 14 item 4): it is the engine
 * NNG uses, it accepts a certificate that names the node's address only
 * as an iPAddress subjectAltName and refuses one for another address, and
 * the node bounds half-open connections: they count toward
 * --max-connections and a handshake must end within --auth-timeout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/x509_crt.h>
#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>

#include "harness.h"
#include "tls_util.h"

#define FLOOD 30

/* The port of a "tls+tcp://127.0.0.1:PORT" address. */
static unsigned
port_of(const char *address)
{
	const char *colon = strrchr(address, ':');

	PP_ASSERT_TRUE(colon != NULL);
	return (unsigned) strtoul(colon + 1, NULL, 10);
}

static int
tcp_open(unsigned port)
{
	struct sockaddr_in sa;
	int                fd = socket(AF_INET, SOCK_STREAM, 0);

	PP_ASSERT_TRUE(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family      = AF_INET;
	sa.sin_port        = htons((uint16_t) port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	PP_ASSERT_INT_EQ(connect(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
	return fd;
}

/* True when the node closed fd (EOF or reset) within wait_ms. */
static bool
is_closed_within(int fd, int wait_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char          c;
	ssize_t       n;

	if (poll(&p, 1, wait_ms) <= 0) {
		return false;
	}
	n = recv(fd, &c, 1, MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

static void
commit_one(const char *address, const certs *c)
{
	pp_connect_opts o = tls_opts(c->ca, c->cert, c->key);
	pp_record       r = { .topic = "t", .body = "x", .len = 1 };
	pp_client      *cl;
	pp_id           id;

	PP_PASS(pp_connect(address, &o, &cl));
	PP_PASS(pp_commit(cl, &r, 1, &id));
	pp_close(cl);
}

static void
test_engine_in_use(void)
{
	pp_tnode n;
	certs    c;

	tls_gen_certs(&c, "engine", "127.0.0.1", NULL);
	start_tls_node(&n, &c, NULL);
	commit_one(n.address, &c);
	PP_ASSERT_STR_EQ(nng_tls_engine_name(), "pipeproc-mbedtls");
	pp_t_node_kill(&n, SIGTERM);
	PP_ASSERT_INT_EQ(pp_t_node_wait(&n, 10000), 0);
}

/* Our test certificates name an address the standard way: iPAddress
 * only, no dNSName spelling it (what mbedTLS alone would need). */
static void
test_ip_san_only(void)
{
	mbedtls_x509_crt             crt;
	const mbedtls_x509_sequence *san;
	pp_connect_opts              o;
	pp_tnode                     n;
	certs                        c, other;
	int                          nip = 0, ndns = 0;

	tls_gen_certs(&c, "ipsan", "127.0.0.1", NULL);
	mbedtls_x509_crt_init(&crt);
	PP_ASSERT_INT_EQ(mbedtls_x509_crt_parse_file(&crt, c.node_cert), 0);
	for (san = &crt.subject_alt_names; san != NULL && san->buf.p != NULL;
	     san = san->next) {
		nip += san->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7);
		ndns += san->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2);
	}
	mbedtls_x509_crt_free(&crt);
	PP_ASSERT_INT_EQ(nip, 1);
	PP_ASSERT_INT_EQ(ndns, 0);
	start_tls_node(&n, &c, NULL);
	commit_one(n.address, &c);
	pp_t_node_kill(&n, SIGTERM);
	PP_ASSERT_INT_EQ(pp_t_node_wait(&n, 10000), 0);

	/* A node whose certificate names 127.0.0.2 only is refused. */
	tls_gen_certs(&other, "ipsan-other", "127.0.0.2", NULL);
	start_tls_node(&n, &other, NULL);
	o = tls_opts(other.ca, other.cert, other.key);
	tls_expect_refused(n.address, &o, PP_ETLS, "not issued for 127.0.0.1");
	pp_t_node_kill(&n, SIGTERM);
	PP_ASSERT_INT_EQ(pp_t_node_wait(&n, 10000), 0);
}

/* Opens FLOOD connections and counts those the node closes at once. */
static int
flood_closed(unsigned port, int *fds)
{
	int i, closed = 0;

	for (i = 0; i < FLOOD; i++) {
		fds[i] = tcp_open(port);
	}
	for (i = 0; i < FLOOD; i++) {
		if (is_closed_within(fds[i], i == 0 ? 1500 : 50)) {
			close(fds[i]);
			fds[i] = -1;
			closed++;
		}
	}
	return closed;
}

static void
test_half_open_bounded(void)
{
	static const char *const limits[] = { "--max-connections", "8",
		"--auth-timeout", "3000", NULL };
	/* The first bytes of a ClientHello record, never finished. */
	static const unsigned char hello[] = { 0x16, 0x03, 0x01, 0x00, 0xc8,
		0x01, 0x00, 0x00 };
	pp_tnode n;
	certs    c;
	int      fds[FLOOD], i, closed, open_left, k;

	tls_gen_certs(&c, "halfopen", "127.0.0.1", NULL);
	/* Without a low limit, a flood of FLOOD is held (the control). */
	start_tls_node(&n, &c, NULL);
	closed = flood_closed(port_of(n.address), fds);
	PP_ASSERT_INT_EQ(closed, 0);
	for (i = 0; i < FLOOD; i++) {
		close(fds[i]);
	}
	pp_t_node_kill(&n, SIGTERM);
	PP_ASSERT_INT_EQ(pp_t_node_wait(&n, 10000), 0);

	/* With --max-connections 8, connections beyond 8 (+4 kept for the
	 * node's own listener probes) are closed at once... */
	start_tls_node(&n, &c, limits);
	closed = flood_closed(port_of(n.address), fds);
	pp_t_diag("%d of %d half-open connections closed at once", closed,
	    FLOOD);
	PP_ASSERT_INT_CMP(closed, >=, FLOOD - 12);
	/* ... and the rest, trickling a ClientHello, once their handshake
	 * outlives --auth-timeout. */
	for (k = 0; k < 40; k++) {
		open_left = 0;
		for (i = 0; i < FLOOD; i++) {
			if (fds[i] < 0) {
				continue;
			}
			if (send(fds[i], &hello[k % sizeof(hello)], 1,
			        MSG_NOSIGNAL) != 1 ||
			    is_closed_within(fds[i], 0)) {
				close(fds[i]);
				fds[i] = -1;
				continue;
			}
			open_left++;
		}
		if (open_left == 0) {
			break;
		}
		usleep(200 * 1000);
	}
	PP_ASSERT_INT_EQ(open_left, 0);
	pp_t_diag("slow handshakes dropped after %d trickled bytes", k);
	/* The flood took 1.5 s, so the 3 s deadline falls some 7 bytes of
	 * 200 ms later: not before it. */
	PP_ASSERT_INT_CMP(k, >=, 3);
	/* The node serves real clients once the flood is gone. */
	commit_one(n.address, &c);
	pp_t_node_kill(&n, SIGTERM);
	PP_ASSERT_INT_EQ(pp_t_node_wait(&n, 10000), 0);
}

static const pp_test_case cases[] = {
	PP_CASE("NNG runs tls+tcp on pipeproc's own TLS engine",
	    test_engine_in_use, 60),
	PP_CASE("a certificate naming the address only as an iPAddress is "
	    "accepted, one for another address is refused",
	    test_ip_san_only, 60),
	PP_CASE("half-open connections count toward --max-connections and "
	    "a handshake must end within --auth-timeout",
	    test_half_open_bounded, 60),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
