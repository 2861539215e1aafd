/*
 * system_crash_util.c - nodes, worker waits and diagnostics of the tests
 * where workers or nodes die. See system_crash_util.h.
 */
#include "system_crash_util.h"

void
system_crash_start_node(
    pp_tnode *n, int32_t workers, uint32_t concurrency, uint32_t restart_after)
{
	pp_spawn_opts o
	    = system_spawn_opts(workers, concurrency, restart_after);

	pp_t_node_init(n);
	pp_t_node_start(n, &o);
}

bool
system_crash_has_pid(const pid_t *pids, size_t n, pid_t pid)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (pids[i] == pid) {
			return (true);
		}
	}
	return (false);
}

void
system_crash_wait_workers_at(const char *file, int line, pid_t node,
    size_t want, const pid_t *gone, size_t ngone, pid_t *pids)
{
	uint64_t end = pp_t_mono_ms() + (uint64_t)pp_t_scaled(WAIT_MS);
	size_t   n, i;
	bool     is_new;

	for (;;) {
		n = system_worker_pids(node, pids, MAX_PIDS);
		is_new = true;
		for (i = 0; i < n; i++) {
			is_new = is_new
			    && !system_crash_has_pid(gone, ngone, pids[i]);
		}
		if (n == want && is_new) {
			return;
		}
		if (pp_t_mono_ms() > end) {
			pp_t_fail(file, line,
			    "node %d runs %zu new workers, not %zu", (int)node,
			    n, want);
		}
		pp_t_nap();
	}
}

void
system_crash_diag_claims(pp_client *c)
{
	const pp_proc_info *p;
	pp_proc_list       *l = NULL;
	size_t              i;

	if (pp_procs(c, &l) != 0) {
		return;
	}
	for (i = 0; i < pp_proc_list_count(l); i++) {
		p = pp_proc_list_get(l, i);
		if (p->has_claim) {
			pp_t_diag("%s holds a claim of %" PRIu64 "..%" PRIu64
			          " until %" PRIu64 " (now %" PRIu64
			          "), reclaims %u, last error \"%s\"",
			    p->name, p->claim_first.seq, p->claim_last.seq,
			    p->claim_deadline_ms, pp_t_now_ms(), p->reclaims,
			    p->last_error);
		}
	}
	pp_proc_list_free(l);
}
