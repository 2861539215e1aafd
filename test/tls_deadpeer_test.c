/*
 * tls_deadpeer_test.c - a connection that goes silent without closing
 * (issue 14 item 4c): the node's host vanished, or a kill -9 whose reset
 * was lost, leaves the client's TCP pipe open and mute. A TCP relay
 * between client and node stands for the network: it freezes every
 * connection it carries (forwards nothing, closes nothing), while new
 * connections through it work. The client must notice that nothing
 * answers (a request times out with no reply since it was sent), dial
 * again and carry on, its commits applied exactly once.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "tls_util.h"

#define LINKS_MAX 64

typedef struct relay {
	int         lfd;
	unsigned    port, to_port;
	atomic_int  frozen_below; /* links numbered below this are mute */
	atomic_bool is_stopping;
	pthread_t   acceptor;
	pthread_t   links[LINKS_MAX];
	int         nlinks;
} relay;

typedef struct link {
	relay *r;
	int    a, b;
	int    number;
} link_t;

static void *
link_main(void *arg)
{
	link_t       *l = arg;
	struct pollfd p[2] = { { l->a, POLLIN, 0 }, { l->b, POLLIN, 0 } };
	char          buf[16384];
	ssize_t       n;
	int           i;

	while (!atomic_load(&l->r->is_stopping)) {
		if (l->number < atomic_load(&l->r->frozen_below)) {
			usleep(20000); /* mute, but open */
			continue;
		}
		if (poll(p, 2, 20) <= 0) {
			continue;
		}
		for (i = 0; i < 2; i++) {
			if (p[i].revents == 0) {
				continue;
			}
			n = read(p[i].fd, buf, sizeof(buf));
			if (n <= 0 || write(p[1 - i].fd, buf, (size_t) n) != n) {
				goto out;
			}
		}
	}
out:
	close(l->a);
	close(l->b);
	free(l);
	return NULL;
}

static int
tcp_to(unsigned port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
		.sin_port = htons((uint16_t) port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd >= 0 && connect(fd, (struct sockaddr *) &sa, sizeof(sa)) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void *
acceptor_main(void *arg)
{
	relay        *r = arg;
	struct pollfd p = { r->lfd, POLLIN, 0 };
	int           fd, to;

	while (!atomic_load(&r->is_stopping)) {
		if (poll(&p, 1, 20) <= 0 || (fd = accept(r->lfd, NULL, NULL)) < 0) {
			continue;
		}
		if ((to = tcp_to(r->to_port)) < 0 || r->nlinks == LINKS_MAX) {
			close(fd);
			if (to >= 0) {
				close(to);
			}
			continue;
		}
		link_t *l = calloc(1, sizeof(*l));

		*l = (link_t){ r, fd, to, r->nlinks };
		pthread_create(&r->links[r->nlinks++], NULL, link_main, l);
	}
	return NULL;
}

static void
relay_start(relay *r, unsigned to_port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t          len = sizeof(sa);

	memset(r, 0, sizeof(*r));
	r->to_port = to_port;
	r->lfd     = socket(AF_INET, SOCK_STREAM, 0);
	PP_ASSERT_TRUE(r->lfd >= 0);
	PP_ASSERT_INT_EQ(bind(r->lfd, (struct sockaddr *) &sa, sizeof(sa)), 0);
	PP_ASSERT_INT_EQ(listen(r->lfd, 16), 0);
	PP_ASSERT_INT_EQ(getsockname(r->lfd, (struct sockaddr *) &sa, &len), 0);
	r->port = ntohs(sa.sin_port);
	pthread_create(&r->acceptor, NULL, acceptor_main, r);
}

static void
relay_stop(relay *r)
{
	int i;

	atomic_store(&r->is_stopping, true);
	pthread_join(r->acceptor, NULL);
	for (i = 0; i < r->nlinks; i++) {
		pthread_join(r->links[i], NULL);
	}
	close(r->lfd);
}

static void
test_silent_pipe(void)
{
	pp_connect_opts o;
	pp_tnode        n;
	pp_client      *c;
	pp_record       rec = { .topic = "t", .body = "b", .len = 1 };
	pp_id           id;
	certs           ce;
	relay           r;
	char            address[64];
	uint64_t        count = 0;
	int             tries, rv;

	tls_gen_certs(&ce, "deadpeer", "127.0.0.1", NULL);
	start_tls_node(&n, &ce, NULL);
	relay_start(&r, (unsigned) strtoul(strrchr(n.address, ':') + 1, NULL,
	                    10));
	snprintf(address, sizeof(address), "tls+tcp://127.0.0.1:%u", r.port);
	o                    = tls_opts(ce.ca, ce.cert, ce.key);
	o.request_timeout_ms = (uint32_t) pp_t_scaled(1500);
	PP_PASS(pp_connect(address, &o, &c));
	PP_PASS(pp_commit(c, &rec, 1, &id));

	/* The network goes mute under the open connection. */
	atomic_store(&r.frozen_below, r.nlinks);
	for (tries = 1; tries <= 6; tries++) {
		if ((rv = pp_commit(c, &rec, 1, &id)) == 0) {
			break;
		}
		PP_ASSERT_INT_EQ(rv, PP_ETIMEDOUT);
	}
	pp_t_diag("a commit succeeded on try %d after the pipe went mute",
	    tries);
	PP_ASSERT_INT_CMP(tries, <=, 3);
	PP_ASSERT_INT_CMP(r.nlinks, >=, 2); /* it dialed again */
	pp_close(c);
	relay_stop(&r);

	/* Every acknowledged commit is there once; a timed-out one may be
	 * there too (its fate was unknown), never twice. */
	PP_PASS(pp_connect(n.address, &o, &c));
	PP_PASS(pp_length(c, "t", &count));
	PP_ASSERT_U64_CMP(count, >=, 2);
	PP_ASSERT_U64_CMP(count, <=, (uint64_t) tries + 1);
	pp_close(c);
	pp_t_node_kill(&n, SIGTERM);
	PP_ASSERT_INT_EQ(pp_t_node_wait(&n, 10000), 0);
}

static const pp_test_case cases[] = {
	PP_CASE("a client whose connection goes silent without closing dials "
	    "again and carries on",
	    test_silent_pipe, 90),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
