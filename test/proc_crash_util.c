/*
 * proc_crash_util.c - logs, proc states and clients of the proc crash and
 * competition tests. See proc_crash_util.h.
 */
#include "proc_crash_util.h"

void
proc_crash_commit_seqs(
    pp_client *c, const char *topic, uint64_t first, size_t n, pp_id *ids)
{
	enum { BATCH = 500 };
	pp_record r[BATCH];
	char      body[BATCH][BODY_MAX];
	size_t    done = 0, k, m;

	while (done < n) {
		m = n - done < BATCH ? n - done : BATCH;
		for (k = 0; k < m; k++) {
			r[k].topic = topic;
			r[k].body = body[k];
			r[k].len = (size_t)snprintf(body[k], BODY_MAX,
			    "%s-%" PRIu64, topic, first + done + k);
		}
		PP_PASS(pp_commit(c, r, m, ids + done));
		for (k = 0; k < m; k++) {
			PP_ASSERT_U64_EQ(ids[done + k].seq, first + done + k);
		}
		done += m;
	}
}

void
proc_crash_inspect(pp_client *c, const char *name, pp_proc_info *out)
{
	pp_proc_list *l = NULL;

	PP_PASS(pp_proc_inspect(c, name, &l));
	PP_ASSERT_U64_EQ(pp_proc_list_count(l), 1);
	*out = *pp_proc_list_get(l, 0);
	/* The strings die with the list. */
	out->name = out->topic = out->offset = out->last_error = NULL;
	out->opts.offset = NULL;
	pp_proc_list_free(l);
}

bool
proc_crash_has_claim(pp_client *c, const char *name)
{
	pp_proc_info i;

	proc_crash_inspect(c, name, &i);
	return (i.has_claim);
}

pp_client *
proc_crash_connect(const char *address, int timeout_ms)
{
	pp_connect_opts o;
	pp_client      *c = NULL;

	memset(&o, 0, sizeof(o));
	o.request_timeout_ms = (uint32_t)pp_t_scaled(timeout_ms);
	PP_PASS(pp_connect(address, &o, &c));
	return (c);
}
