/*
 * peers_redis.c - Redis Streams' side of pipeproc-bench-peers: a private
 * redis-server (started here, stopped by its pid) and the workloads of
 * peers.h written with hiredis: XADD, XRANGE/XREVRANGE, XREADGROUP+XACK.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "peers.h"

#define STREAM "bench"
#define PAGE   1000

static redisContext *
dial(const peer_redis *r)
{
	redisContext *c;
	int           tries;

	for (tries = 0; tries < 200; tries++) {
		c = redisConnect("127.0.0.1", r->port);
		if (c != NULL && c->err == 0) {
			return c;
		}
		if (c != NULL) {
			redisFree(c);
		}
		usleep(25000);
	}
	fprintf(stderr, "bench-peers: cannot reach redis on port %d\n", r->port);
	return NULL;
}

/* Runs a command and checks it did not fail; frees the reply. */
static int
command_ok(redisContext *c, const char *what, redisReply *reply)
{
	int ok = reply != NULL && reply->type != REDIS_REPLY_ERROR;

	if (!ok) {
		fprintf(stderr, "bench-peers: redis %s: %s\n", what,
		    reply != NULL ? reply->str : c->errstr);
	}
	freeReplyObject(reply);
	return ok ? 0 : -1;
}

static int
free_port(void)
{
	/* A port from the ephemeral range that nothing listens on is what
	 * redis needs; picking by pid keeps parallel runs apart. */
	return 20000 + (int) (getpid() % 20000);
}

int
peer_redis_start(const bench_cfg *cfg, bool is_durable, peer_redis *r)
{
	char          port[16];
	redisContext *c;

	memset(r, 0, sizeof(*r));
	if (bench_dir_make(cfg, "redis", is_durable, r->dir, sizeof(r->dir)) !=
	    0) {
		return -1;
	}
	r->port = free_port() + (is_durable ? 1 : 0);
	snprintf(port, sizeof(port), "%d", r->port);
	if ((r->pid = fork()) < 0) {
		perror("bench-peers: fork");
		return -1;
	}
	if (r->pid == 0) {
		execlp("redis-server", "redis-server", "--port", port, "--bind",
		    "127.0.0.1", "--dir", r->dir, "--appendonly", "yes",
		    "--appendfsync", is_durable ? "always" : "everysec", "--save",
		    "", "--daemonize", "no", "--logfile", "redis.log",
		    (char *) NULL);
		_exit(127);
	}
	if ((c = dial(r)) == NULL) {
		peer_redis_stop(r);
		return -1;
	}
	redisFree(c);
	return 0;
}

void
peer_redis_stop(peer_redis *r)
{
	if (r->pid > 0) {
		kill(r->pid, SIGTERM);
		while (waitpid(r->pid, NULL, 0) < 0 && errno == EINTR) {
		}
		r->pid = 0;
	}
	if (r->dir[0] != '\0') {
		bench_dir_remove(r->dir);
		r->dir[0] = '\0';
	}
}

static int
reset(redisContext *c)
{
	return command_ok(c, "DEL", redisCommand(c, "DEL " STREAM));
}

static int
xadd(redisContext *c, const char *body)
{
	return command_ok(c, "XADD",
	    redisCommand(c, "XADD " STREAM " * b %b", body,
	        (size_t) BENCH_BODY_BYTES));
}

/* Writes n logs, pipelined in pages. */
static int
fill(redisContext *c, size_t n, const char *body)
{
	size_t i, k, page;
	void  *reply;

	for (i = 0; i < n; i += page) {
		page = n - i < PAGE ? n - i : PAGE;
		for (k = 0; k < page; k++) {
			redisAppendCommand(c, "XADD " STREAM " * b %b", body,
			    (size_t) BENCH_BODY_BYTES);
		}
		for (k = 0; k < page; k++) {
			if (redisGetReply(c, &reply) != REDIS_OK ||
			    command_ok(c, "XADD", reply) != 0) {
				return -1;
			}
		}
	}
	return 0;
}

static void *
client_main(void *p)
{
	peer_client  *a = p;
	char          body[BENCH_BODY_BYTES];
	redisContext *c = dial(a->target);
	double        end;

	bench_body_fill(body, sizeof(body), 7);
	if (c == NULL) {
		a->rv = -1;
		return NULL;
	}
	end = bench_now_s() + a->seconds;
	while (bench_now_s() < end) {
		if ((a->rv = xadd(c, body)) != 0) {
			break;
		}
		a->count++;
	}
	redisFree(c);
	return NULL;
}

static int
range(redisContext *c, size_t logs, double *figure)
{
	char        start[64] = "-";
	redisReply *reply;
	size_t      seen = 0;
	double      t0 = bench_now_s();

	while (seen < logs) {
		reply = redisCommand(c, "XRANGE " STREAM " %s + COUNT %d", start,
		    PAGE);
		if (reply == NULL || reply->type != REDIS_REPLY_ARRAY) {
			return command_ok(c, "XRANGE", reply), -1;
		}
		if (reply->elements == 0) {
			freeReplyObject(reply);
			break;
		}
		seen += reply->elements;
		/* The next page starts after the last id: "(ID". */
		snprintf(start, sizeof(start), "(%s",
		    reply->element[reply->elements - 1]->element[0]->str);
		freeReplyObject(reply);
	}
	*figure = (double) seen / (bench_now_s() - t0);
	return 0;
}

static int
revrange1(redisContext *c, double seconds, double *figure)
{
	size_t  cap = 1 << 20, n = 0;
	double *us = malloc(cap * sizeof(*us)), end = bench_now_s() + seconds;
	int     rv = 0;

	while (us != NULL && n < cap && bench_now_s() < end) {
		double      t0    = bench_now_s();
		redisReply *reply = redisCommand(c,
		    "XREVRANGE " STREAM " + - COUNT 1");

		us[n++] = (bench_now_s() - t0) * 1e6;
		if (reply == NULL || reply->type != REDIS_REPLY_ARRAY ||
		    reply->elements != 1) {
			rv = -1;
			command_ok(c, "XREVRANGE", reply);
			break;
		}
		freeReplyObject(reply);
	}
	if (us == NULL || n == 0) {
		free(us);
		return -1;
	}
	*figure = peer_p50(us, n);
	free(us);
	return rv;
}

/* XREADGROUP count, then XACK of every id it got. */
static int
claim_ack(redisContext *c, size_t count, double seconds, double *figure)
{
	double      end = bench_now_s() + seconds, t0 = bench_now_s();
	long        logs = 0;
	redisReply *reply, *entries;
	size_t      i;

	if (command_ok(c, "XGROUP", redisCommand(c,
	        "XGROUP CREATE " STREAM " g 0")) != 0) {
		return -1;
	}
	while (bench_now_s() < end) {
		reply = redisCommand(c,
		    "XREADGROUP GROUP g c COUNT %d STREAMS " STREAM " >",
		    (int) count); /* hiredis's format knows no %zu */
		if (reply == NULL || reply->type != REDIS_REPLY_ARRAY ||
		    reply->elements == 0) {
			freeReplyObject(reply);
			break; /* the stream is consumed */
		}
		entries = reply->element[0]->element[1];
		for (i = 0; i < entries->elements; i++) {
			redisAppendCommand(c, "XACK " STREAM " g %s",
			    entries->element[i]->element[0]->str);
		}
		for (i = 0; i < entries->elements; i++) {
			void *ack;

			if (redisGetReply(c, &ack) != REDIS_OK ||
			    command_ok(c, "XACK", ack) != 0) {
				freeReplyObject(reply);
				return -1;
			}
		}
		logs += (long) entries->elements;
		freeReplyObject(reply);
	}
	*figure = (double) logs / (bench_now_s() - t0);
	return 0;
}

int
peer_redis_run(const peer_redis *r, const peer_shape *s, double *figure)
{
	char          body[BENCH_BODY_BYTES];
	redisContext *c;
	double        t0;
	int           rv = -1;

	if (s->kind == PEER_CLIENTS) {
		c = dial(r);
		if (c == NULL || reset(c) != 0) {
			return -1;
		}
		redisFree(c);
		return peer_clients_run(s->clients, r, s->seconds, client_main,
		    figure);
	}
	if ((c = dial(r)) == NULL || reset(c) != 0) {
		return -1;
	}
	bench_body_fill(body, sizeof(body), 3);
	switch (s->kind) {
	case PEER_COMMIT_SEQ:
		rv = peer_clients_run(1, r, s->seconds, client_main, figure);
		break;
	case PEER_PIPELINED:
		t0 = bench_now_s();
		if ((rv = fill(c, s->logs, body)) == 0) {
			*figure = (double) s->logs / (bench_now_s() - t0);
		}
		break;
	case PEER_RANGE:
		rv = fill(c, s->logs, body);
		rv = rv != 0 ? rv : range(c, s->logs, figure);
		break;
	case PEER_REVRANGE1:
		rv = fill(c, s->logs, body);
		rv = rv != 0 ? rv : revrange1(c, s->seconds, figure);
		break;
	case PEER_CLAIM_ACK:
		rv = fill(c, s->logs, body);
		rv = rv != 0 ? rv : claim_ack(c, s->count, s->seconds, figure);
		break;
	case PEER_CLIENTS:
		break;
	}
	redisFree(c);
	return rv;
}
