/*
 * client.c - the client handle: connect (dial + version handshake),
 * requests (sent again when the connection drops), and the per-thread
 * error detail. Shutdown and close are in close.c, above the commit
 * queue.
 *
 * Design notes: a client holds one NNG socket; every request opens its
 * own context (transport_pool.c), so the handle needs no lock of its own. The
 * only mutable state after connect is `is_closed` and the commit queue,
 * both guarded in commit.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "address.h"
#include "client.h"
#include "loopback.h"
#include "tls.h"
#include "token.h"
#include "user.h"
#include "wire.h"

/* The detail of the last failure, per thread (pp_client_errmsg). */
static __thread const pp_client *err_client;
static __thread char             err_msg[PPI_ERRMSG_MAX];
static __thread char             last_errmsg[PPI_ERRMSG_MAX];

int
ppi_client_fail(const pp_client *client, int rv, const char *fmt, ...)
{
	va_list ap;

	err_client = client;
	va_start(ap, fmt);
	vsnprintf(err_msg, sizeof(err_msg), fmt, ap);
	va_end(ap);
	return rv;
}

void
ppi_set_last_errmsg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_errmsg, sizeof(last_errmsg), fmt, ap);
	va_end(ap);
}

const char *
pp_client_errmsg(const pp_client *client)
{
	return client != NULL && client == err_client ? err_msg : "";
}

const char *
pp_last_errmsg(void)
{
	return last_errmsg;
}

uint64_t
pp_client_max_body(const pp_client *client)
{
	return client != NULL ? client->max_body : 0;
}

uint64_t
pp_client_max_request(const pp_client *client)
{
	return client != NULL ? PPI_REQUEST_MAX(client->max_body) : 0;
}

int
ppi_client_begin(pp_client *c, const ppi_buf *req, ppi_call **call)
{
	if (req->is_failed) {
		return PP_ENOMEM;
	}
	if (__atomic_load_n(&c->is_closed, __ATOMIC_ACQUIRE)) {
		return PP_ECLOSED;
	}
	return ppi_transport_begin(c->transport, req->data, req->len,
	    c->request_timeout_ms, call);
}

/* How long a request is retried while its connection is being redialed. */
#define REDIAL_RETRY_MS 3000

/*
 * Every request is safe to send again: reads change nothing, commits are
 * applied once per (cid, rid), and a claim whose reply was lost is
 * released by the node's reclaim timer (docs/DESIGN.md §5, §10). So when
 * the connection drops under a request (the node restarted, or restarted
 * its listener), it is sent again. Each attempt has the request's whole
 * timeout, and waits in NNG for the socket to redial, so a node that
 * restarts within that timeout is waited for; the 3 s only bound a run of
 * attempts that fail at once.
 */
static int
call_retrying(ppi_transport *t, const ppi_buf *req, uint32_t timeout_ms,
    ppi_frame *reply)
{
	struct timespec nap = { 0, 10 * 1000 * 1000 };
	uint32_t        waited_ms = 0;
	int             rv;

	for (;;) {
		rv = ppi_transport_call(t, req->data, req->len, timeout_ms, reply);
		if (rv != PP_ECONNREFUSED || waited_ms >= REDIAL_RETRY_MS) {
			return rv;
		}
		nanosleep(&nap, NULL);
		waited_ms += 10;
	}
}

int
ppi_client_call(pp_client *c, const ppi_buf *req, ppi_frame *reply)
{
	return ppi_client_call_wait(c, req, 0, reply);
}

int
ppi_client_call_wait(
    pp_client *c, const ppi_buf *req, int wait_ms, ppi_frame *reply)
{
	uint32_t timeout_ms = c->request_timeout_ms;

	if (req->is_failed) {
		return PP_ENOMEM;
	}
	if (__atomic_load_n(&c->is_closed, __ATOMIC_ACQUIRE)) {
		return PP_ECLOSED;
	}
	/* The node answers a waiting request when its wait ends; the
	 * request timeout counts from then. */
	if (wait_ms < 0) {
		timeout_ms = UINT32_MAX / 2;
	} else if (wait_ms > 0) {
		timeout_ms += (uint32_t) wait_ms;
	}
	return call_retrying(c->transport, req, timeout_ms, reply);
}

static uint64_t
random_cid(void)
{
	uint64_t        v = 0;
	struct timespec ts;

	if (getrandom(&v, sizeof(v), 0) != (ssize_t) sizeof(v) || v == 0) {
		/* No entropy: time and pid still make collisions unlikely. */
		clock_gettime(CLOCK_REALTIME, &ts);
		v = ((uint64_t) ts.tv_nsec << 32) ^ (uint64_t) ts.tv_sec ^
		    ((uint64_t) getpid() << 16) ^ 1;
	}
	return v;
}

/* Checks that the options fit the address; loads the token. */
static int
check_opts(const ppi_addr *a, const pp_connect_opts *o, ppi_token *tok,
    char *msg, size_t msglen)
{
	bool has_tls = o->tls_ca_file != NULL || o->tls_cert_file != NULL ||
	    o->tls_key_file != NULL;
	int  rv;

	if (a->kind == PPI_ADDR_TLS &&
	    (o->tls_ca_file == NULL || o->tls_cert_file == NULL ||
	        o->tls_key_file == NULL)) {
		snprintf(msg, msglen, "tls+tcp:// needs a CA file, a "
		    "certificate file and a key file");
		return PP_EINVAL;
	}
	if (a->kind != PPI_ADDR_TLS && has_tls) {
		snprintf(msg, msglen, "TLS files are for tls+tcp:// addresses "
		    "only");
		return PP_EINVAL;
	}
	/* On loopback, a token our node left is all it takes (loopback.h). */
	if (a->kind == PPI_ADDR_TCP && !o->is_insecure_tcp &&
	    !ppi_loopback_is(a)) {
		snprintf(msg, msglen, "plain tcp:// sends everything in clear; "
		    "use tls+tcp://, or allow it with is_insecure_tcp "
		    "(--insecure-tcp)");
		return PP_EINVAL;
	}
	if (o->token_file != NULL) {
		rv = ppi_token_read_file(tok, o->token_file, msg, msglen);
	} else if (o->token != NULL) {
		rv = ppi_token_set(tok, o->token, strlen(o->token), msg, msglen);
	} else if (ppi_loopback_is(a)) {
		/* None there: dial without; a node then says PP_EAUTH. */
		rv = ppi_loopback_token_load(a, tok, msg, msglen);
		return rv;
	} else {
		rv = 0;
	}
	if (rv == 0 && a->kind == PPI_ADDR_TCP && tok->len == 0) {
		snprintf(msg, msglen, "plain tcp:// needs an access token");
		rv = PP_EINVAL;
	}
	return rv;
}

/* The number of the client's connection now (local.h). */
static uint64_t
client_link(void *arg)
{
	return ppi_transport_link(((pp_client *) arg)->transport);
}

/*
 * A node on this host names its store in the hello; reads will try it
 * (local.c). Nothing is opened here, so a client that never reads never
 * touches the store, and any failure just leaves reads to the node.
 */
static void
local_from_hello(pp_client *c, const ppi_frame *reply)
{
	char dir[4096], node_id[33];

	if (ppi_wire_decode_hello_store(reply->data, reply->len, dir,
	        sizeof(dir), node_id, sizeof(node_id))) {
		c->local = ppi_local_alloc(dir, node_id, client_link, c);
	}
}

int
ppi_client_connect(const char *address, const pp_connect_opts *o,
    pp_client **client, char *msg, size_t msglen)
{
	ppi_transport_opts to;
	ppi_tls_pem        pem;
	ppi_token          tok;
	ppi_addr           a;
	pp_client         *c;
	ppi_buf            req;
	ppi_frame          reply = { NULL, 0, NULL };
	uint64_t           version;
	uint32_t           timeout_ms;
	int                rv;

	memset(&pem, 0, sizeof(pem));
	memset(&tok, 0, sizeof(tok));
	if ((rv = ppi_address_parse(address, &a)) != 0) {
		snprintf(msg, msglen, "invalid address '%s' (expected "
		    "ipc://PATH, tls+tcp://HOST:PORT or tcp://HOST:PORT)",
		    address);
		return rv;
	}
	timeout_ms = o->timeout_ms != 0 ? o->timeout_ms
	                                : PPI_DEFAULT_CONNECT_TIMEOUT_MS;
	/* A default socket's directory must be ours alone (issue 14). */
	if (a.kind == PPI_ADDR_IPC &&
	    (rv = ppi_user_rundir_guard(a.path, false, msg, msglen)) != 0) {
		return rv;
	}
	if ((rv = check_opts(&a, o, &tok, msg, msglen)) != 0 ||
	    (a.kind == PPI_ADDR_TLS &&
	        (rv = ppi_tls_load(o->tls_ca_file, o->tls_cert_file,
	             o->tls_key_file, false, &pem, msg, msglen)) != 0)) {
		ppi_tls_pem_fini(&pem);
		ppi_token_wipe(&tok);
		return rv;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->address = strdup(address)) == NULL ||
	    ppi_lane_alloc(&c->lane) != 0) {
		if (c != NULL) {
			free(c->address);
		}
		free(c);
		ppi_tls_pem_fini(&pem);
		ppi_token_wipe(&tok);
		return PP_ENOMEM;
	}
	c->request_timeout_ms = o->request_timeout_ms != 0
	    ? o->request_timeout_ms
	    : PPI_DEFAULT_REQUEST_TIMEOUT_MS;
	c->cid         = random_cid();
	c->lifeline_fd = -1;
	to.pem         = a.kind == PPI_ADDR_TLS ? &pem : NULL;
	to.token       = &tok;
	to.timeout_ms  = timeout_ms;
	to.is_root_node_allowed = o->is_root_node_allowed;
	rv = ppi_transport_open(address, &to, &c->transport, msg, msglen);
	/* NNG keeps its own copies of the material. */
	ppi_tls_pem_fini(&pem);
	if (rv != 0) {
		ppi_token_wipe(&tok);
		goto fail;
	}
	ppi_buf_init(&req);
	ppi_wire_hello(&req);
	rv = req.is_failed ? PP_ENOMEM
	                   : call_retrying(c->transport, &req, timeout_ms,
	                         &reply);
	ppi_buf_fini(&req);
	if (rv != 0) {
		snprintf(msg, msglen, "no handshake reply from %s: %s",
		    address, pp_strerror(rv));
		ppi_token_wipe(&tok);
		goto fail;
	}
	rv = ppi_wire_decode_hello(
	    reply.data, reply.len, &version, &c->max_body, msg, msglen);
	if (rv == 0 && a.kind == PPI_ADDR_IPC && !o->is_local_reads_off) {
		local_from_hello(c, &reply);
	}
	ppi_frame_free(&reply);
	if (rv == PP_EAUTH) {
		snprintf(msg, msglen, "%s: %s%s", address,
		    tok.len == 0 ? "the node requires an access token"
		                 : "the node refused our access token",
		    ppi_loopback_is(&a) && o->token == NULL &&
		            o->token_file == NULL
		        ? " (a loopback node leaves one only for its own "
		          "user)"
		        : "");
	}
	ppi_token_wipe(&tok);
	if (rv == 0 && version != PPI_WIRE_VERSION) {
		snprintf(msg, msglen, "node speaks protocol %llu, we speak %d",
		    (unsigned long long) version, PPI_WIRE_VERSION);
		rv = PP_EVERSION;
	}
	if (rv != 0) {
		goto fail;
	}
	*client = c;
	return 0;
fail:
	ppi_transport_close(c->transport);
	ppi_lane_free(c->lane);
	ppi_local_free(c->local);
	free(c->address);
	free(c);
	return rv;
}

int
pp_connect(const char *address, const pp_connect_opts *opts,
    pp_client **client)
{
	pp_connect_opts none;
	char            def[512];
	char            msg[PPI_ERRMSG_MAX] = "";
	int             rv;

	if (client == NULL) {
		return PP_EINVAL;
	}
	if (address == NULL) {
		if ((rv = ppi_address_default(NULL, def, sizeof(def))) != 0) {
			return rv;
		}
		address = def;
	}
	if (opts == NULL) {
		memset(&none, 0, sizeof(none));
		opts = &none;
	}
	rv = ppi_client_connect(address, opts, client, msg, sizeof(msg));
	ppi_set_last_errmsg("%s", rv != 0 ? msg : "");
	return rv;
}
