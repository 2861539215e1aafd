/*
 * httpd.c - the HTTP/1.x server behind --metrics (httpd.h): GET /metrics
 * and the state endpoints are answered here, on one thread, from plain
 * non-blocking sockets.
 *
 * Why not NNG's HTTP server (used before): in NNG 1.5.2 a connection has
 * no timeout at all, so a client that sends half a request, or never
 * reads its answer, keeps its connection (and descriptor) forever, and
 * enough of them starve every scraper. Here every connection has
 * deadlines and the number of connections is capped (httpd_opts):
 *
 *   accepted --request line and headers (<= 8 KiB, request_timeout_ms)-->
 *   answered by the handler --written (idle_timeout_ms without progress,
 *   total_timeout_ms in all)--> closed
 *
 * The answers waiting to be written hold at most OUT_BUDGET bytes in all;
 * a request that comes while they hold more gets 503.
 *
 * One request per connection ("Connection: close"), as Prometheus and
 * curl are fine with; a request body is never read. At the connection
 * cap the oldest connection still sending its request is dropped, so
 * idle connections cannot lock others out.
 *
 * Design notes: the thread polls the listener, a wake pipe (httpd_stop)
 * and every connection; it never blocks on a socket. The handler runs on
 * this thread, so it must be bounded (the state endpoints page, the
 * metrics walk the store page by page); its answer is copied into the
 * connection's buffer and written as the client takes it. Connections
 * live in one array, compacted after each round.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "httpd.h"
#include "pipeproc.h"

#define REQUEST_MAX 8192 /* request line and headers, bytes */
#define POLL_MAX_MS 1000
/* Answer bytes all connections may hold at once; past it a request gets
 * 503, so clients that ask for large pages and never read them cannot
 * make the node hold a page per connection. */
#define OUT_BUDGET (64u << 20)

struct conn {
	int      fd;
	bool     is_writing;
	size_t   inlen;
	char     in[REQUEST_MAX];
	ppi_buf  out;
	size_t   outoff;
	uint64_t accepted_ms;
	uint64_t deadline_ms; /* request, then idle deadline */
	uint64_t end_ms;      /* total deadline of the answer */
};

struct httpd {
	int           lfd;
	int           wake[2];
	pthread_t     thread;
	httpd_handler handler;
	void         *arg;
	httpd_opts    o;
	struct conn **conns;
	size_t        nconns;
	struct pollfd *pfds;
	bool           is_accept_paused; /* out of descriptors: wait */
	size_t         out_bytes;        /* held by all conns' out */
};

static uint64_t
now_ms(void)
{
	return ppi_clock_ms(CLOCK_MONOTONIC);
}

static const char *
reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 431:
		return "Request Header Fields Too Large";
	case 503:
		return "Service Unavailable";
	default:
		return "Internal Server Error";
	}
}

static void
conn_close(struct conn *c)
{
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
}

/*
 * Sends what the client takes now (each byte moves the idle deadline);
 * closes the connection when all is sent or on an error.
 */
static void
conn_write(httpd *h, struct conn *c)
{
	ssize_t n;

	while (c->outoff < c->out.len) {
		n = send(c->fd, c->out.data + c->outoff, c->out.len - c->outoff,
		    MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			return;
		}
		if (n <= 0) {
			conn_close(c);
			return;
		}
		c->outoff += (size_t) n;
		c->deadline_ms = now_ms() + h->o.idle_timeout_ms;
	}
	shutdown(c->fd, SHUT_WR);
	conn_close(c);
}

/* Puts the whole response into c->out and starts writing it. */
static void
conn_answer(httpd *h, struct conn *c, bool is_head, httpd_response *res)
{
	uint64_t now = now_ms();

	ppi_buf_reset(&c->out);
	ppi_buf_printf(&c->out,
	    "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	    "Cache-Control: no-store\r\nConnection: close\r\n",
	    res->status, reason(res->status),
	    res->content_type != NULL ? res->content_type : "text/plain",
	    res->body.len);
	ppi_buf_append(&c->out, res->headers.data, res->headers.len);
	ppi_buf_append(&c->out, "\r\n", 2);
	if (!is_head) {
		ppi_buf_append(&c->out, res->body.data, res->body.len);
	}
	if (c->out.is_failed) {
		conn_close(c); /* out of memory: nothing sensible to send */
		return;
	}
	h->out_bytes += c->out.len;
	c->is_writing  = true;
	c->outoff      = 0;
	c->deadline_ms = now + h->o.idle_timeout_ms;
	c->end_ms      = now + h->o.total_timeout_ms;
	conn_write(h, c);
}

/* A bare error answer with a one-line JSON body. */
static void
conn_error(httpd *h, struct conn *c, int status, const char *what)
{
	httpd_response res;

	memset(&res, 0, sizeof(res));
	ppi_buf_init(&res.body);
	ppi_buf_init(&res.headers);
	res.status       = status;
	res.content_type = "application/json";
	ppi_buf_printf(&res.body,
	    "{\"error\":\"PP_EINVAL\",\"code\":%d,\"message\":\"%s\"}",
	    PP_EINVAL, what);
	conn_answer(h, c, false, &res);
	ppi_buf_fini(&res.body);
	ppi_buf_fini(&res.headers);
}

/*
 * The request's head is complete (in[0, end) with its blank line): checks
 * the request line, asks the handler and answers.
 */
static void
conn_dispatch(httpd *h, struct conn *c, size_t end)
{
	httpd_response res;
	char          *line = c->in, *eol, *target, *version;

	c->in[end] = '\0';
	if ((eol = strpbrk(line, "\r\n")) != NULL) {
		*eol = '\0';
	}
	/* METHOD SP TARGET SP HTTP/1.x */
	if ((target = strchr(line, ' ')) == NULL) {
		conn_error(h, c, 400, "malformed request line");
		return;
	}
	*target++ = '\0';
	if ((version = strchr(target, ' ')) == NULL || target[0] != '/') {
		conn_error(h, c, 400, "malformed request line");
		return;
	}
	*version++ = '\0';
	if (strncmp(version, "HTTP/1.", 7) != 0) {
		conn_error(h, c, 400, "only HTTP/1.x is served");
		return;
	}
	if (h->out_bytes > OUT_BUDGET) {
		conn_error(h, c, 503, "busy: answers not yet taken fill the "
		                      "server's budget");
		return;
	}
	memset(&res, 0, sizeof(res));
	ppi_buf_init(&res.body);
	ppi_buf_init(&res.headers);
	res.status = 500;
	h->handler(h->arg, line, target, &res);
	if (res.body.is_failed || res.headers.is_failed) {
		ppi_buf_fini(&res.body);
		ppi_buf_fini(&res.headers);
		conn_error(h, c, 500, "out of memory");
		return;
	}
	conn_answer(h, c, strcmp(line, "HEAD") == 0, &res);
	ppi_buf_fini(&res.body);
	ppi_buf_fini(&res.headers);
}

/* Reads what arrived of the request; answers once its head is whole. */
static void
conn_read(httpd *h, struct conn *c)
{
	const char *blank;
	ssize_t     n;

	do {
		n = recv(c->fd, c->in + c->inlen, REQUEST_MAX - 1 - c->inlen, 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		return;
	}
	if (n <= 0) {
		conn_close(c); /* gone before asking */
		return;
	}
	c->inlen += (size_t) n;
	c->in[c->inlen] = '\0';
	if ((blank = strstr(c->in, "\r\n\r\n")) != NULL ||
	    (blank = strstr(c->in, "\n\n")) != NULL) {
		conn_dispatch(h, c, (size_t) (blank - c->in));
	} else if (c->inlen == REQUEST_MAX - 1) {
		conn_error(h, c, 431, "request head over 8 KiB");
	}
}

/* Frees a connection's memory (its descriptor is already closed). */
static void
conn_free(httpd *h, struct conn *c)
{
	h->out_bytes -= c->is_writing ? c->out.len : 0;
	ppi_buf_fini(&c->out);
	free(c);
}

/* Closes the connection that matters least: the oldest one still
 * sending its request, else the oldest. */
static void
evict_one(httpd *h)
{
	struct conn *victim = NULL;
	size_t       i;

	for (i = 0; i < h->nconns; i++) {
		struct conn *c = h->conns[i];

		if (c->fd < 0) {
			return; /* one is closing already */
		}
		if (victim == NULL ||
		    (!c->is_writing && victim->is_writing) ||
		    (c->is_writing == victim->is_writing &&
		        c->accepted_ms < victim->accepted_ms)) {
			victim = c;
		}
	}
	if (victim != NULL) {
		conn_close(victim);
	}
}

/* Drops the closed connections from the array. */
static void
compact(httpd *h)
{
	size_t i, k = 0;

	for (i = 0; i < h->nconns; i++) {
		if (h->conns[i]->fd < 0) {
			conn_free(h, h->conns[i]);
		} else {
			h->conns[k++] = h->conns[i];
		}
	}
	h->nconns = k;
}

/* Takes every connection waiting on the listener. */
static void
accept_all(httpd *h)
{
	struct conn *c;
	int          fd;

	for (;;) {
		fd = accept4(h->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				/* Retry after a round, not in a busy loop. */
				h->is_accept_paused = true;
			}
			return;
		}
		if (h->nconns == h->o.max_conns) {
			evict_one(h);
			compact(h);
		}
		if (h->nconns == h->o.max_conns ||
		    (c = calloc(1, sizeof(*c))) == NULL) {
			close(fd);
			continue;
		}
		c->fd          = fd;
		c->accepted_ms = now_ms();
		c->deadline_ms = c->accepted_ms + h->o.request_timeout_ms;
		c->end_ms      = UINT64_MAX;
		ppi_buf_init(&c->out);
		h->conns[h->nconns++] = c;
	}
}

/* Closes every connection past one of its deadlines; returns the time
 * until the next deadline (at most POLL_MAX_MS). */
static int
expire(httpd *h)
{
	uint64_t now  = now_ms();
	uint64_t next = now + POLL_MAX_MS;
	size_t   i;

	for (i = 0; i < h->nconns; i++) {
		struct conn *c = h->conns[i];

		if (now >= c->deadline_ms || now >= c->end_ms) {
			conn_close(c);
			continue;
		}
		if (c->deadline_ms < next) {
			next = c->deadline_ms;
		}
		if (c->end_ms < next) {
			next = c->end_ms;
		}
	}
	compact(h);
	return (int) (next - now);
}

static void *
serve(void *arg)
{
	httpd  *h = arg;
	size_t  i, n;
	int     timeout_ms;

	for (;;) {
		timeout_ms = expire(h);
		if (h->is_accept_paused) {
			timeout_ms = timeout_ms < 100 ? timeout_ms : 100;
		}
		h->pfds[0] = (struct pollfd) { h->wake[0], POLLIN, 0 };
		h->pfds[1] = (struct pollfd) { h->is_accept_paused ? -1 : h->lfd,
			POLLIN, 0 };
		h->is_accept_paused = false;
		n = h->nconns;
		for (i = 0; i < n; i++) {
			h->pfds[2 + i] = (struct pollfd) { h->conns[i]->fd,
				h->conns[i]->is_writing ? POLLOUT : POLLIN, 0 };
		}
		if (poll(h->pfds, 2 + n, timeout_ms) < 0 && errno != EINTR) {
			break;
		}
		if (h->pfds[0].revents != 0) {
			break; /* httpd_stop */
		}
		for (i = 0; i < n; i++) {
			struct conn *c = h->conns[i];

			if (h->pfds[2 + i].revents == 0 || c->fd < 0) {
				continue;
			}
			if (c->is_writing) {
				conn_write(h, c);
			} else {
				conn_read(h, c);
			}
		}
		compact(h);
		if (h->pfds[1].revents != 0) {
			accept_all(h);
		}
	}
	return NULL;
}

/* Binds and listens on the first address of host:port that works. */
static int
listen_on(const char *host, const char *port, int *out, uint16_t *bound,
    char *msg, size_t msglen)
{
	struct addrinfo         hints, *all, *ai;
	struct sockaddr_storage ss;
	socklen_t               sslen = sizeof(ss);
	int                     fd = -1, err = 0, one = 1, gai;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family   = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags    = AI_PASSIVE | AI_NUMERICSERV;
	if ((gai = getaddrinfo(host, port, &hints, &all)) != 0) {
		snprintf(msg, msglen, "%s", gai_strerror(gai));
		return PP_EADDR;
	}
	for (ai = all; ai != NULL && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family,
		    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
		    listen(fd, 128) != 0) {
			err = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(all);
	if (fd < 0) {
		snprintf(msg, msglen, "%s", strerror(err));
		return err == EADDRINUSE ? PP_EADDRINUSE
		    : err == EACCES      ? PP_EPERM
		    : err == ENOMEM      ? PP_ENOMEM
		                         : PP_EADDR;
	}
	*bound = 0;
	if (getsockname(fd, (struct sockaddr *) &ss, &sslen) == 0) {
		*bound = ntohs(ss.ss_family == AF_INET6
		        ? ((struct sockaddr_in6 *) &ss)->sin6_port
		        : ((struct sockaddr_in *) &ss)->sin_port);
	}
	*out = fd;
	return 0;
}

int
httpd_start(const char *host, const char *port, const httpd_opts *o,
    httpd_handler handler, void *arg, httpd **out, uint16_t *bound_port,
    char *msg, size_t msglen)
{
	httpd *h;
	int    rv;

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		return PP_ENOMEM;
	}
	h->handler = handler;
	h->arg     = arg;
	h->lfd     = -1;
	h->wake[0] = h->wake[1] = -1;
	if (o != NULL) {
		h->o = *o;
	}
	h->o.request_timeout_ms = h->o.request_timeout_ms != 0
	    ? h->o.request_timeout_ms
	    : 5000;
	h->o.idle_timeout_ms = h->o.idle_timeout_ms != 0 ? h->o.idle_timeout_ms
	                                                 : 5000;
	h->o.total_timeout_ms = h->o.total_timeout_ms != 0
	    ? h->o.total_timeout_ms
	    : 60000;
	h->o.max_conns = h->o.max_conns != 0 ? h->o.max_conns : 128;
	h->conns = calloc(h->o.max_conns, sizeof(*h->conns));
	h->pfds  = calloc(h->o.max_conns + 2, sizeof(*h->pfds));
	if (h->conns == NULL || h->pfds == NULL ||
	    pipe2(h->wake, O_CLOEXEC) != 0) {
		rv = PP_ENOMEM;
		snprintf(msg, msglen, "out of memory");
		goto fail;
	}
	if ((rv = listen_on(host, port, &h->lfd, bound_port, msg, msglen)) !=
	    0) {
		goto fail;
	}
	if (pthread_create(&h->thread, NULL, serve, h) != 0) {
		rv = PP_ENOMEM;
		snprintf(msg, msglen, "cannot start a thread");
		goto fail;
	}
	*out = h;
	return 0;
fail:
	if (h->lfd >= 0) {
		close(h->lfd);
	}
	if (h->wake[0] >= 0) {
		close(h->wake[0]);
		close(h->wake[1]);
	}
	free(h->conns);
	free(h->pfds);
	free(h);
	return rv;
}

void
httpd_stop(httpd *h)
{
	size_t i;

	if (h == NULL) {
		return;
	}
	while (write(h->wake[1], "x", 1) < 0 && errno == EINTR) {
	}
	pthread_join(h->thread, NULL);
	for (i = 0; i < h->nconns; i++) {
		conn_close(h->conns[i]);
		conn_free(h, h->conns[i]);
	}
	close(h->lfd);
	close(h->wake[0]);
	close(h->wake[1]);
	free(h->conns);
	free(h->pfds);
	free(h);
}
