/*
 * gc_util.c - GC nodes, lengths, stored-log checks and GC passes of the GC
 * tests. See gc_util.h.
 */
#include "gc_util.h"

pp_spawn_opts
gc_opts(uint32_t prune_ms)
{
	pp_spawn_opts o;

	memset(&o, 0, sizeof(o));
	o.is_gc = true;
	o.gc_min_prune_time_ms = prune_ms;
	o.gc_interval_ms = INTERVAL_MS;
	return (o);
}

uint32_t
prune_ms(void)
{
	return ((uint32_t)pp_t_scaled(PRUNE_MS));
}

void
start_gc_node(pp_tnode *n, uint32_t prune)
{
	pp_spawn_opts o = gc_opts(prune);

	pp_t_node_init(n);
	pp_t_node_start(n, &o);
}

uint64_t
gc_bytes_of(const char *topic, uint64_t first, uint64_t n)
{
	char     body[BODY_MAX];
	uint64_t i, total = 0;

	for (i = 0; i < n; i++) {
		total += (uint64_t)snprintf(
		    body, sizeof(body), "%s-%" PRIu64, topic, first + i);
	}
	return (total);
}

uint64_t
gc_length_at(const char *file, int line, pp_client *c, const char *topic)
{
	uint64_t n = 0;
	int      rv;

	if ((rv = pp_length(c, topic, &n)) != 0) {
		pp_t_fail(file, line, "pp_length(%s) returned %s", topic,
		    pp_errname(rv));
	}
	return (n);
}

pp_topic_info
gc_stat_at(const char *file, int line, pp_client *c, const char *topic)
{
	pp_topic_info info;
	int           rv;

	memset(&info, 0, sizeof(info));
	if ((rv = pp_topic_stat(c, topic, &info)) != 0) {
		pp_t_fail(file, line, "pp_topic_stat(%s) returned %s", topic,
		    pp_errname(rv));
	}
	return (info);
}

void
gc_wait_length_at(const char *file, int line, pp_client *c, const char *topic,
    uint64_t want, int timeout_ms)
{
	uint64_t end = pp_t_mono_ms() + (uint64_t)pp_t_scaled(timeout_ms);
	uint64_t got;

	while ((got = gc_length_at(file, line, c, topic)) != want) {
		if (pp_t_mono_ms() > end) {
			pp_t_fail(file, line,
			    "length of %s is %" PRIu64 ", expected %" PRIu64
			    " within %d ms",
			    topic, got, want, timeout_ms);
		}
		pp_t_nap();
	}
}

void
gc_expect_stored_at(const char *file, int line, pp_client *c, const char *topic,
    uint64_t first, uint64_t n, uint64_t next_seq)
{
	char          body[BODY_MAX];
	pp_t_logs     fwd, rev;
	pp_topic_info info;
	uint64_t      i, len;

	pp_t_read_all(c, topic, NULL, false, &fwd);
	pp_t_read_all(c, topic, NULL, true, &rev);
	if (fwd.count != n || rev.count != n) {
		pp_t_fail(file, line,
		    "%s holds %zu logs (%zu backward) from seq %" PRIu64
		    ", expected %" PRIu64 " from %" PRIu64,
		    topic, fwd.count, rev.count,
		    fwd.count > 0 ? fwd.ids[0].seq : (uint64_t)0, n, first);
	}
	for (i = 0; i < n; i++) {
		snprintf(body, sizeof(body), "%s-%" PRIu64, topic, first + i);
		if (fwd.ids[i].seq != first + i
		    || strcmp(fwd.bodies[i], body) != 0) {
			pp_t_fail(file, line,
			    "%s: log %" PRIu64 " is seq %" PRIu64
			    " \"%s\", expected \"%s\"",
			    topic, i, fwd.ids[i].seq, fwd.bodies[i], body);
		}
		if (pp_t_id_cmp(rev.ids[n - 1 - i], fwd.ids[i]) != 0) {
			pp_t_fail(file, line,
			    "%s: backward walk differs at seq %" PRIu64, topic,
			    first + i);
		}
	}
	len = gc_length_at(file, line, c, topic);
	info = gc_stat_at(file, line, c, topic);
	if (len != n || info.count != n) {
		pp_t_fail(file, line,
		    "%s: length %" PRIu64 ", stat count %" PRIu64
		    ", expected %" PRIu64,
		    topic, len, info.count, n);
	}
	if (info.bytes != gc_bytes_of(topic, first, n)) {
		pp_t_fail(file, line,
		    "%s: stat bytes %" PRIu64 ", expected %" PRIu64, topic,
		    info.bytes, gc_bytes_of(topic, first, n));
	}
	if (info.next_seq != next_seq) {
		pp_t_fail(file, line,
		    "%s: next_seq %" PRIu64 ", expected %" PRIu64, topic,
		    info.next_seq, next_seq);
	}
	if (n > 0
	    && (pp_t_id_cmp(info.first, fwd.ids[0]) != 0
	        || pp_t_id_cmp(info.last, fwd.ids[n - 1]) != 0)) {
		pp_t_fail(file, line,
		    "%s: stat first/last %" PRIu64 "-%" PRIu64 " / %" PRIu64
		    "-%" PRIu64 " are not the stored logs",
		    topic, info.first.ms, info.first.seq, info.last.ms,
		    info.last.seq);
	}
	pp_t_logs_free(&fwd);
	pp_t_logs_free(&rev);
}

void
gc_passed_at(const char *file, int line, pp_client *c)
{
	static int k;
	char       topic[32];

	snprintf(topic, sizeof(topic), "zz-control-%d", k++);
	proc_commit_at(file, line, c, topic, 0, 1, 0, 0, NULL);
	gc_wait_length_at(file, line, c, topic, 0, WAIT_MS);
}

void
gc_wait_clock(uint64_t ms)
{
	PP_WAIT_UNTIL(pp_t_now_ms() >= ms, 60000);
}

pp_proc_opts
gc_proc_opts(const char *offset, uint32_t count)
{
	pp_proc_opts o = PP_PROC_OPTS_INIT;

	o.offset = offset;
	o.count = count;
	o.reclaim_timeout_ms = -1; /* claims stay until the case acks */
	return (o);
}
