/*
 * proc_state.c - proc states read back and compared, and claims
 * reclaimed once, for the proc tests. See proc_state.h.
 */
#include "proc_state.h"

void
pstate_copy_at(const char *file, int line, pstate *s, const pp_proc_info *i)
{
	if (i == NULL || i->name == NULL || i->topic == NULL
	    || i->offset == NULL || i->last_error == NULL) {
		pp_t_fail(file, line,
		    "proc info or one of its strings is "
		    "NULL");
	}
	memset(s, 0, sizeof(*s));
	s->i = *i;
	snprintf(s->name, sizeof(s->name), "%s", i->name);
	snprintf(s->topic, sizeof(s->topic), "%s", i->topic);
	snprintf(s->offset, sizeof(s->offset), "%s", i->offset);
	snprintf(s->last_error, sizeof(s->last_error), "%s", i->last_error);
	s->i.name = s->name;
	s->i.topic = s->topic;
	s->i.offset = s->offset;
	s->i.last_error = s->last_error;
	s->i.opts.offset = s->offset;
}

void
pstate_from_list_at(
    const char *file, int line, pp_proc_list *l, const char *name, pstate *s)
{
	if (l == NULL || pp_proc_list_count(l) != 1) {
		pp_t_fail(file, line, "expected a one-element list, got %zu",
		    l ? pp_proc_list_count(l) : 0);
	}
	if (pp_proc_list_get(l, 1) != NULL) {
		pp_t_fail(file, line, "pp_proc_list_get(1) is not NULL");
	}
	pstate_copy_at(file, line, s, pp_proc_list_get(l, 0));
	if (strcmp(s->name, name) != 0) {
		pp_t_fail(file, line, "state of \"%s\", expected \"%s\"",
		    s->name, name);
	}
	pp_proc_list_free(l);
}

void
pstate_inspect_at(
    const char *file, int line, pp_client *c, const char *name, pstate *s)
{
	pp_proc_list *l = NULL;
	int           rv;

	if ((rv = pp_proc_inspect(c, name, &l)) != 0) {
		pp_t_fail(file, line, "pp_proc_inspect(%s) returned %s (%s)",
		    name, pp_errname(rv), pp_strerror(rv));
	}
	pstate_from_list_at(file, line, l, name, s);
}

void
pstate_eq_at(const char *file, int line, const pstate *a, const pstate *b)
{
#define PST_U64(f)                                                             \
	if ((uint64_t)a->i.f != (uint64_t)b->i.f) {                            \
		pp_t_fail(file, line,                                          \
		    "proc %s: " #f " %" PRIu64 " vs %" PRIu64, a->name,        \
		    (uint64_t)a->i.f, (uint64_t)b->i.f);                       \
	}
#define PST_I64(f)                                                             \
	if ((int64_t)a->i.f != (int64_t)b->i.f) {                              \
		pp_t_fail(file, line,                                          \
		    "proc %s: " #f " %" PRId64 " vs %" PRId64, a->name,        \
		    (int64_t)a->i.f, (int64_t)b->i.f);                         \
	}
#define PST_STR(f)                                                             \
	if (strcmp(a->f, b->f) != 0) {                                         \
		pp_t_fail(file, line, "proc %s: " #f " \"%s\" vs \"%s\"",      \
		    a->name, a->f, b->f);                                      \
	}
	PST_STR(name);
	PST_STR(topic);
	PST_STR(offset);
	PST_STR(last_error);
	PST_U64(opts.count);
	PST_I64(opts.max_reclaims);
	PST_I64(opts.reclaim_timeout_ms);
	PST_I64(opts.on_max_reclaims);
	PST_U64(is_disabled);
	PST_U64(has_claim);
	/* These four mean something only while a claim is outstanding. */
	if (a->i.has_claim) {
		PST_U64(claim_first.ms);
		PST_U64(claim_first.seq);
		PST_U64(claim_last.ms);
		PST_U64(claim_last.seq);
		PST_U64(claim_token);
		PST_U64(claim_deadline_ms);
	}
	PST_U64(next_seq);
	PST_U64(reclaims);
	PST_U64(created_ms);
	PST_U64(last_claimed_ms);
	PST_U64(last_acked_ms);
	PST_U64(lag);
	PST_U64(oldest_unacked_ms);
	PST_U64(has_last_acked);
	PST_U64(last_acked_first.ms);
	PST_U64(last_acked_first.seq);
	PST_U64(last_acked_last.ms);
	PST_U64(last_acked_last.seq);
	PST_U64(has_prev_claim);
	PST_U64(prev_claim_first.ms);
	PST_U64(prev_claim_first.seq);
	PST_U64(prev_claim_last.ms);
	PST_U64(prev_claim_last.seq);
#undef PST_U64
#undef PST_I64
#undef PST_STR
}

void
pstate_check_opts_at(
    const char *file, int line, const pstate *s, const pp_proc_opts *o)
{
	const char *off = o->offset != NULL ? o->offset : ">";

	if (strcmp(s->offset, off) != 0 || s->i.opts.count != o->count
	    || s->i.opts.max_reclaims != o->max_reclaims
	    || s->i.opts.reclaim_timeout_ms != o->reclaim_timeout_ms
	    || s->i.opts.on_max_reclaims != o->on_max_reclaims) {
		pp_t_fail(file, line,
		    "proc %s stores {\"%s\", %u, %d, %" PRId64
		    ", %d}, expected "
		    "{\"%s\", %u, %d, %" PRId64 ", %d}",
		    s->name, s->offset, s->i.opts.count, s->i.opts.max_reclaims,
		    s->i.opts.reclaim_timeout_ms,
		    (int)s->i.opts.on_max_reclaims, off, o->count,
		    o->max_reclaims, o->reclaim_timeout_ms,
		    (int)o->on_max_reclaims);
	}
}

bool
proc_has_claim(pp_client *c, const char *name)
{
	pstate s;

	INSPECT(c, name, &s);
	return (s.i.has_claim);
}

void
claim_and_reclaim_at(const char *file, int line, pp_client *c,
    const char *topic, const char *name, const pp_proc_opts *o, uint64_t first,
    size_t count, const char *error)
{
	uint64_t t = proc_claim_expect_at(
	    file, line, c, topic, name, o, first, count, 0);
	int rv;

	if ((rv = pp_reclaim(c, name, t, error)) != 0) {
		pp_t_fail(file, line, "pp_reclaim(%s) returned %s", name,
		    pp_errname(rv));
	}
}
