/*
 * wire_connect_test.c - connections at the edges (DESIGN §5): short and
 * silent connections to a node leave it serving, and fake listeners check
 * how pp_connect handles silent, foreign-version and garbage-speaking
 * peers.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <msgpack.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

#include "harness.h"
#include "frame_util.h"

/* ---- connections ----------------------------------------------------------------- */

static int
unix_connect(const char *path)
{
	struct sockaddr_un sa;
	int                fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	PP_ASSERT_TRUE(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		PP_FAIL_AT("connect %s: %s", path, strerror(errno));
	}
	return (fd);
}

static void
test_short_connections(void)
{
	fixture    fx;
	pp_client *c;
	int        i, fd;

	fx_begin(&fx, 0);
	/* Peers that connect and leave without a word (port scanners,
	 * liveness probes of a second node) must not stop the listener. */
	for (i = 0; i < 20; i++) {
		close(unix_connect(fx.n.sock));
	}
	fd = unix_connect(fx.n.sock);
	pp_t_write_all(fd, "\0SP\0\0\x30\0\0", 8);
	close(fd);
	c = pp_t_connect(fx.n.address);
	PP_ASSERT_U64_EQ(pp_t_length(c, "base"), 3);
	pp_close(c);
	fx_end(&fx);
}

static void
test_silent_connection(void)
{
	fixture    fx;
	pp_client *c;
	int        fd;

	fx_begin(&fx, 0);
	/* A peer that connects and never speaks does not block others. */
	fd = unix_connect(fx.n.sock);
	c  = pp_t_connect(fx.n.address);
	PP_ASSERT_U64_EQ(pp_t_length(c, "base"), 3);
	pp_close(c);
	close(fd);
	fx_end(&fx);
}

/* ---- fake nodes for pp_connect ----------------------------------------------------- */

typedef struct fake {
	nng_socket    sock;
	pthread_t     thread;
	atomic_bool   is_stopping;
	const void   *answer; /* NULL: never answer */
	size_t        answer_len;
	char          address[PP_T_PATH];
} fake;

static void *
fake_main(void *p)
{
	fake  *fk = p;
	void  *buf;
	size_t len;

	while (!atomic_load(&fk->is_stopping)) {
		if (nng_recv(fk->sock, &buf, &len, NNG_FLAG_ALLOC) != 0) {
			continue;
		}
		nng_free(buf, len);
		nng_send(fk->sock, (void *)fk->answer, fk->answer_len, 0);
	}
	return (NULL);
}

static void
fake_start(fake *fk, const void *answer, size_t len)
{
	int rv;

	memset(fk, 0, sizeof(*fk));
	pp_t_format(fk->address, sizeof(fk->address), "ipc://%s/fake",
	    pp_t_root());
	fk->answer     = answer;
	fk->answer_len = len;
	if ((rv = nng_rep0_open(&fk->sock)) != 0 ||
	    (rv = nng_listen(fk->sock, fk->address, NULL, 0)) != 0) {
		PP_FAIL_AT("fake listener: %s", nng_strerror(rv));
	}
	nng_socket_set_ms(fk->sock, NNG_OPT_RECVTIMEO, 50);
	if (answer != NULL) {
		pthread_create(&fk->thread, NULL, fake_main, fk);
	}
}

static void
fake_stop(fake *fk)
{
	atomic_store(&fk->is_stopping, true);
	if (fk->answer != NULL) {
		pthread_join(fk->thread, NULL);
	}
	nng_close(fk->sock);
}

static void
test_connect_silent_peer(void)
{
	fake            fk;
	pp_connect_opts o;
	pp_client      *c = NULL;
	uint64_t        start;

	fake_start(&fk, NULL, 0);
	memset(&o, 0, sizeof(o));
	o.timeout_ms = 300;
	start        = pp_t_mono_ms();
	PP_FAIL(pp_connect(fk.address, &o, &c), PP_ETIMEDOUT);
	PP_ASSERT_U64_CMP(pp_t_mono_ms() - start, >=, 250);
	PP_ASSERT_U64_CMP(pp_t_mono_ms() - start, <, 5000);
	PP_ASSERT_TRUE(c == NULL);
	fake_stop(&fk);
}

static void
expect_connect(const frame *answer, int want)
{
	fake            fk;
	pp_connect_opts o;
	pp_client      *c = NULL;
	int             rv;

	fake_start(&fk, answer->sb.data, answer->sb.size);
	memset(&o, 0, sizeof(o));
	o.timeout_ms = 3000;
	rv           = pp_connect(fk.address, &o, &c);
	if (rv != want) {
		PP_FAIL_AT("pp_connect to a fake node: %d %s, expected %s", rv,
		    pp_errname(rv), pp_errname(want));
	}
	PP_ASSERT_TRUE(c == NULL);
	fake_stop(&fk);
}

static void
test_connect_other_version(void)
{
	frame f;

	/* A node of version 2 refuses our hello. */
	f_init(&f);
	f_map(&f, 3);
	f_kv_int(&f, "st", PP_EVERSION);
	f_kv_str(&f, "msg", "protocol version mismatch");
	f_kv_uint(&f, "v", 2);
	expect_connect(&f, PP_EVERSION);
	f_free(&f);
	/* A node that answers the hello but speaks version 2. */
	f_init(&f);
	f_map(&f, 5);
	f_kv_int(&f, "st", 0);
	f_kv_uint(&f, "v", 2);
	f_kv_str(&f, "node", "9.9.9");
	f_kv_uint(&f, "max_body", 1024);
	f_kv_uint(&f, "pid", 1);
	expect_connect(&f, PP_EVERSION);
	f_free(&f);
}

static void
test_connect_garbage_peer(void)
{
	frame f;

	f_init(&f);
	f_raw(&f, "\xc1\xc1junk", 6);
	expect_connect(&f, PP_EPROTO);
	f_free(&f);
	f_init(&f);
	f_array(&f, 0);
	expect_connect(&f, PP_EPROTO);
	f_free(&f);
}

static const pp_test_case cases[] = {
	PP_CASE("connections that close at once do not stop the listener",
	    test_short_connections, 0),
	PP_CASE("a connection that never speaks does not block others",
	    test_silent_connection, 0),
	PP_CASE("pp_connect to a peer that never answers is PP_ETIMEDOUT",
	    test_connect_silent_peer, 0),
	PP_CASE("pp_connect to a node of another version is PP_EVERSION",
	    test_connect_other_version, 0),
	PP_CASE("pp_connect to a peer that answers garbage is PP_EPROTO",
	    test_connect_garbage_peer, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
