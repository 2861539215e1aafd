/*
 * system_case.c - nodes with workers, proc counts and refusals of the
 * systemProc tests. See system_case.h.
 */
#include "system_case.h"

void
system_case_start_node(pp_tnode *n, int32_t workers)
{
	pp_spawn_opts o = system_spawn_opts(workers, 0, 0);

	pp_t_node_init(n);
	pp_t_node_start(n, &o);
}

size_t
system_case_proc_count(pp_client *c)
{
	pp_proc_list *l = NULL;
	size_t        n;

	PP_PASS(pp_procs(c, &l));
	n = pp_proc_list_count(l);
	pp_proc_list_free(l);
	return (n);
}

void
system_case_refused_at(const char *file, int line, pp_client *c,
    const char *name, const pp_system_proc_opts *o, int ex, const char *needle)
{
	pp_proc_list *l = NULL;
	const char   *msg;
	int           rv = pp_system_proc(c, name, o, &l);

	msg = pp_client_errmsg(c);
	if (rv != ex) {
		pp_t_fail(file, line,
		    "pp_system_proc(%s) returned %s (%s), expected %s",
		    name != NULL ? name : "(null)", pp_errname(rv), msg,
		    pp_errname(ex));
	}
	if (needle != NULL && strstr(msg, needle) == NULL) {
		pp_t_fail(file, line,
		    "pp_system_proc(%s): %s with message \"%s\", which "
		    "does not name \"%s\"",
		    name != NULL ? name : "(null)", pp_errname(rv), msg,
		    needle);
	}
	if (l != NULL) {
		pp_t_fail(file, line, "a failed call returned a list");
	}
}
