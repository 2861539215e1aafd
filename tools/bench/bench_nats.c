/*
 * bench_nats.c - NATS for the jetstream workloads (bench_jetstream.c):
 * start and stop nats-server (one, or a cluster of three) in a scratch
 * directory on free 127.0.0.1 ports, create streams, and the bare libnats
 * baselines: an async publish of N messages with message ids and a wait
 * for every PubAck, and a durable pull consumer's fetch-and-ack loop.
 *
 * nats-server is $NATS_SERVER, else /usr/sbin/nats-server (Debian's).
 * Servers are stopped by their pid (SIGTERM, then SIGKILL after 5 s).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nats/nats.h>

#include "bench.h"
#include "bench_nats.h"

extern char **environ;

/* A free TCP port of 127.0.0.1 right now; 0 on error. */
static int
free_port(void)
{
	struct sockaddr_in a;
	socklen_t          len = sizeof(a);
	int                fd, port = 0;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0) {
		return (0);
	}
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0
	    && getsockname(fd, (struct sockaddr *)&a, &len) == 0) {
		port = ntohs(a.sin_port);
	}
	close(fd);
	return (port);
}

static const char *
server_path(void)
{
	const char *p = getenv("NATS_SERVER");

	return (p != NULL && p[0] != '\0' ? p : "/usr/sbin/nats-server");
}

/* Starts server i from its config file, output to DIR/sI.log. */
static int
spawn_server(bench_nats *n, int i)
{
	posix_spawn_file_actions_t fa;
	char                       conf[PATH_MAX + 32], log[PATH_MAX + 32];
	char                      *argv[] = { (char *)server_path(), "-c", conf,
		                         NULL };
	int                        rc;

	snprintf(conf, sizeof(conf), "%s/s%d.conf", n->dir, i);
	snprintf(log, sizeof(log), "%s/s%d.log", n->dir, i);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(
	    &fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	rc = posix_spawn(&n->pids[i], argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		fprintf(stderr, "bench: cannot start %s: %s\n", argv[0],
		    strerror(rc));
		n->pids[i] = 0;
		return (-1);
	}
	return (0);
}

/* Connects to n's servers (JetStream ready) within 30 s. */
static int
connect_ready(bench_nats *n)
{
	natsOptions   *o = NULL;
	jsAccountInfo *ai;
	const char    *urls[BENCH_NATS_MAX];
	natsStatus     s;
	double         until = bench_now_s() + 30;
	int            i;

	for (i = 0; i < n->count; i++) {
		urls[i] = n->urls[i];
	}
	natsOptions_Create(&o);
	natsOptions_SetServers(o, urls, n->count);
	natsOptions_SetTimeout(o, 1000);
	natsOptions_SetMaxReconnect(o, -1);
	while (bench_now_s() < until) {
		if (n->nc == NULL
		    && natsConnection_Connect(&n->nc, o) != NATS_OK) {
			n->nc = NULL;
			usleep(50000);
			continue;
		}
		if (n->js == NULL
		    && natsConnection_JetStream(&n->js, n->nc, NULL)
		        != NATS_OK) {
			break;
		}
		ai = NULL;
		s = js_GetAccountInfo(&ai, n->js, NULL, NULL);
		if (s == NATS_OK) {
			jsAccountInfo_Destroy(ai);
			natsOptions_Destroy(o);
			return (0);
		}
		usleep(50000);
	}
	natsOptions_Destroy(o);
	fprintf(stderr, "bench: NATS in %s did not come up\n", n->dir);
	return (-1);
}

int
bench_nats_start(const bench_cfg *cfg, const char *tag, int run, int count,
    bench_nats *n)
{
	int   ports[BENCH_NATS_MAX], routes[BENCH_NATS_MAX], i, j;
	char  path[PATH_MAX + 32];
	FILE *f;

	memset(n, 0, sizeof(*n));
	n->count = count;
	if (bench_dir_make(cfg, tag, run, n->dir, sizeof(n->dir)) != 0) {
		return (-1);
	}
	for (i = 0; i < count; i++) {
		ports[i] = free_port();
		routes[i] = free_port();
		snprintf(n->urls[i], sizeof(n->urls[i]), "nats://127.0.0.1:%d",
		    ports[i]);
	}
	for (i = 0; i < count; i++) {
		snprintf(path, sizeof(path), "%s/s%d.conf", n->dir, i);
		if ((f = fopen(path, "w")) == NULL) {
			fprintf(stderr, "bench: %s: %s\n", path,
			    strerror(errno));
			bench_nats_stop(n);
			return (-1);
		}
		fprintf(f, "server_name: s%d\nlisten: 127.0.0.1:%d\n"
		    "jetstream { store_dir: \"%s/s%d\" }\n", i, ports[i],
		    n->dir, i);
		if (count > 1) {
			fprintf(f, "cluster {\n name: bench\n listen: "
			    "127.0.0.1:%d\n routes: [", routes[i]);
			for (j = 0; j < count; j++) {
				fprintf(f, "%snats://127.0.0.1:%d",
				    j > 0 ? ", " : "", routes[j]);
			}
			fprintf(f, "]\n}\n");
		}
		fclose(f);
		if (spawn_server(n, i) != 0) {
			bench_nats_stop(n);
			return (-1);
		}
	}
	if (connect_ready(n) != 0) {
		bench_nats_stop(n);
		return (-1);
	}
	return (0);
}

void
bench_nats_stop(bench_nats *n)
{
	int status, i, k;

	jsCtx_Destroy(n->js);
	natsConnection_Destroy(n->nc);
	n->js = NULL;
	n->nc = NULL;
	for (i = 0; i < n->count; i++) {
		if (n->pids[i] > 0) {
			kill(n->pids[i], SIGTERM);
		}
	}
	for (i = 0; i < n->count; i++) {
		if (n->pids[i] <= 0) {
			continue;
		}
		for (k = 0; k < 500
		     && waitpid(n->pids[i], &status, WNOHANG) == 0; k++) {
			usleep(10000);
		}
		if (k == 500) {
			kill(n->pids[i], SIGKILL);
			waitpid(n->pids[i], &status, 0);
		}
		n->pids[i] = 0;
	}
	if (n->dir[0] != '\0') {
		bench_dir_remove(n->dir);
	}
}

void
bench_nats_servers(const bench_nats *n, char *out, size_t len)
{
	size_t at = 0;
	int    i, w;

	out[0] = '\0';
	for (i = 0; i < n->count; i++) {
		w = snprintf(out + at, len - at, "%s%s", i > 0 ? "," : "",
		    n->urls[i]);
		if (w < 0 || (size_t)w >= len - at) {
			return;
		}
		at += (size_t)w;
	}
}

int
bench_nats_stream(bench_nats *n, const char *name, const char *subject)
{
	jsStreamConfig cfg;
	jsStreamInfo  *si = NULL;
	const char    *subjects[1] = { subject };
	natsStatus     s;
	double         until = bench_now_s() + 30;

	jsStreamConfig_Init(&cfg);
	cfg.Name = name;
	cfg.Subjects = subjects;
	cfg.SubjectsLen = 1;
	cfg.Storage = js_FileStorage;
	cfg.Replicas = n->count;
	cfg.Duplicates = 600LL * 1000000000LL;
	/* A young cluster may not have placed its meta leader yet. */
	while ((s = js_AddStream(&si, n->js, &cfg, NULL, NULL)) != NATS_OK
	    && bench_now_s() < until) {
		usleep(100000);
	}
	if (s != NATS_OK) {
		fprintf(stderr, "bench: stream %s: %s\n", name,
		    natsStatus_GetText(s));
		return (-1);
	}
	jsStreamInfo_Destroy(si);
	return (0);
}

int
bench_nats_publish(bench_nats *n, const char *subject, const char *id_prefix,
    uint64_t count)
{
	char         body[BENCH_BODY_BYTES], id[64];
	jsPubOptions po;
	natsStatus   s;
	uint64_t     i;

	bench_body_fill(body, sizeof(body), 3);
	for (i = 0; i < count; i++) {
		snprintf(id, sizeof(id), "%s/%llu", id_prefix,
		    (unsigned long long)i);
		jsPubOptions_Init(&po);
		po.MsgId = id;
		s = js_PublishAsync(n->js, subject, body, sizeof(body), &po);
		if (s != NATS_OK) {
			fprintf(stderr, "bench: publish: %s\n",
			    natsStatus_GetText(s));
			return (-1);
		}
	}
	jsPubOptions_Init(&po);
	po.MaxWait = 60000;
	if ((s = js_PublishAsyncComplete(n->js, &po)) != NATS_OK) {
		fprintf(stderr, "bench: PubAcks: %s\n", natsStatus_GetText(s));
		return (-1);
	}
	return (0);
}

int
bench_nats_pull(bench_nats *n, const char *stream, const char *consumer,
    int batch, uint64_t count)
{
	natsSubscription *sub = NULL;
	jsSubOptions      so;
	jsConsumerConfig  cc;
	jsConsumerInfo   *ci = NULL;
	natsMsgList       list;
	natsStatus        s;
	uint64_t          got = 0;
	int               i;

	jsConsumerConfig_Init(&cc);
	cc.Durable = consumer;
	cc.AckPolicy = js_AckExplicit;
	if ((s = js_AddConsumer(&ci, n->js, stream, &cc, NULL, NULL))
	    != NATS_OK) {
		fprintf(stderr, "bench: consumer: %s\n", natsStatus_GetText(s));
		return (-1);
	}
	jsConsumerInfo_Destroy(ci);
	jsSubOptions_Init(&so);
	so.Stream = stream;
	so.Consumer = consumer;
	if ((s = js_PullSubscribe(&sub, n->js, NULL, consumer, NULL, &so, NULL))
	    != NATS_OK) {
		fprintf(stderr, "bench: pull: %s\n", natsStatus_GetText(s));
		return (-1);
	}
	while (got < count) {
		s = natsSubscription_Fetch(&list, sub, batch, 5000, NULL);
		if (s != NATS_OK) {
			fprintf(stderr, "bench: fetch: %s\n",
			    natsStatus_GetText(s));
			natsSubscription_Destroy(sub);
			return (-1);
		}
		for (i = 0; i < list.Count; i++) {
			natsMsg_Ack(list.Msgs[i], NULL);
		}
		got += (uint64_t)list.Count;
		natsMsgList_Destroy(&list);
	}
	natsSubscription_Destroy(sub);
	return (0);
}
