/*
 * admin_util.c - topic checks, retention passes and proc states of the
 * admin tests. See admin_util.h.
 */
#include "admin_util.h"

void
check_topic_at(const char *file, int line, pp_client *c, const char *topic,
    uint64_t first, size_t n, size_t pad)
{
	pp_t_logs logs;
	char      want[BODY_MAX];
	size_t    i, len;

	pp_t_read_all(c, topic, NULL, false, &logs);
	if (logs.count != n) {
		pp_t_fail(file, line,
		    "%s holds %zu logs (first seq %" PRIu64
		    "), expected %zu from seq %" PRIu64,
		    topic, logs.count,
		    logs.count > 0 ? logs.ids[0].seq : (uint64_t)0, n, first);
	}
	for (i = 0; i < n; i++) {
		if (logs.ids[i].seq != first + i) {
			pp_t_fail(file, line,
			    "%s: log %zu has seq %" PRIu64
			    ", expected %" PRIu64,
			    topic, i, logs.ids[i].seq, first + i);
		}
		len = proc_body(want, sizeof(want), topic, first + i, pad);
		if (logs.lens[i] != len
		    || memcmp(logs.bodies[i], want, len) != 0) {
			pp_t_fail(file, line,
			    "%s: log %" PRIu64 " has body \"%.40s\" (%zu bytes)"
			    ", expected \"%.40s\" (%zu bytes)",
			    topic, first + i, logs.bodies[i], logs.lens[i],
			    want, len);
		}
		if (i > 0 && pp_t_id_cmp(logs.ids[i - 1], logs.ids[i]) >= 0) {
			pp_t_fail(file, line, "%s: ids out of order at %zu",
			    topic, i);
		}
	}
	pp_t_logs_free(&logs);
}

void
admin_stat_at(const char *file, int line, pp_client *c, const char *topic,
    pp_topic_info *info)
{
	int rv;

	memset(info, 0, sizeof(*info));
	if ((rv = pp_topic_stat(c, topic, info)) != 0) {
		pp_t_fail(file, line, "pp_topic_stat(%s) returned %s (%s)",
		    topic, pp_errname(rv), pp_client_errmsg(c));
	}
}

uint64_t
admin_length_of(pp_client *c, const char *topic)
{
	return (pp_t_length(c, topic));
}

uint64_t
admin_first_seq_of(pp_client *c, const char *topic)
{
	pp_topic_info info;

	STAT(c, topic, &info);
	return (info.count > 0 ? info.first.seq : info.next_seq);
}

bool
admin_is_listed(pp_client *c, const char *topic)
{
	pp_topic_list       *l = NULL;
	const pp_topic_info *ti;
	size_t               i;
	bool                 found = false;

	PP_PASS(pp_topics(c, &l));
	for (i = 0; (ti = pp_topic_list_get(l, i)) != NULL; i++) {
		found = found || strcmp(ti->name, topic) == 0;
	}
	PP_ASSERT_U64_EQ(i, pp_topic_list_count(l));
	pp_topic_list_free(l);
	return (found);
}

pp_proc_opts
admin_proc_opts(uint32_t count)
{
	pp_proc_opts o = PP_PROC_OPTS_INIT;

	o.count = count;
	o.reclaim_timeout_ms = -1;
	return (o);
}

static void
pinfo_set(pinfo *p, const pp_proc_info *i)
{
	memset(p, 0, sizeof(*p));
	p->i = *i;
	snprintf(p->name, sizeof(p->name), "%s", i->name ? i->name : "");
	snprintf(p->topic, sizeof(p->topic), "%s", i->topic ? i->topic : "");
	snprintf(
	    p->offset, sizeof(p->offset), "%s", i->offset ? i->offset : "");
	snprintf(p->error, sizeof(p->error), "%s",
	    i->last_error ? i->last_error : "");
	p->i.name = p->name;
	p->i.topic = p->topic;
	p->i.offset = p->offset;
	p->i.opts.offset = p->offset;
	p->i.last_error = p->error;
}

void
admin_inspect_at(
    const char *file, int line, pp_client *c, const char *name, pinfo *p)
{
	pp_proc_list *l = NULL;
	int           rv;

	if ((rv = pp_proc_inspect(c, name, &l)) != 0) {
		pp_t_fail(file, line, "pp_proc_inspect(%s) returned %s", name,
		    pp_errname(rv));
	}
	if (pp_proc_list_count(l) != 1) {
		pp_t_fail(file, line, "inspect of %s lists %zu procs", name,
		    pp_proc_list_count(l));
	}
	pinfo_set(p, pp_proc_list_get(l, 0));
	pp_proc_list_free(l);
	if (strcmp(p->name, name) != 0) {
		pp_t_fail(
		    file, line, "inspect of %s returned %s", name, p->name);
	}
}

size_t
admin_procs_at(const char *file, int line, pp_client *c, pinfo *out, size_t max)
{
	pp_proc_list *l = NULL;
	size_t        i, n;
	int           rv;

	if ((rv = pp_procs(c, &l)) != 0) {
		pp_t_fail(file, line, "pp_procs returned %s", pp_errname(rv));
	}
	if ((n = pp_proc_list_count(l)) > max) {
		pp_t_fail(
		    file, line, "%zu procs, at most %zu expected", n, max);
	}
	for (i = 0; i < n; i++) {
		pinfo_set(&out[i], pp_proc_list_get(l, i));
	}
	pp_proc_list_free(l);
	return (n);
}

void
pinfo_eq_at(const char *file, int line, const pinfo *a, const pinfo *b)
{
#define PI_STR(f)                                                              \
	if (strcmp(a->f, b->f) != 0) {                                         \
		pp_t_fail(file, line, "proc %s: " #f " \"%s\" vs \"%s\"",      \
		    a->name, a->f, b->f);                                      \
	}
#define PI_NUM(f)                                                              \
	if ((uint64_t)a->i.f != (uint64_t)b->i.f) {                            \
		pp_t_fail(file, line,                                          \
		    "proc %s: " #f " %" PRIu64 " vs %" PRIu64, a->name,        \
		    (uint64_t)a->i.f, (uint64_t)b->i.f);                       \
	}
	PI_STR(name);
	PI_STR(topic);
	PI_STR(offset);
	PI_STR(error);
	PI_NUM(opts.count);
	PI_NUM(opts.max_reclaims);
	PI_NUM(opts.reclaim_timeout_ms);
	PI_NUM(opts.on_max_reclaims);
	PI_NUM(is_disabled);
	PI_NUM(has_claim);
	if (a->i.has_claim) {
		PI_NUM(claim_first.ms);
		PI_NUM(claim_first.seq);
		PI_NUM(claim_last.ms);
		PI_NUM(claim_last.seq);
		PI_NUM(claim_token);
		PI_NUM(claim_deadline_ms);
	}
	PI_NUM(next_seq);
	PI_NUM(reclaims);
	PI_NUM(created_ms);
	PI_NUM(last_claimed_ms);
	PI_NUM(last_acked_ms);
	PI_NUM(lag);
	PI_NUM(oldest_unacked_ms);
	PI_NUM(lost);
#undef PI_STR
#undef PI_NUM
}
