/*
 * bench_tls.c - the commit workloads over tls+tcp (issue 6 item 9):
 * commit_seq_tls (one 100-byte log per pp_commit) and commit_batch_tls
 * (1000 per call), both with --sync always.
 *
 * Baseline: the same workload over ipc in the same run. Each run spawns
 * two fresh nodes, one on ipc and one on tls+tcp://127.0.0.1 with mutual
 * TLS (certificates made by pipeproc-gen-certs in the run's scratch
 * directory), and alternates BENCH_SLICES slices between them, so both
 * see the same disk and the same machine load. The ratio is tls / ipc.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define TLS_BATCH_LOGS 1000

/* pipeproc-gen-certs: $PIPEPROC_GEN_CERTS, else next to this program. */
static void
gen_certs_path(char *buf, size_t len)
{
	const char *env = getenv("PIPEPROC_GEN_CERTS");
	char       *slash;
	ssize_t     n;

	if (env != NULL && env[0] != '\0') {
		snprintf(buf, len, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", buf, len - 32);
	buf[n > 0 ? n : 0] = '\0';
	if ((slash = strrchr(buf, '/')) != NULL) {
		strcpy(slash + 1, "pipeproc-gen-certs");
	} else {
		snprintf(buf, len, "pipeproc-gen-certs");
	}
}

static unsigned
free_port(void)
{
	struct sockaddr_in sa;
	socklen_t          len = sizeof(sa);
	unsigned           port = 0;
	int                fd  = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family      = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0) {
		port = ntohs(sa.sin_port);
	}
	if (fd >= 0) {
		close(fd);
	}
	return (port);
}

/* A node on tls+tcp://127.0.0.1:PORT with certificates in dir. */
static int
tls_node_start(const char *dir, pp_client **client)
{
	pp_spawn_opts o;
	char          prog[PATH_MAX], cmd[PATH_MAX * 3], addr[64];
	char          data[PATH_MAX], ca[PATH_MAX], cert[PATH_MAX];
	char          key[PATH_MAX], ccert[PATH_MAX], ckey[PATH_MAX];
	int           st, rv;

	gen_certs_path(prog, sizeof(prog));
	snprintf(cmd, sizeof(cmd), "'%s' '%s/certs' --host 127.0.0.1 "
	    ">/dev/null", prog, dir);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "bench: %s failed\n", cmd);
		return (-1);
	}
	snprintf(data, sizeof(data), "%s/data", dir);
	snprintf(ca, sizeof(ca), "%s/certs/ca.pem", dir);
	snprintf(cert, sizeof(cert), "%s/certs/node.pem", dir);
	snprintf(key, sizeof(key), "%s/certs/node.key", dir);
	snprintf(ccert, sizeof(ccert), "%s/certs/client.pem", dir);
	snprintf(ckey, sizeof(ckey), "%s/certs/client.key", dir);
	snprintf(addr, sizeof(addr), "tls+tcp://127.0.0.1:%u", free_port());
	memset(&o, 0, sizeof(o));
	o.data_dir             = data;
	o.address              = addr;
	o.sync_mode            = PP_SYNC_ALWAYS;
	o.tls_ca_file          = ca;
	o.tls_cert_file        = cert;
	o.tls_key_file         = key;
	o.tls_client_cert_file = ccert;
	o.tls_client_key_file  = ckey;
	if ((rv = pp_spawn(&o, client)) != 0) {
		fprintf(stderr, "bench: pp_spawn (%s): %s (%s)\n", addr,
		    pp_errname(rv), pp_last_errmsg());
		return (-1);
	}
	return (0);
}

/* A timed slice of pp_commit calls of n logs; ops are logs. */
static int
slice(pp_client *c, pp_record *recs, pp_id *ids, size_t n, double slice_s,
    double *ops, double *elapsed_s)
{
	double start_s = bench_now_s(), took_s;
	size_t logs    = 0;
	int    rv;

	do {
		if ((rv = pp_commit(c, recs, n, ids)) != 0) {
			fprintf(stderr, "bench: pp_commit: %s (%s)\n",
			    pp_errname(rv), pp_client_errmsg(c));
			return (-1);
		}
		logs += n;
		took_s = bench_now_s() - start_s;
	} while (took_s < slice_s);
	*ops += (double)logs;
	*elapsed_s += took_s;
	return (0);
}

static int
tls_run(const bench_cfg *cfg, const char *tag, int run, size_t n,
    bench_sample *sample)
{
	bench_node ipc;
	char       dir[PATH_MAX], body[BENCH_BODY_BYTES];
	pp_client *tls = NULL;
	pp_record *recs = calloc(n, sizeof(*recs));
	pp_id     *ids  = calloc(n, sizeof(*ids));
	double     slice_s = cfg->measure_s / BENCH_SLICES;
	double     ops = 0, el = 0, bops = 0, bel = 0;
	size_t     i;
	int        k, rv = -1;

	memset(&ipc, 0, sizeof(ipc));
	dir[0] = '\0';
	if (recs == NULL || ids == NULL ||
	    bench_dir_make(cfg, tag, run, dir, sizeof(dir)) != 0 ||
	    tls_node_start(dir, &tls) != 0 ||
	    bench_node_start(cfg, tag, run, PP_SYNC_ALWAYS, &ipc) != 0) {
		goto out;
	}
	bench_body_fill(body, sizeof(body), 0);
	for (i = 0; i < n; i++) {
		recs[i] = (pp_record) { BENCH_TOPIC, body, sizeof(body) };
	}
	for (k = 0; k < BENCH_SLICES; k++) {
		if (slice(tls, recs, ids, n, slice_s, &ops, &el) != 0 ||
		    slice(ipc.client, recs, ids, n, slice_s, &bops, &bel) != 0) {
			goto out;
		}
	}
	sample->value    = ops / el;
	sample->baseline = bops / bel;
	fprintf(stderr, "bench:   %zu logs/commit: %.0f logs/s over tls+tcp, "
	    "%.0f over ipc\n", n, sample->value, sample->baseline);
	rv = 0;
out:
	if (tls != NULL) {
		pp_shutdown(tls);
		pp_close(tls);
	}
	bench_node_stop(&ipc);
	if (dir[0] != '\0') {
		bench_dir_remove(dir);
	}
	free(recs);
	free(ids);
	return (rv);
}

int
bench_tls_commit_seq(const bench_cfg *cfg, int run, bench_sample *sample)
{
	return (tls_run(cfg, "seq-tls", run, 1, sample));
}

int
bench_tls_commit_batch(const bench_cfg *cfg, int run, bench_sample *sample)
{
	return (tls_run(cfg, "batch-tls", run, TLS_BATCH_LOGS, sample));
}
