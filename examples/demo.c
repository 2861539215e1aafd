/*
 * demo.c - a small end-to-end tour of libpipeproc; `make demo` runs it.
 *
 * It plays a tiny analytics pipeline:
 *
 *   1. spawn a log node on a fresh data directory (pp_spawn);
 *   2. commit 100,000 click-stream events of about 100 bytes to the topic
 *      "events", one pp_commit_async() call per event: the library batches
 *      them into a few large requests, as a Kafka producer would;
 *   3. read the whole topic back with an iterator (pp_iter_*), check that
 *      the events come back in commit order, and aggregate them;
 *   4. commit the aggregate to the topic "summaries" (pp_commit);
 *   5. print the statistics of both topics and a sample of logs;
 *   6. stop the node (pp_shutdown) and remove the data directory.
 *
 * The node program is found through $PIPEPROC_NODE, which `make demo` sets
 * to the freshly built one. Any error ends the demo with its PP_E* name
 * and a non-zero exit status.
 */
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pipeproc.h"

#define EVENTS 100000

/* What the commit callbacks have seen. */
struct tally {
	uint64_t acked;  /* logs the node acknowledged */
	int      status; /* first failure, or 0 */
};

/* What the read-back pass computes. */
struct aggregate {
	uint64_t count;
	uint64_t bytes;
	uint64_t clicks;
	uint64_t views;
	uint64_t purchases;
	uint64_t revenue_cents;
	bool     is_ordered; /* event n came back at position n */
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Report a failed call with its error name and the library's detail. */
static int
fail(const char *what, int rv, pp_client *client)
{
	const char *detail
	    = client != NULL ? pp_client_errmsg(client) : pp_last_errmsg();

	fprintf(stderr, "pipeproc-demo: %s: %s: %s%s%s\n", what, pp_errname(rv),
	    pp_strerror(rv), detail[0] != '\0' ? ": " : "", detail);
	return 1;
}

/*
 * Called once per pp_commit_async(), on a library thread, in call order.
 * pp_flush() returns only after every callback has returned, so the main
 * thread may read the tally after flushing.
 */
static void
on_commit(void *arg, int status, const pp_id *ids, size_t count)
{
	struct tally *tally = arg;

	(void)ids;
	if (status != 0 && tally->status == 0) {
		tally->status = status;
	}
	if (status == 0) {
		tally->acked += count;
	}
}

/* Event n: a deterministic mix of 70% clicks, 25% views, 5% purchases. */
static int
make_event(uint64_t n, char *buf, size_t len)
{
	uint64_t    h = (n + 1) * 0x9E3779B97F4A7C15u; /* a cheap hash */
	unsigned    pick = (unsigned)(h >> 40) % 100;
	const char *kind = pick < 70 ? "click"
	    : pick < 95              ? "view"
	                             : "purchase";
	unsigned cents = kind[0] == 'p' ? 199 + (unsigned)(h >> 20) % 9800 : 0;

	return snprintf(buf, len,
	    "{\"n\":%" PRIu64 ",\"kind\":\"%s\",\"user\":\"u%04u\","
	    "\"session\":\"%08x\",\"page\":\"/products/%05u\","
	    "\"amount_cents\":%u}",
	    n, kind, (unsigned)(h >> 12) % 5000, (unsigned)(h >> 24),
	    (unsigned)(h >> 30) % 20000, cents);
}

/* Fold one event body into the aggregate. */
static void
aggregate_add(struct aggregate *agg, const pp_log *log)
{
	char          text[256];
	const char   *p;
	unsigned long n = 0;

	agg->count++;
	agg->bytes += log->len;
	if (log->len >= sizeof(text)) {
		agg->is_ordered = false;
		return;
	}
	memcpy(text, log->body, log->len); /* bodies are not NUL-terminated */
	text[log->len] = '\0';
	if (sscanf(text, "{\"n\":%lu", &n) != 1 || n != agg->count - 1) {
		agg->is_ordered = false;
	}
	if (strstr(text, "\"kind\":\"click\"") != NULL) {
		agg->clicks++;
	} else if (strstr(text, "\"kind\":\"view\"") != NULL) {
		agg->views++;
	} else if ((p = strstr(text, "\"amount_cents\":")) != NULL) {
		agg->purchases++;
		agg->revenue_cents += strtoul(p + 15, NULL, 10);
	}
}

static void
print_stat(const pp_topic_info *info)
{
	char first[PP_ID_STRLEN];
	char last[PP_ID_STRLEN];

	printf("  %-10s %7" PRIu64 " logs %9" PRIu64 " bytes  first %s  "
	       "last %s  next seq %" PRIu64 "\n",
	    info->name, info->count, info->bytes,
	    pp_id_format(info->first, first), pp_id_format(info->last, last),
	    info->next_seq);
}

static int
remove_entry(const char *path, const struct stat *sb, int type, struct FTW *f)
{
	(void)sb;
	(void)type;
	(void)f;
	return remove(path);
}

/* Everything after the spawn; returns the exit status. */
static int
run(pp_client *client)
{
	static const char *topics[] = { "events", "summaries" };
	struct tally       tally = { 0, 0 };
	struct aggregate   agg = { .is_ordered = true };
	pp_range_opts      sample_opts = { .start = ":50000", .limit = 3 };
	pp_record          rec;
	pp_iter           *iter;
	pp_result         *sample;
	const pp_log      *log;
	pp_topic_info      info;
	pp_id              summary_id;
	char               body[256];
	char               id[PP_ID_STRLEN];
	double             t0, commit_s, read_s;
	uint64_t           n;
	size_t             k;
	int                rv;

	/* 2. Commit: queue one call per event, then wait for all of them. */
	t0 = now_s();
	for (n = 0; n < EVENTS; n++) {
		rec.topic = "events";
		rec.body = body;
		rec.len = (size_t)make_event(n, body, sizeof(body));
		if ((rv = pp_commit_async(client, &rec, 1, on_commit, &tally))
		    != 0) {
			return fail("pp_commit_async", rv, client);
		}
	}
	if ((rv = pp_flush(client, -1)) != 0) {
		return fail("pp_flush", rv, client);
	}
	if (tally.status != 0) {
		return fail("commit callback", tally.status, client);
	}
	commit_s = now_s() - t0;
	printf("committed %" PRIu64 " events in %.3f s: %.0f logs/s\n",
	    tally.acked, commit_s, (double)tally.acked / commit_s);

	/* 3. Read the whole topic back, one page at a time. */
	t0 = now_s();
	if ((rv = pp_iter_open(client, "events", NULL, false, &iter)) != 0) {
		return fail("pp_iter_open", rv, client);
	}
	while ((rv = pp_iter_next(iter, &log)) == 1) {
		aggregate_add(&agg, log);
	}
	pp_iter_close(iter);
	if (rv != 0) {
		return fail("pp_iter_next", rv, client);
	}
	read_s = now_s() - t0;
	printf("read back %" PRIu64 " events (%" PRIu64 " bytes) in %.3f s: "
	       "%.0f logs/s, %s\n",
	    agg.count, agg.bytes, read_s, (double)agg.count / read_s,
	    agg.is_ordered ? "in commit order" : "OUT OF ORDER");
	printf("  clicks %" PRIu64 ", views %" PRIu64 ", purchases %" PRIu64
	       ", revenue %" PRIu64 ".%02" PRIu64 "\n",
	    agg.clicks, agg.views, agg.purchases, agg.revenue_cents / 100,
	    agg.revenue_cents % 100);
	if (agg.count != EVENTS || !agg.is_ordered) {
		fprintf(stderr, "pipeproc-demo: read back the wrong events\n");
		return 1;
	}

	/* 4. Commit the derived summary; pp_commit waits for its id. */
	rec.topic = "summaries";
	rec.body = body;
	rec.len = (size_t)snprintf(body, sizeof(body),
	    "{\"events\":%" PRIu64 ",\"clicks\":%" PRIu64 ",\"views\":%" PRIu64
	    ",\"purchases\":%" PRIu64 ",\"revenue_cents\":%" PRIu64 "}",
	    agg.count, agg.clicks, agg.views, agg.purchases, agg.revenue_cents);
	if ((rv = pp_commit(client, &rec, 1, &summary_id)) != 0) {
		return fail("pp_commit", rv, client);
	}
	printf("summary committed as %s: %s\n", pp_id_format(summary_id, id),
	    body);

	/* 5. Statistics of each topic, and three events from the middle. */
	printf("topics:\n");
	for (k = 0; k < sizeof(topics) / sizeof(topics[0]); k++) {
		if ((rv = pp_topic_stat(client, topics[k], &info)) != 0) {
			return fail("pp_topic_stat", rv, client);
		}
		print_stat(&info);
	}
	if ((rv = pp_range(client, "events", &sample_opts, &sample)) != 0) {
		return fail("pp_range", rv, client);
	}
	printf("sample (range events --start :50000 --limit 3):\n");
	for (k = 0; k < pp_result_count(sample); k++) {
		log = pp_result_log(sample, k);
		printf("  %s  %.*s\n", pp_id_format(log->id, id), (int)log->len,
		    (const char *)log->body);
	}
	pp_result_free(sample);

	/* 6. Stop the node: it answers what is queued, syncs and exits. */
	if ((rv = pp_shutdown(client)) != 0) {
		return fail("pp_shutdown", rv, client);
	}
	printf("node stopped\n");
	return 0;
}

int
main(void)
{
	const char   *tmp = getenv("TMPDIR");
	char          dir[256];
	char          data_dir[300];
	char          address[320];
	pp_spawn_opts opts;
	pp_client    *client = NULL;
	int           status;
	int           rv;

	/* 1. A fresh data directory, and a socket inside it. */
	if (tmp == NULL || tmp[0] == '\0') {
		tmp = "/tmp";
	}
	snprintf(dir, sizeof(dir), "%s/pipeproc-demo.XXXXXX", tmp);
	if (mkdtemp(dir) == NULL) {
		perror("pipeproc-demo: mkdtemp");
		return 1;
	}
	snprintf(data_dir, sizeof(data_dir), "%s/data", dir);
	snprintf(address, sizeof(address), "ipc://%s/node.sock", dir);

	memset(&opts, 0, sizeof(opts)); /* zero means default everywhere */
	opts.node_path = NULL;          /* $PIPEPROC_NODE, else installed */
	opts.data_dir = data_dir;
	opts.address = address;
	if ((rv = pp_spawn(&opts, &client)) != 0) {
		status = fail("pp_spawn", rv, NULL);
	} else {
		printf("pipeproc %s: node listening on %s\n", pp_version(),
		    address);
		status = run(client);
		if (status != 0) {
			pp_shutdown(client); /* best effort before cleanup */
		}
		pp_close(client);
	}
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	if (status == 0) {
		printf("removed %s; done\n", dir);
	}
	return status;
}
