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
 * must not block (the req/rep contexts share them), while a scrape walks
 * the store. So the handler only queues the request's aio; a scrape
 * thread builds the text (metrics_prom.c) or the JSON and finishes it.
 * Every queued aio is finished exactly once, also at stop: NNG's
 * connection reaper waits for it. Other paths get NNG's own 404, other
 * methods its 405 (every handler is GET only).
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

#define PENDING_MAX 32 /* scrapes waiting; more get 503 */
#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
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

/* Answers with a bare status (NNG fills in its error page). */
static void
finish_status(nng_aio *aio, uint16_t status)
{
	nng_http_res *res;

	if (nng_http_res_alloc_error(&res, status) != 0) {
		nng_aio_finish(aio, NNG_ENOMEM); /* NNG drops the connection */
		return;
	}
	nng_aio_set_output(aio, 0, res);
	nng_aio_finish(aio, 0);
}

/* The Prometheus text (a /metrics request) or the JSON of the state. */
static void
scrape(metrics_http *h, nng_aio *aio)
{
	nng_http_req *req = nng_aio_get_input(aio, 0);
	const char   *uri = nng_http_req_get_uri(req);
	nng_http_res *res = NULL;
	ppi_buf       text;
	bool          is_metrics = strncmp(uri, "/metrics", 8) == 0;
	int           status     = 200;

	ppi_buf_init(&text);
	if (!is_metrics) {
		status = state_json_get(h->store, uri, &text);
	}
	if ((is_metrics && metrics_prom_write(h->store, &text) != 0) ||
	    text.is_failed || nng_http_res_alloc(&res) != 0 ||
	    nng_http_res_set_status(res, (uint16_t) status) != 0 ||
	    nng_http_res_set_header(res, "Content-Type",
	        is_metrics ? CONTENT_TYPE : JSON_TYPE) != 0 ||
	    nng_http_res_copy_data(res, text.data, text.len) != 0) {
		if (res != NULL) {
			nng_http_res_free(res);
		}
		ppi_buf_fini(&text);
		finish_status(aio, NNG_HTTP_STATUS_INTERNAL_SERVER_ERROR);
		return;
	}
	ppi_buf_fini(&text);
	nng_aio_set_output(aio, 0, res);
	nng_aio_finish(aio, 0);
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

/* NNG's handler callback: hand the request to the scrape thread. */
static void
on_request(nng_aio *aio)
{
	nng_http_handler *handler = nng_aio_get_input(aio, 1);
	metrics_http     *h       = nng_http_handler_get_data(handler);

	pthread_mutex_lock(&h->mtx);
	if (h->is_stopping || h->npending == PENDING_MAX) {
		pthread_mutex_unlock(&h->mtx);
		finish_status(aio, NNG_HTTP_STATUS_SERVICE_UNAVAILABLE);
		return;
	}
	h->pending[h->npending++] = aio;
	pthread_cond_signal(&h->cond);
	pthread_mutex_unlock(&h->mtx);
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
	unsigned     port = (unsigned) atoi(url->u_port);

	if (nng_http_server_get_addr(h->server, &sa) == 0) {
		if (sa.s_family == NNG_AF_INET) {
			port = ntohs(sa.s_in.sa_port);
		} else if (sa.s_family == NNG_AF_INET6) {
			port = ntohs(sa.s_in6.sa_port);
		}
	}
	snprintf(out, len, "http://%s:%u/metrics", url->u_hostname, port);
}

/* A GET handler of `path` (is_tree: and of every path below it) that
 * queues the request; the server owns it once added. An NNG code. */
static int
add_handler(metrics_http *h, const char *path, bool is_tree)
{
	nng_http_handler *handler = NULL;
	int               rv;

	if ((rv = nng_http_handler_alloc(&handler, path, on_request)) != 0 ||
	    (rv = nng_http_handler_set_data(handler, h, NULL)) != 0 ||
	    (rv = nng_http_handler_collect_body(handler, true, 0)) != 0 ||
	    (is_tree && (rv = nng_http_handler_set_tree(handler)) != 0) ||
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
	if ((rv = add_handler(h, "/metrics", false)) != 0 ||
	    (rv = add_handler(h, "/healthz", false)) != 0 ||
	    (rv = add_handler(h, "/topics", true)) != 0 ||
	    (rv = add_handler(h, "/procs", true)) != 0 ||
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
	/* Answer what is queued and refuse the rest, then close: NNG waits
	 * for the handler's aios when it tears connections down. */
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
