/*
 * proc_wait_util.c - procs, claims, waits and the script thread of the
 * pp_available_proc and pp_wait_for_procs tests. See proc_wait_util.h.
 */
#include "proc_wait_util.h"

pp_proc_opts
quiet_opts(const char *offset, uint32_t count)
{
	pp_proc_opts o = PP_PROC_OPTS_INIT;

	o.offset = offset;
	o.count = count;
	o.max_reclaims = -1;
	o.reclaim_timeout_ms = -1;
	return (o);
}

void
make_proc_at(const char *file, int line, pp_client *c, const char *topic,
    const char *name, const pp_proc_opts *o)
{
	pp_claim *cl = proc_claim_at(file, line, c, topic, name, o, 0);

	if (pp_claim_count(cl) != 0) {
		pp_t_fail(file, line,
		    "creating %s claimed %zu logs, expected none", name,
		    pp_claim_count(cl));
	}
	pp_claim_free(cl);
}

void
check_one_at(const char *file, int line, const pp_claim *cl, const char *topic,
    uint64_t seq)
{
	const pp_log *log = pp_claim_log(cl, 0);
	char          body[PROC_BODY_MAX];

	snprintf(body, sizeof(body), "%s-%" PRIu64, topic, seq);
	if (pp_claim_count(cl) != 1 || log == NULL) {
		pp_t_fail(file, line, "claim holds %zu logs, expected %s",
		    pp_claim_count(cl), body);
	}
	if (log->id.seq != seq || log->len != strlen(body)
	    || memcmp(log->body, body, log->len) != 0) {
		pp_t_fail(file, line,
		    "claim holds seq %" PRIu64 " \"%.*s\", expected \"%s\"",
		    log->id.seq, (int)log->len, (const char *)log->body, body);
	}
	if (pp_claim_token(cl) == 0) {
		pp_t_fail(file, line, "a claim with logs has token 0");
	}
}

pp_claim *
avail_at(const char *file, int line, pp_client *c, const char *const *names,
    size_t n, int wait_ms, size_t *index)
{
	pp_claim *cl = NULL;
	int       rv;

	*index = SIZE_MAX;
	rv = pp_available_proc(c, names, n, wait_ms, index, &cl);
	if (rv != 0 || cl == NULL) {
		pp_t_fail(file, line, "pp_available_proc returned %s (%s)",
		    pp_errname(rv), pp_client_errmsg(c));
	}
	if (pp_claim_count(cl) > 0 && *index >= n) {
		pp_t_fail(file, line,
		    "a claim with logs has index %zu of %zu names", *index, n);
	}
	return (cl);
}

void
drain_at(const char *file, int line, pp_client *c, const char *topic,
    const char *name, const pp_proc_opts *o)
{
	pp_claim *cl = proc_claim_at(file, line, c, topic, name, o, 0);

	if (pp_claim_count(cl) > 0) {
		proc_ack_at(file, line, c, name, pp_claim_token(cl));
	}
	pp_claim_free(cl);
}

pp_proc_info
proc_wait_inspect_at(const char *file, int line, pp_client *c, const char *name)
{
	pp_proc_list *l = NULL;
	pp_proc_info  info;
	int           rv;

	if ((rv = pp_proc_inspect(c, name, &l)) != 0) {
		pp_t_fail(file, line, "pp_proc_inspect(%s) returned %s", name,
		    pp_errname(rv));
	}
	if (pp_proc_list_count(l) != 1 || pp_proc_list_get(l, 0) == NULL) {
		pp_t_fail(file, line, "inspect %s: %zu states", name,
		    pp_proc_list_count(l));
	}
	info = *pp_proc_list_get(l, 0);
	info.name = info.topic = info.offset = info.last_error = NULL;
	info.opts.offset = NULL;
	pp_proc_list_free(l);
	return (info);
}

void
check_idle_at(const char *file, int line, pp_client *c, const char *name,
    uint64_t next_seq)
{
	pp_proc_info i = proc_wait_inspect_at(file, line, c, name);

	if (i.has_claim || i.next_seq != next_seq) {
		pp_t_fail(file, line,
		    "proc %s: has_claim %d next_seq %" PRIu64
		    ", expected no claim and next_seq %" PRIu64,
		    name, (int)i.has_claim, i.next_seq, next_seq);
	}
}

static void
run_step(pp_client *c, step *s)
{
	pp_claim *cl = NULL;
	pp_id     id = { 0, 0 };
	int       rv;

	s->start_ms = pp_t_mono_ms();
	switch (s->act) {
	case ACT_COMMIT:
		id = PUT_LOGS(c, s->topic, s->seq, 1);
		break;
	case ACT_ACK:
		id = ACK(c, s->name, 0);
		PP_ASSERT_U64_EQ(id.seq, s->seq);
		break;
	case ACT_CLAIM:
		cl = proc_claim_at(
		    __FILE__, __LINE__, c, s->topic, s->name, &s->opts, 0);
		PP_ASSERT_TRUE(pp_claim_count(cl) > 0);
		PP_ASSERT_U64_EQ(pp_claim_log(cl, 0)->id.seq, s->seq);
		pp_claim_free(cl);
		break;
	case ACT_DISABLE:
		PP_PASS(pp_proc_disable(c, s->name, NULL));
		break;
	case ACT_RESUME:
		rv = pp_proc_resume(c, s->name, NULL);
		PP_ASSERT_INT_EQ(rv, 0);
		break;
	}
	s->done_ms = pp_t_mono_ms();
}

static void *
script_main(void *p)
{
	script    *sc = p;
	pp_client *c = pp_t_connect(sc->address);
	size_t     i;

	PP_WAIT_UNTIL(atomic_load(&sc->is_go), 30000);
	for (i = 0; i < sc->n; i++) {
		PP_WAIT_UNTIL(
		    pp_t_mono_ms() >= sc->go_ms + (uint64_t)sc->steps[i].at_ms,
		    sc->steps[i].at_ms + 10000);
		run_step(c, &sc->steps[i]);
	}
	pp_close(c);
	atomic_store(&sc->is_done, true);
	return (NULL);
}

void
script_start(script *sc, const char *address, step *steps, size_t n)
{
	memset(sc, 0, sizeof(*sc));
	sc->address = address;
	sc->steps = steps;
	sc->n = n;
	PP_ASSERT_INT_EQ(pthread_create(&sc->th, NULL, script_main, sc), 0);
}

void
script_go(script *sc)
{
	sc->go_ms = pp_t_mono_ms();
	atomic_store(&sc->is_go, true);
}

void
script_join(script *sc)
{
	PP_WAIT_UNTIL(atomic_load(&sc->is_done), 30000);
	pthread_join(sc->th, NULL);
}

void
check_woken_at(const char *file, int line, const step *s, uint64_t ret_ms,
    const char *what)
{
	pp_t_diag("%s returned %" PRId64 " ms after the step's call began",
	    what, (int64_t)(ret_ms - s->start_ms));
	if (ret_ms < s->start_ms) {
		pp_t_fail(file, line,
		    "%s returned %" PRIu64 " ms before the step that should "
		    "wake it",
		    what, s->start_ms - ret_ms);
	}
	if (ret_ms - s->start_ms >= (uint64_t)pp_t_scaled(1000)) {
		pp_t_fail(file, line,
		    "%s returned %" PRIu64 " ms after the step, expected "
		    "within %d",
		    what, ret_ms - s->start_ms, pp_t_scaled(1000));
	}
}
