/*
 * proc_conn_test.c - claims and procs that belong to a connection
 * (issue 14 item 7): a claim still queued in the node when its
 * connection closes is not served (it would hold logs nobody receives
 * until its reclaim timeout); a liveProc's proc goes when its client dies
 * (it would pin GC for good), but not when the node restarts under a
 * live client.
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

/* ---- procs of connections ---------------------------------------------- */

static const char *const grace_args[] = { "--ephemeral-grace", "300",
	"--workers", "0", NULL };
/* Long enough for a live client to notice a restart and redial, even on
 * a loaded machine. */
static const char *const restart_args[] = { "--ephemeral-grace", "2000",
	"--workers", "0", NULL };

static int
on_live(pp_live *live, const pp_claim *claim, int status, void *arg)
{
	(void) claim;
	(void) arg;
	if (status == 0) {
		pp_live_ack(live);
		__atomic_add_fetch((int *) arg, 1, __ATOMIC_SEQ_CST);
	}
	return 0;
}

/* A client process: reads the address, opens a liveProc on "t", writes
 * its proc name, then waits to be killed. */
static int
live_main(void *arg, int in_fd, int out_fd)
{
	pp_client *c;
	pp_live   *lp = NULL;
	char       addr[PP_T_PATH], line[300];
	int        seen = 0;

	(void) arg;
	if (pp_t_read_line(in_fd, addr, sizeof(addr), 30000) < 0 ||
	    pp_connect(addr, NULL, &c) != 0 ||
	    pp_live_proc(c, "t", NULL, on_live, &seen, &lp) != 0) {
		return 1;
	}
	snprintf(line, sizeof(line), "%s\n", pp_live_proc_name(lp));
	pp_t_write_all(out_fd, line, strlen(line));
	pp_t_read_line(in_fd, line, sizeof(line), 60000);
	return 0;
}

static bool
proc_exists(pp_client *c, const char *name)
{
	pp_proc_list *l = NULL;
	int           rv = pp_proc_inspect(c, name, &l);

	pp_proc_list_free(l);
	if (rv != 0 && rv != PP_ENOPROC) {
		PP_FAIL_AT("pp_proc_inspect: %s", pp_strerror(rv));
	}
	return rv == 0;
}

static void
test_live_proc_goes_with_its_client(void)
{
	pp_t_child kid;
	pp_tnode   n;
	pp_client *c;
	pp_claim  *cl = NULL;
	char       name[300], line[PP_T_PATH + 2];

	pp_t_child_fork(&kid, live_main, NULL);
	pp_t_node_init(&n);
	if (pp_t_node_exec(&n, grace_args) != 0) {
		PP_FAIL_AT("node did not start");
	}
	snprintf(line, sizeof(line), "%s\n", n.address);
	pp_t_write_all(kid.to_fd, line, strlen(line));
	if (pp_t_read_line(kid.from_fd, name, sizeof(name), 30000) < 0) {
		PP_FAIL_AT("the client did not open its liveProc");
	}
	c = pp_t_connect(n.address);
	PP_ASSERT_TRUE(proc_exists(c, name));
	/* A plain proc of another client is not touched. */
	PP_PASS(pp_proc(c, "t", "plain", NULL, 0, &cl));
	pp_claim_free(cl);
	kill(kid.pid, SIGKILL);
	PP_ASSERT_INT_CMP(pp_t_child_wait(&kid, 10000), !=, -1);
	PP_WAIT_UNTIL(!proc_exists(c, name), 10000);
	PP_ASSERT_TRUE(proc_exists(c, "plain"));
	pp_close(c);
	pp_t_node_kill(&n, SIGKILL);
}

static void
test_live_proc_survives_node_restart(void)
{
	pp_tnode   n;
	pp_client *c;
	pp_live   *lp = NULL;
	uint64_t   until;
	char       name[300];
	int        seen = 0;

	pp_t_node_init(&n);
	if (pp_t_node_exec(&n, restart_args) != 0) {
		PP_FAIL_AT("node did not start");
	}
	c = pp_t_connect(n.address);
	PP_PASS(pp_live_proc(c, "t", NULL, on_live, &seen, &lp));
	snprintf(name, sizeof(name), "%s", pp_live_proc_name(lp));
	pp_t_commit_str(c, "t", "before");
	PP_WAIT_UNTIL(__atomic_load_n(&seen, __ATOMIC_SEQ_CST) == 1, 10000);
	pp_t_node_kill(&n, SIGKILL);
	if (pp_t_node_exec(&n, restart_args) != 0) {
		PP_FAIL_AT("node did not restart");
	}
	/* The live client reconnects and claims again within the grace
	 * period, so its proc stays, well past that period. */
	pp_t_commit_str(c, "t", "after");
	PP_WAIT_UNTIL(__atomic_load_n(&seen, __ATOMIC_SEQ_CST) == 2, 10000);
	until = pp_t_mono_ms() + 2500;
	PP_WAIT_UNTIL(pp_t_mono_ms() >= until, 5000);
	PP_ASSERT_TRUE(proc_exists(c, name));
	pp_t_commit_str(c, "t", "later");
	PP_WAIT_UNTIL(__atomic_load_n(&seen, __ATOMIC_SEQ_CST) == 3, 10000);
	PP_PASS(pp_live_proc_cancel(lp));
	pp_live_proc_free(lp);
	PP_ASSERT_TRUE(!proc_exists(c, name));
	pp_close(c);
	pp_t_node_kill(&n, SIGKILL);
}

static const pp_test_case cases[] = {
	PP_CASE("a liveProc's proc goes when its client is killed",
	    test_live_proc_goes_with_its_client, 0),
	PP_CASE("a liveProc's proc stays when the node restarts under it",
	    test_live_proc_survives_node_restart, 0),
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
