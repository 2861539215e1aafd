/*
 * system.c - systemProcs: pp_system_proc(), pp_system_proc_destroy(),
 * and the claim workers make across all of them (system.h).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "id.h"
#include "procs.h"
#include "system.h"
#include "wire.h"

#define LIST_MAX 16
#define CONFIG_MAX 4096

static int
check_topics(pp_client *c, const char *what, const char *const *v, size_t n,
    size_t min)
{
	size_t i;

	if (n < min || n > LIST_MAX || (n > 0 && v == NULL)) {
		return ppi_client_fail(c, PP_EINVALID_OPTION,
		    "a systemProc has %zu to %d '%s' topics, not %zu", min,
		    LIST_MAX, what, n);
	}
	for (i = 0; i < n; i++) {
		if (v[i] == NULL || !ppi_topic_valid(v[i], strlen(v[i]))) {
			return ppi_client_fail(c, PP_EINVALID_TOPIC,
			    "'%s' topic %zu must match [A-Za-z0-9_.-]{1,200}",
			    what, i);
		}
	}
	return 0;
}

int
pp_system_proc(pp_client *c, const char *name, const pp_system_proc_opts *o,
    pp_proc_list **procs)
{
	pp_system_proc_opts resolved;
	char                path[PATH_MAX];
	ppi_buf             req;
	int                 rv;

	if (c == NULL) {
		return PP_ENOTCONN;
	}
	if (o == NULL || o->plugin == NULL || o->plugin[0] == '\0') {
		return ppi_client_fail(c, PP_EINVAL, "a plugin path is needed");
	}
	/* Zero means default, as for pp_proc(); every option is compared
	 * with an existing systemProc's. */
	resolved = *o;
	ppi_proc_opts_resolve(&o->proc, &resolved.proc);
	o        = &resolved;
	if (name == NULL || !ppi_topic_valid(name, strlen(name))) {
		return ppi_client_fail(c, PP_EINVALID_NAME,
		    "systemProc name must match [A-Za-z0-9_.-]{1,200}");
	}
	if ((rv = check_topics(c, "from", o->from, o->nfrom, 1)) != 0 ||
	    (rv = check_topics(c, "to", o->to, o->nto, 0)) != 0 ||
	    (rv = ppi_proc_check_opts(c, &o->proc)) != 0) {
		return rv;
	}
	if (o->config != NULL && strlen(o->config) > CONFIG_MAX) {
		return ppi_client_fail(c, PP_EINVAL,
		    "config is longer than %d bytes", CONFIG_MAX);
	}
	/* Relative to the caller, as PEER §12.1: the node has another
	 * working directory. A missing file is the node's to report (it
	 * may see another file system, for a remote client). A name
	 * without '/' goes as it is: the node's workers look it up in
	 * their plugin directories. */
	if (strchr(o->plugin, '/') == NULL) {
		snprintf(path, sizeof(path), "%s", o->plugin);
	} else if (o->plugin[0] == '/' || realpath(o->plugin, path) == NULL) {
		if (o->plugin[0] != '/') {
			return ppi_client_fail(c, PP_EPLUGIN,
			    "plugin %s: cannot resolve the path", o->plugin);
		}
		snprintf(path, sizeof(path), "%s", o->plugin);
	}
	ppi_buf_init(&req);
	ppi_wire_sysproc(&req, name, o, path);
	rv = ppi_procs_request(c, &req, procs);
	ppi_buf_fini(&req);
	return rv;
}

int
pp_system_proc_destroy(pp_client *c, const char *name)
{
	ppi_buf   req;
	ppi_frame reply;
	char      msg[PPI_ERRMSG_MAX] = "";
	int       rv;

	if (c == NULL) {
		return PP_ENOTCONN;
	}
	if (name == NULL || !ppi_topic_valid(name, strlen(name))) {
		return ppi_client_fail(c, PP_EINVALID_NAME,
		    "systemProc name must match [A-Za-z0-9_.-]{1,200}");
	}
	ppi_buf_init(&req);
	ppi_wire_sysdestroy(&req, name);
	rv = ppi_client_call(c, &req, &reply);
	ppi_buf_fini(&req);
	if (rv == 0) {
		rv = ppi_wire_decode_status(reply.data, reply.len, msg,
		    sizeof(msg));
		ppi_frame_free(&reply);
	}
	return rv != 0 ? ppi_client_fail(c, rv, "%s", msg) : 0;
}

int
ppi_system_claim(pp_client *c, uint32_t slot, uint64_t known, int wait_ms,
    const ppi_settle *settle, bool *is_settle_error, ppi_systable **table,
    pp_claim **claim, size_t *sys, size_t *proc)
{
	ppi_buf   req;
	ppi_frame reply;
	char      msg[PPI_ERRMSG_MAX] = "";
	size_t    index = 0;
	int       rv;

	*table           = NULL;
	*claim           = NULL;
	*is_settle_error = false;
	if (c == NULL) {
		return PP_ENOTCONN;
	}
	ppi_buf_init(&req);
	ppi_wire_sysclaim(&req, slot, known, wait_ms, settle);
	rv = ppi_client_call_wait(c, &req, wait_ms, &reply);
	ppi_buf_fini(&req);
	if (rv != 0) {
		return rv;
	}
	rv = ppi_wire_decode_systable(reply.data, reply.len, table,
	    is_settle_error, msg, sizeof(msg));
	if (rv != 0 || *table != NULL) {
		ppi_frame_free(&reply);
		return rv != 0 ? ppi_client_fail(c, rv, "%s", msg) : 0;
	}
	if ((rv = ppi_claim_decode(c, &reply, &index, claim)) != 0) {
		return rv;
	}
	*sys  = index >> 8;
	*proc = index & 0xff;
	return 0;
}
