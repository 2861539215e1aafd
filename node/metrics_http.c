/*
 * metrics_http.c - pipeproc-node --metrics http://HOST:PORT: GET /metrics
 * in the Prometheus text format and the read-only state endpoints GET
 * /healthz, /topics, /topics/NAME, /procs, /procs/NAME as JSON
 * (state_json.c), served by NNG's HTTP server (the only file that
 * includes <nng/supplemental/http/http.h>). Without a host (--metrics
 * PORT or http://:PORT) it listens on 127.0.0.1 only: the state is not
 * for the network unless asked for.
 *
 * Design notes: NNG calls the handler on one of its own threads, which
 * must not block (the req/rep contexts share them), while an answer
 * walks the store. So the handler only queues the request's aio; the
 * scrape thread builds the answer (metrics_prom.c for /metrics, the
 * JSON of state_json.c, or a JSON error) and finishes the aio with it.
 * Every queued aio is finished exactly once, also at stop: NNG's
 * connection reaper waits for it. At most PENDING_MAX requests wait;
 * more get 503. Every answer is bounded: the metrics carry at most
 * 10,000 series per kind and the lists are pages of at most
 * STATE_JSON_LIMIT_MAX items, so the thread is never held for long.
 *
 * One handler takes every path and method, so that unknown paths (404)
 * and other methods than GET and HEAD (405) get JSON errors like the
 * rest; NNG drops the body of an answer to HEAD itself. Each answer says
 * "Connection: close": NNG 1.5.2 has no idle timeout on a kept-alive
 * connection, so the server does not keep one after its answer.
 *
 * Limits (DESIGN §9): NNG 1.5.2's server has no deadline on a connection
 * and no cap on their number, and once an answer is handed to NNG there
 * is no word of when the client has taken it. So a client that sends
 * half a request, or never reads its answer, keeps its descriptor (and
 * that answer's memory) until it goes away. Such clients do not delay
 * others (every connection is asynchronous), but nothing here bounds
 * how many there are: bind the endpoint to the loopback or a trusted
 * network.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>

#include "metrics_http.h"
#include "metrics_prom.h"
#include "state_json.h"

#define PENDING_MAX 32 /* requests waiting for the thread; more get 503 */
#define PROM_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define JSON_TYPE "application/json"

struct metrics_http {
	store           *store;
	nng_http_server *server;
	pthread_t        thread;
	pthread_mutex_t  mtx;
	pthread_cond_t   cond;
	nng_aio         *pending[PENDING_MAX];
	size_t           npending;
	bool             is_stopping;
};

/* One answer as the scrape thread builds it, before NNG gets it. */
struct answer {
	int         status;
	const char *content_type;
	ppi_buf     body;
	ppi_buf     headers; /* more header lines, "Name: value\r\n" each */
};

static void
answer_init(struct answer *a)
{
	a->status       = 500;
	a->content_type = JSON_TYPE;
	ppi_buf_init(&a->body);
	ppi_buf_init(&a->headers);
}

static void
answer_fini(struct answer *a)
{
	ppi_buf_fini(&a->body);
	ppi_buf_fini(&a->headers);
}

/* A JSON error answer, as state_json.c writes them. */
static void
answer_error(struct answer *a, int status, int code, const char *msg)
{
	a->status       = status;
	a->content_type = JSON_TYPE;
	ppi_buf_reset(&a->body);
	ppi_buf_printf(&a->body,
	    "{\"error\":\"%s\",\"code\":%d,\"message\":\"%s\"}",
	    pp_errname(code), code, msg);
}

/* Is `path` (len bytes, no query) one of the endpoints? */
static bool
is_endpoint(const char *path, size_t len)
{
	static const char *const exact[] = { "/metrics", "/healthz",
		"/topics", "/procs" };
	size_t                   i;

	for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++) {
		if (len == strlen(exact[i]) &&
		    memcmp(path, exact[i], len) == 0) {
			return true;
		}
	}
	return (len > 8 && memcmp(path, "/topics/", 8) == 0) ||
	    (len > 7 && memcmp(path, "/procs/", 7) == 0);
}

/*
 * The answer to `method` `uri` (the request target as sent, with its
 * query). Runs on the scrape thread; reads the store.
 */
static void
answer_request(
    metrics_http *h, const char *method, const char *uri, struct answer *a)
{
	const char *q   = strchr(uri, '?');
	size_t      len = q != NULL ? (size_t) (q - uri) : strlen(uri);
	int         rv;

	if (!is_endpoint(uri, len)) {
		answer_error(a, 404, PP_EINVAL, "no such path");
		return;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		answer_error(a, 405, PP_EPERM, "read-only: only GET and HEAD");
		ppi_buf_printf(&a->headers, "Allow: GET, HEAD\r\n");
		return;
	}
	if (len == 8 && memcmp(uri, "/metrics", 8) == 0) {
		if ((rv = metrics_prom_write(h->store, &a->body)) != 0) {
			answer_error(a, 500, rv, "cannot read the figures");
			return;
		}
		a->status       = 200;
		a->content_type = PROM_TYPE;
		return;
	}
	a->status = state_json_get(h->store, uri, &a->body, &a->headers);
}

/* Sets each "Name: value\r\n" line of lines (changed in place) on res.
 * An NNG code. */
static int
set_header_lines(nng_http_res *res, ppi_buf *lines)
{
	char *at, *end, *colon, *eol;
	int   rv;

	if (lines->len == 0) {
		return 0;
	}
	at  = lines->data;
	end = lines->data + lines->len;
	while (at < end) {
		if ((eol = memchr(at, '\r', (size_t) (end - at))) == NULL ||
		    (colon = memchr(at, ':', (size_t) (eol - at))) == NULL) {
			return NNG_EINVAL; /* our own lines: cannot happen */
		}
		*colon = '\0';
		*eol   = '\0';
		if ((rv = nng_http_res_set_header(res, at,
		         colon[1] == ' ' ? colon + 2 : colon + 1)) != 0) {
			return rv;
		}
		at = eol + 2;
	}
	return 0;
}

/* NNG's response for a: status, headers and a copy of the body. On
 * success *out belongs to the caller (then to NNG). An NNG code. */
static int
make_response(struct answer *a, nng_http_res **out)
{
	nng_http_res *res = NULL;
	int           rv;

	if (a->body.is_failed || a->headers.is_failed) {
		return NNG_ENOMEM;
	}
	if ((rv = nng_http_res_alloc(&res)) != 0 ||
	    (rv = nng_http_res_set_status(res, (uint16_t) a->status)) != 0 ||
	    (rv = nng_http_res_set_header(
	         res, "Content-Type", a->content_type)) != 0 ||
	    (rv = nng_http_res_set_header(res, "Cache-Control", "no-store")) !=
	        0 ||
	    (rv = nng_http_res_set_header(res, "Connection", "close")) != 0 ||
	    (rv = set_header_lines(res, &a->headers)) != 0 ||
	    (rv = nng_http_res_copy_data(res, a->body.data, a->body.len)) !=
	        0) {
		if (res != NULL) {
			nng_http_res_free(res);
		}
		return rv;
	}
	*out = res;
	return 0;
}

/* Finishes aio with a, or, when even a 500 cannot be built, with an
 * error (NNG then drops the connection). */
static void
finish(nng_aio *aio, struct answer *a)
{
	nng_http_res *res;
	int           rv;

	if ((rv = make_response(a, &res)) != 0) {
		answer_error(a, 500, PP_ENOMEM, "out of memory");
		ppi_buf_reset(&a->headers);
		if ((rv = make_response(a, &res)) != 0) {
			nng_aio_finish(aio, rv);
			return;
		}
	}
	nng_aio_set_output(aio, 0, res);
	nng_aio_finish(aio, 0);
}

/* Answers one queued request (the scrape thread). */
static void
scrape(metrics_http *h, nng_aio *aio)
{
	nng_http_req *req = nng_aio_get_input(aio, 0);
	struct answer a;

	answer_init(&a);
	answer_request(h, nng_http_req_get_method(req),
	    nng_http_req_get_uri(req), &a);
	finish(aio, &a);
	answer_fini(&a);
}

static void *
scrape_main(void *arg)
{
	metrics_http *h = arg;
	nng_aio      *aio;

	pthread_mutex_lock(&h->mtx);
	for (;;) {
		while (h->npending == 0 && !h->is_stopping) {
			pthread_cond_wait(&h->cond, &h->mtx);
		}
		if (h->npending == 0) {
			break; /* stopping, and nothing left to answer */
		}
		aio = h->pending[0];
		memmove(h->pending, h->pending + 1,
		    (h->npending - 1) * sizeof(h->pending[0]));
		h->npending--;
		pthread_mutex_unlock(&h->mtx);
		scrape(h, aio);
		pthread_mutex_lock(&h->mtx);
	}
	pthread_mutex_unlock(&h->mtx);
	return NULL;
}

/* NNG's handler callback (NNG's thread): hand the request to the scrape
 * thread, or answer 503 at once when it has too many waiting. */
static void
on_request(nng_aio *aio)
{
	nng_http_handler *handler = nng_aio_get_input(aio, 1);
	metrics_http     *h       = nng_http_handler_get_data(handler);
	struct answer     a;

	pthread_mutex_lock(&h->mtx);
	if (!h->is_stopping && h->npending < PENDING_MAX) {
		h->pending[h->npending++] = aio;
		pthread_cond_signal(&h->cond);
		pthread_mutex_unlock(&h->mtx);
		return;
	}
	answer_init(&a);
	if (h->is_stopping) {
		answer_error(&a, 503, PP_ESHUTDOWN, "the node is stopping");
	} else {
		answer_error(&a, 503, PP_EBUSY,
		    "busy: too many requests wait for an answer");
	}
	pthread_mutex_unlock(&h->mtx);
	finish(aio, &a);
	answer_fini(&a);
}

static int
map_nng(int rv)
{
	switch (rv) {
	case NNG_EADDRINUSE:
		return PP_EADDRINUSE;
	case NNG_ENOMEM:
		return PP_ENOMEM;
	case NNG_EPERM:
		return PP_EPERM;
	default:
		return PP_EADDR;
	}
}

/*
 * Checks the URL: http://HOST:PORT with an optional "/" or "/metrics";
 * PORT alone and http://:PORT mean the loopback host, 127.0.0.1.
 */
static int
parse_url(const char *text, nng_url **url, char *msg, size_t msglen)
{
	char with_host[128];
	int  rv;

	if (text[0] != '\0' && strspn(text, "0123456789") == strlen(text) &&
	    strlen(text) <= 5) {
		snprintf(with_host, sizeof(with_host), "http://127.0.0.1:%s",
		    text);
		text = with_host;
	} else if (strncmp(text, "http://:", 8) == 0 &&
	    strlen(text) < sizeof(with_host) - 9) {
		snprintf(with_host, sizeof(with_host), "http://127.0.0.1%s",
		    text + 7);
		text = with_host;
	}
	if (strncmp(text, "http://", 7) != 0 ||
	    (rv = nng_url_parse(url, text)) != 0) {
		snprintf(msg, msglen,
		    "bad --metrics '%s': expected http://HOST:PORT", text);
		return PP_EADDR;
	}
	if ((*url)->u_hostname[0] == '\0' ||
	    strchr((*url)->u_host, ':') == NULL ||
	    (*url)->u_port[0] == '\0' || strlen((*url)->u_port) > 5 ||
	    strspn((*url)->u_port, "0123456789") != strlen((*url)->u_port) ||
	    atoi((*url)->u_port) > 65535 ||
	    ((*url)->u_path[0] != '\0' && strcmp((*url)->u_path, "/") != 0 &&
	        strcmp((*url)->u_path, "/metrics") != 0)) {
		snprintf(msg, msglen,
		    "bad --metrics '%s': expected http://HOST:PORT (the path "
		    "is always /metrics)",
		    text);
		nng_url_free(*url);
		return PP_EADDR;
	}
	return 0;
}

/* The URL actually served, with the port NNG bound (for port 0). */
static void
served_url(metrics_http *h, const nng_url *url, char *out, size_t len)
{
	nng_sockaddr sa;
	unsigned     port    = (unsigned) atoi(url->u_port);
	bool         is_ipv6 = strchr(url->u_hostname, ':') != NULL;

	if (nng_http_server_get_addr(h->server, &sa) == 0) {
		if (sa.s_family == NNG_AF_INET) {
			port = ntohs(sa.s_in.sa_port);
		} else if (sa.s_family == NNG_AF_INET6) {
			port = ntohs(sa.s_in6.sa_port);
		}
	}
	snprintf(out, len, "http://%s%s%s:%u/metrics", is_ipv6 ? "[" : "",
	    url->u_hostname, is_ipv6 ? "]" : "", port);
}

/* The one handler: every method (no method set) of "/" and every path
 * below it, without reading a request body. The server owns it once
 * added. An NNG code. */
static int
add_handler(metrics_http *h)
{
	nng_http_handler *handler = NULL;
	int               rv;

	if ((rv = nng_http_handler_alloc(&handler, "/", on_request)) != 0 ||
	    (rv = nng_http_handler_set_method(handler, NULL)) != 0 ||
	    (rv = nng_http_handler_set_data(handler, h, NULL)) != 0 ||
	    (rv = nng_http_handler_collect_body(handler, false, 0)) != 0 ||
	    (rv = nng_http_handler_set_tree(handler)) != 0 ||
	    (rv = nng_http_server_add_handler(h->server, handler)) != 0) {
		if (handler != NULL) {
			nng_http_handler_free(handler);
		}
	}
	return rv;
}

int
metrics_http_start(store *s, const char *address, metrics_http **out,
    char *url_out, size_t url_len, char *msg, size_t msglen)
{
	metrics_http *h;
	nng_url      *url;
	int           rv;

	if ((rv = parse_url(address, &url, msg, msglen)) != 0) {
		return rv;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		nng_url_free(url);
		return PP_ENOMEM;
	}
	h->store = s;
	pthread_mutex_init(&h->mtx, NULL);
	pthread_cond_init(&h->cond, NULL);
	if ((rv = nng_http_server_hold(&h->server, url)) != 0) {
		h->server = NULL;
		goto fail;
	}
	if ((rv = add_handler(h)) != 0 ||
	    (rv = nng_http_server_start(h->server)) != 0) {
		goto fail;
	}
	if (pthread_create(&h->thread, NULL, scrape_main, h) != 0) {
		nng_http_server_stop(h->server);
		rv = NNG_ENOMEM;
		goto fail;
	}
	served_url(h, url, url_out, url_len);
	nng_url_free(url);
	*out = h;
	return 0;
fail:
	snprintf(msg, msglen, "cannot serve metrics on %s: %s", address,
	    nng_strerror(rv));
	if (h->server != NULL) {
		nng_http_server_release(h->server);
	}
	nng_url_free(url);
	pthread_mutex_destroy(&h->mtx);
	pthread_cond_destroy(&h->cond);
	free(h);
	return map_nng(rv);
}

void
metrics_http_stop(metrics_http *h)
{
	if (h == NULL) {
		return;
	}
	/* Answer what is queued and refuse the rest (503), then close:
	 * NNG waits for the handler's aios when it tears connections down,
	 * and closes every connection, stuck ones too. Before the store
	 * closes: no answer reads it after this. */
	pthread_mutex_lock(&h->mtx);
	h->is_stopping = true;
	pthread_cond_signal(&h->cond);
	pthread_mutex_unlock(&h->mtx);
	pthread_join(h->thread, NULL);
	nng_http_server_stop(h->server);
	nng_http_server_release(h->server);
	pthread_mutex_destroy(&h->mtx);
	pthread_cond_destroy(&h->cond);
	free(h);
}
