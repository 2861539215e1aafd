/*
 * source_compat_test.c - sources' lag against a node older than it
 * (issue 12 item 3; DESIGN §5 "stats"): a proxy in front of a real node
 * answers the stats "sources" part as such a node does (PP_EPROTO, "'part'
 * must be node, topics or procs") and passes everything else on. pp_stats
 * then reports no sources and everything else, pp_sources says
 * PP_EPROTO, and `pipeproc procs` prints the procs and succeeds.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

#include "harness.h"
#include "wire.h"
#include "wire_stats.h"

typedef struct proxy {
	nng_socket  rep; /* where the client connects */
	nng_socket  req; /* to the real node */
	pthread_t   thread;
	atomic_bool is_stopping;
	atomic_int  refused; /* sources parts answered as an old node */
	char        address[PP_T_PATH];
} proxy;

/* True for a stats request of the "sources" part. */
static bool
is_sources_part(const void *buf, size_t len)
{
	ppi_request req;
	char        msg[128];
	bool        is;

	is = ppi_wire_request_decode(buf, len, &req, msg, sizeof(msg)) == 0 &&
	    req.op == PPI_OP_STATS && req.part == PPI_STATS_SOURCES;
	ppi_wire_request_fini(&req);
	return is;
}

static void *
proxy_main(void *p)
{
	proxy  *px = p;
	ppi_buf b;
	void   *buf, *ans;
	size_t  len, alen;

	while (!atomic_load(&px->is_stopping)) {
		if (nng_recv(px->rep, &buf, &len, NNG_FLAG_ALLOC) != 0) {
			continue;
		}
		if (is_sources_part(buf, len)) {
			atomic_fetch_add(&px->refused, 1);
			ppi_buf_init(&b);
			ppi_wire_reply_error(&b, PP_EPROTO,
			    "stats: 'part' must be node, topics or procs");
			nng_send(px->rep, b.data, b.len, 0);
			ppi_buf_fini(&b);
			nng_free(buf, len);
			continue;
		}
		if (nng_send(px->req, buf, len, NNG_FLAG_ALLOC) != 0) {
			nng_free(buf, len);
			continue;
		}
		if (nng_recv(px->req, &ans, &alen, NNG_FLAG_ALLOC) == 0) {
			nng_send(px->rep, ans, alen, NNG_FLAG_ALLOC);
		}
	}
	return (NULL);
}

static void
proxy_start(proxy *px, const char *node_address)
{
	int rv;

	memset(px, 0, sizeof(*px));
	pp_t_format(px->address, sizeof(px->address), "ipc://%s/old",
	    pp_t_root());
	if ((rv = nng_rep0_open(&px->rep)) != 0 ||
	    (rv = nng_listen(px->rep, px->address, NULL, 0)) != 0 ||
	    (rv = nng_req0_open(&px->req)) != 0 ||
	    (rv = nng_dial(px->req, node_address, NULL, 0)) != 0) {
		PP_FAIL_AT("proxy: %s", nng_strerror(rv));
	}
	nng_socket_set_ms(px->rep, NNG_OPT_RECVTIMEO, 50);
	nng_socket_set_ms(px->req, NNG_OPT_RECVTIMEO, pp_t_scaled(20000));
	pthread_create(&px->thread, NULL, proxy_main, px);
}

static void
proxy_stop(proxy *px)
{
	atomic_store(&px->is_stopping, true);
	pthread_join(px->thread, NULL);
	nng_close(px->rep);
	nng_close(px->req);
}

static void
test_old_node(pp_tnode *n)
{
	pp_proc_opts     o = PP_PROC_OPTS_INIT;
	pp_claim        *cl;
	pp_stats_report *r;
	pp_source_list  *l = NULL;
	pp_client       *c;
	proxy            px;
	char             cmd[2 * PP_T_PATH + 64], line[256], *json;
	FILE            *f;

	pp_t_commit_str(n->client, "t", "x");
	PP_PASS(pp_proc(n->client, "t", "p", &o, 0, &cl));
	pp_claim_free(cl);
	proxy_start(&px, n->address);
	c = pp_t_connect(px.address);

	PP_PASS(pp_stats(c, &r));
	PP_ASSERT_INT_EQ(pp_stats_source_count(r), 0);
	PP_ASSERT_INT_EQ(pp_stats_topic_count(r), 1);
	PP_ASSERT_INT_EQ(pp_stats_proc_count(r), 1);
	PP_ASSERT_STR_EQ(pp_stats_proc(r, 0)->name, "p");
	PP_PASS(pp_stats_json(r, &json));
	PP_ASSERT_TRUE(strstr(json, ",\"sources\":[]}") != NULL);
	free(json);
	pp_stats_free(r);
	PP_ASSERT_INT_EQ(atomic_load(&px.refused), 1);

	PP_FAIL(pp_sources(c, &l), PP_EPROTO);
	PP_ASSERT_TRUE(l == NULL);
	PP_ASSERT_TRUE(strstr(pp_client_errmsg(c), "'part' must be") != NULL);
	PP_ASSERT_INT_EQ(atomic_load(&px.refused), 2);
	pp_close(c);

	/* The CLI lists the procs and no sources, and succeeds. */
	pp_t_format(cmd, sizeof(cmd), "'%s' -a '%s' procs",
	    getenv("PIPEPROC_CLI") != NULL ? getenv("PIPEPROC_CLI")
	                                   : "build/bin/pipeproc",
	    px.address);
	PP_ASSERT_TRUE((f = popen(cmd, "r")) != NULL);
	PP_ASSERT_TRUE(fgets(line, sizeof(line), f) != NULL);
	PP_ASSERT_TRUE(strncmp(line, "p\tt\tactive\t", 11) == 0);
	PP_ASSERT_TRUE(fgets(line, sizeof(line), f) == NULL);
	PP_ASSERT_INT_EQ(pclose(f), 0);
	PP_ASSERT_INT_EQ(atomic_load(&px.refused), 3);
	proxy_stop(&px);
}

static const pp_test_case cases[] = {
	PP_NODE_CASE("against a node older than source reports, pp_stats "
	    "gives no sources and the rest, pp_sources PP_EPROTO, and "
	    "pipeproc procs the procs",
	    test_old_node, 60),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
