/*
 * live_util.c - the recorder and its callback, and liveProc checks, of the
 * liveProc tests. See live_util.h.
 */
#include "live_util.h"

void
rec_init(recorder *r, enum rec_action action, pp_client *client)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	r->action = action;
	r->client = client;
}

void
rec_wait_at(const char *file, int line, recorder *r,
    bool (*pred)(const recorder *, size_t), size_t arg, int timeout_ms,
    const char *what)
{
	struct timespec until;
	uint64_t        ms = (uint64_t)pp_t_scaled(timeout_ms);
	bool            ok;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)(ms / 1000);
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&r->mu);
	while (!(ok = pred(r, arg))
	    && pthread_cond_timedwait(&r->cv, &r->mu, &until) == 0) { }
	ok = pred(r, arg);
	pthread_mutex_unlock(&r->mu);
	if (!ok) {
		pp_t_fail(file, line,
		    "not within %d ms: %s %zu (logs %zu, claims %zu, errors "
		    "%zu)",
		    timeout_ms, what, arg, r->nlogs, r->nclaims, r->nerrors);
	}
}

bool
rec_has_logs(const recorder *r, size_t n)
{
	return (r->nlogs >= n);
}

bool
rec_has_errors(const recorder *r, size_t n)
{
	return (r->nerrors >= n);
}

bool
rec_is_in_gate(const recorder *r, size_t n)
{
	(void)n;
	return (r->is_in_gate);
}

size_t
rec_nlogs(recorder *r)
{
	size_t n;

	pthread_mutex_lock(&r->mu);
	n = r->nlogs;
	pthread_mutex_unlock(&r->mu);
	return (n);
}

void
rec_open_gate(recorder *r)
{
	pthread_mutex_lock(&r->mu);
	r->is_gate_open = true;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

/* Copies the claim's logs and notes its size and thread (under mu). */
static void
rec_add(recorder *r, const pp_claim *claim)
{
	const pp_log *log;
	size_t        i;

	if (r->has_thread && !pthread_equal(r->thread, pthread_self())) {
		r->is_wrong_thread = true;
	}
	r->thread = pthread_self();
	r->has_thread = true;
	if (pp_claim_count(claim) == 0) {
		r->is_empty_claim = true;
	}
	r->sizes[r->nclaims < REC_MAX ? r->nclaims : REC_MAX - 1]
	    = pp_claim_count(claim);
	r->nclaims++;
	for (i = 0; i < pp_claim_count(claim) && r->nlogs < REC_MAX; i++) {
		log = pp_claim_log(claim, i);
		r->seqs[r->nlogs] = log->id.seq;
		snprintf(r->bodies[r->nlogs], BODY_MAX, "%.*s", (int)log->len,
		    (const char *)log->body);
		r->nlogs++;
	}
}

/* Inspects the liveProc's proc from inside the callback. */
static void
rec_inspect(recorder *r, pp_live *live)
{
	pp_proc_list       *list = NULL;
	const pp_proc_info *info;

	if (pp_proc_inspect(r->client, pp_live_proc_name(live), &list) == 0
	    && (info = pp_proc_list_get(list, 0)) != NULL) {
		snprintf(r->last_error, sizeof(r->last_error), "%s",
		    info->last_error);
		r->reclaims = info->reclaims;
	}
	pp_proc_list_free(list);
}

int
rec_on_claim(pp_live *live, const pp_claim *claim, int status, void *arg)
{
	recorder     *r = arg;
	pp_record     out[OUT_MAX];
	char          bodies[OUT_MAX][BODY_MAX + 8];
	pp_id         ids[OUT_MAX];
	const pp_log *log;
	size_t        i, n;
	bool          is_first;
	int           ret = 0;

	if (status != 0 || claim == NULL) {
		pthread_mutex_lock(&r->mu);
		r->nerrors++;
		r->last_status = status != 0 ? status : -9999;
		pthread_cond_broadcast(&r->cv);
		pthread_mutex_unlock(&r->mu);
		return (0);
	}
	pthread_mutex_lock(&r->mu);
	r->entered_ms = pp_t_mono_ms();
	is_first = r->nclaims == 0;
	pthread_mutex_unlock(&r->mu);

	switch (r->action) {
	case ACT_RETURN_0:
		break;
	case ACT_ACK:
		r->settle_rv = pp_live_ack(live);
		r->second_ack_rv = pp_live_ack(live);
		break;
	case ACT_ACK_COMMIT:
		n = pp_claim_count(claim);
		n = n < OUT_MAX ? n : OUT_MAX;
		for (i = 0; i < n; i++) {
			log = pp_claim_log(claim, i);
			out[i].topic = "out";
			out[i].len = (size_t)snprintf(bodies[i],
			    sizeof(bodies[i]), "out-%.*s", (int)log->len,
			    (const char *)log->body);
			out[i].body = bodies[i];
		}
		r->settle_rv = pp_live_ack_commit(live, out, n, ids);
		r->second_ack_rv = pp_live_ack(live);
		break;
	case ACT_RECLAIM_FIRST:
		if (is_first) {
			r->settle_rv = pp_live_reclaim(live, "bad input");
			r->second_ack_rv = pp_live_reclaim(live, "again");
		} else {
			rec_inspect(r, live);
			r->later_rv = pp_live_ack(live);
		}
		break;
	case ACT_FAIL_FIRST:
		if (is_first) {
			ret = 7;
		} else {
			rec_inspect(r, live);
		}
		break;
	case ACT_CANCEL:
		r->cancel_rv = pp_live_proc_cancel(live);
		break;
	case ACT_GATE:
		pthread_mutex_lock(&r->mu);
		r->is_in_gate = true;
		pthread_cond_broadcast(&r->cv);
		while (!r->is_gate_open) {
			pthread_cond_wait(&r->cv, &r->mu);
		}
		r->is_in_gate = false;
		r->was_cancel_returned = r->is_cancel_returned;
		pthread_mutex_unlock(&r->mu);
		break;
	}
	pthread_mutex_lock(&r->mu);
	rec_add(r, claim);
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	return (ret);
}

void
rec_check_logs_at(const char *file, int line, recorder *r, size_t from,
    const char *topic, uint64_t first, size_t n)
{
	char   want[BODY_MAX];
	size_t i;

	pthread_mutex_lock(&r->mu);
	if (r->nlogs < from + n) {
		pthread_mutex_unlock(&r->mu);
		pp_t_fail(file, line, "%zu logs delivered, expected %zu",
		    r->nlogs, from + n);
	}
	for (i = 0; i < n; i++) {
		snprintf(want, sizeof(want), "%s-%" PRIu64, topic, first + i);
		if (r->seqs[from + i] != first + i
		    || strcmp(r->bodies[from + i], want) != 0) {
			pthread_mutex_unlock(&r->mu);
			pp_t_fail(file, line,
			    "log %zu: seq %" PRIu64
			    " \"%s\", expected seq %" PRIu64 " \"%s\"",
			    from + i, r->seqs[from + i], r->bodies[from + i],
			    first + i, want);
		}
	}
	if (r->is_wrong_thread || r->is_empty_claim) {
		pthread_mutex_unlock(&r->mu);
		pp_t_fail(file, line,
		    "the callback ran on two threads "
		    "or got a claim without logs");
	}
	pthread_mutex_unlock(&r->mu);
}

pp_live *
live_start_at(const char *file, int line, pp_client *c, const char *topic,
    const pp_live_opts *o, recorder *r)
{
	pp_live *live = NULL;
	int      rv;

	if ((rv = pp_live_proc(c, topic, o, rec_on_claim, r, &live)) != 0) {
		pp_t_fail(file, line, "pp_live_proc(%s): %s (%s)", topic,
		    pp_errname(rv), pp_client_errmsg(c));
	}
	if (live == NULL) {
		pp_t_fail(file, line, "pp_live_proc returned no handle");
	}
	return (live);
}

int
live_inspect(pp_client *c, const char *name, pp_proc_info *info, char *offset,
    size_t offset_len)
{
	pp_proc_list *list = NULL;
	int           rv;

	if ((rv = pp_proc_inspect(c, name, &list)) != 0) {
		return (rv);
	}
	*info = *pp_proc_list_get(list, 0);
	snprintf(offset, offset_len, "%s", info->offset);
	info->name = info->topic = info->offset = info->last_error = NULL;
	info->opts.offset = NULL;
	pp_proc_list_free(list);
	return (0);
}

size_t
live_count_procs(pp_client *c)
{
	pp_proc_list *list = NULL;
	size_t        i, n = 0;

	PP_PASS(pp_procs(c, &list));
	for (i = 0; i < pp_proc_list_count(list); i++) {
		if (strncmp(pp_proc_list_get(list, i)->name, "liveproc-", 9)
		    == 0) {
			n++;
		}
	}
	pp_proc_list_free(list);
	return (n);
}
