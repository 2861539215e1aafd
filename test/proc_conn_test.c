/*
 * proc_conn_test.c - claims and procs that belong to a connection
 * (issue 14 item 7): a claim still queued in the node when its
 * connection closes is not served (it would hold logs nobody receives
 * until its reclaim timeout).
 *
 * The connection here is a bare Unix socket that speaks NNG's ipc
 * framing itself, so the test decides exactly what the node receives and
 * when the connection ends: two large commits first (the writer takes the
 * first alone and is busy with it for tens of milliseconds: 24 MiB copied
 * into LMDB and synced), then a claim behind them on the same connection,
 * then the hang-up. The claim is queued while the writer works and the
 * hang-up arrives before the writer takes it.
 */
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "frame_util.h"
#include "harness.h"

#define BIG_LOGS 6
#define BIG_LOG_BYTES (4u << 20)

/* ---- a bare SP req connection over ipc ---------------------------------- */

static void
write_all(int fd, const void *p, size_t n)
{
	const unsigned char *b = p;
	ssize_t              w;

	while (n > 0) {
		if ((w = write(fd, b, n)) < 0) {
			PP_FAIL_AT("write: %s", strerror(errno));
		}
		b += w;
		n -= (size_t) w;
	}
}

/* Connects to the node's socket and says "req0" (SP header). */
static int
sp_connect(const char *path)
{
	static const unsigned char hello[8] = { 0, 'S', 'P', 0, 0, 0x30, 0, 0 };
	struct sockaddr_un         sa;
	unsigned char              peer[8];
	int                        fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		PP_FAIL_AT("socket path too long: %s", path);
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
		PP_FAIL_AT("connect %s: %s", path, strerror(errno));
	}
	write_all(fd, hello, sizeof(hello));
	if (read(fd, peer, sizeof(peer)) != (ssize_t) sizeof(peer) ||
	    peer[5] != 0x31) {
		PP_FAIL_AT("no rep0 SP header from the node");
	}
	return fd;
}

/* One request: ipc message (type 1, u64 length) of a req header (the
 * request id, high bit set) and the frame. */
static void
sp_send(int fd, uint32_t id, const frame *f)
{
	unsigned char hdr[13];
	uint64_t      len = 4 + f->sb.size;
	int           i;

	hdr[0] = 1;
	for (i = 0; i < 8; i++) {
		hdr[1 + i] = (unsigned char) (len >> (56 - 8 * i));
	}
	id |= 0x80000000u;
	hdr[9]  = (unsigned char) (id >> 24);
	hdr[10] = (unsigned char) (id >> 16);
	hdr[11] = (unsigned char) (id >> 8);
	hdr[12] = (unsigned char) id;
	write_all(fd, hdr, sizeof(hdr));
	write_all(fd, f->sb.data, f->sb.size);
}

/* ---- cases ------------------------------------------------------------------ */

/* A claim of one log of "base" for proc `name`, no dedupe lane. */
static void
f_claim(frame *f, const char *name)
{
	f_init(f);
	f_head(f, 9, "proc");
	f_kv_str(f, "topic", "base");
	f_kv_str(f, "name", name);
	f_kv_uint(f, "count", 1);
	f_kv_int(f, "max_reclaims", 10);
	f_kv_int(f, "reclaim_timeout", 10000); /* PP_PROC_OPTS_INIT */
	f_kv_uint(f, "on_max", 0);
	f_kv_int(f, "wait", 0);
}

/* Commit rid of BIG_LOGS logs of BIG_LOG_BYTES to "big". */
static void
f_big_commit(frame *f, uint64_t rid, const void *body)
{
	size_t i;

	f_init(f);
	f_commit_head(f, 0x0b16c0ffee000001ULL, rid);
	f_array(f, 1);
	f_array(f, BIG_LOGS);
	for (i = 0; i < BIG_LOGS; i++) {
		f_array(f, 2);
		f_str(f, "big");
		f_bin(f, body, BIG_LOG_BYTES);
	}
}

static void
test_queued_claim_of_closed_connection(void)
{
	pp_proc_list *l = NULL;
	pp_claim     *cl = NULL;
	fixture       fx;
	frame         big[2], claim;
	char         *body;
	uint64_t      n = 0;
	int           fd;

	fx_begin(&fx, 0);
	/* The proc exists and is idle; a served claim would show. */
	PP_PASS(pp_proc(fx.n.client, "base", "p", NULL, 0, &cl));
	PP_PASS(pp_ack(fx.n.client, "p", pp_claim_token(cl), NULL));
	pp_claim_free(cl);
	if ((body = calloc(1, BIG_LOG_BYTES)) == NULL) {
		PP_FAIL_AT("out of memory");
	}
	f_big_commit(&big[0], 0, body);
	f_big_commit(&big[1], 1, body);
	f_claim(&claim, "p");
	fd = sp_connect(fx.n.sock);
	sp_send(fd, 1, &big[0]);
	sp_send(fd, 2, &big[1]);
	sp_send(fd, 3, &claim);
	close(fd);
	f_free(&big[0]);
	f_free(&big[1]);
	f_free(&claim);
	free(body);
	/* The commits are applied (they were sent before the hang-up). */
	PP_WAIT_UNTIL(
	    pp_length(fx.n.client, "big", &n) == 0 && n == 2 * BIG_LOGS, 20000);
	/* Anything queued with it has been dealt with once a later write
	 * is answered. */
	pp_t_commit_str(fx.n.client, "other", "x");
	PP_PASS(pp_proc_inspect(fx.n.client, "p", &l));
	PP_ASSERT_TRUE(!pp_proc_list_get(l, 0)->has_claim);
	pp_proc_list_free(l);
	/* So the next consumer gets log 1 at once. */
	PP_PASS(pp_proc(fx.n.client, "base", "p", NULL, 0, &cl));
	PP_ASSERT_U64_EQ(pp_claim_count(cl), 1);
	PP_ASSERT_U64_EQ(pp_claim_log(cl, 0)->id.seq, 1);
	pp_claim_free(cl);
	fx_end(&fx);
}

static const pp_test_case cases[] = {
	PP_CASE("a claim still queued when its connection closes is not "
	        "served",
	    test_queued_claim_of_closed_connection, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
