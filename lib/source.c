/*
 * source.c - pp_source() and pp_source_destroy(): a source is stored by
 * the node as a systemProc without `from` topics (docs/DESIGN.md,
 * "Sources"), so it travels as a sysproc request with an empty `from`.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "id.h"
#include "procs.h"
#include "wire.h"

#define LIST_MAX 16
#define CONFIG_MAX 4096

/* The checks of pp_source() that need no node. */
static int
check_opts(pp_client *c, const char *name, const pp_source_opts *o)
{
	size_t i;

	if (o == NULL || o->plugin == NULL || o->plugin[0] == '\0') {
		return ppi_client_fail(c, PP_EINVAL, "a plugin path is needed");
	}
	if (name == NULL || !ppi_topic_valid(name, strlen(name))) {
		return ppi_client_fail(c, PP_EINVALID_NAME,
		    "source name must match [A-Za-z0-9_.-]{1,200}");
	}
	if (o->nto < 1 || o->nto > LIST_MAX || o->to == NULL) {
		return ppi_client_fail(c, PP_EINVALID_OPTION,
		    "a source has 1 to %d 'to' topics, not %zu", LIST_MAX,
		    o->nto);
	}
	for (i = 0; i < o->nto; i++) {
		if (o->to[i] == NULL ||
		    !ppi_topic_valid(o->to[i], strlen(o->to[i]))) {
			return ppi_client_fail(c, PP_EINVALID_TOPIC,
			    "'to' topic %zu must match [A-Za-z0-9_.-]{1,200}",
			    i);
		}
	}
	if (o->config != NULL && strlen(o->config) > CONFIG_MAX) {
		return ppi_client_fail(c, PP_EINVAL,
		    "config is longer than %d bytes", CONFIG_MAX);
	}
	return 0;
}

int
pp_source(pp_client *c, const char *name, const pp_source_opts *o)
{
	pp_system_proc_opts so;
	pp_proc_opts        defaults = PP_PROC_OPTS_INIT;
	pp_proc_list       *none = NULL;
	char                path[PATH_MAX];
	ppi_buf             req;
	int                 rv;

	if (c == NULL) {
		return PP_ENOTCONN;
	}
	if ((rv = check_opts(c, name, o)) != 0) {
		return rv;
	}
	/* As pp_system_proc(): relative to the caller; a name without '/'
	 * goes as it is, for the workers' plugin directories. */
	if (strchr(o->plugin, '/') == NULL) {
		snprintf(path, sizeof(path), "%s", o->plugin);
	} else if (o->plugin[0] == '/' ||
	    realpath(o->plugin, path) == NULL) {
		if (o->plugin[0] != '/') {
			return ppi_client_fail(c, PP_EPLUGIN,
			    "plugin %s: cannot resolve the path", o->plugin);
		}
		snprintf(path, sizeof(path), "%s", o->plugin);
	}
	memset(&so, 0, sizeof(so));
	so.to     = o->to;
	so.nto    = o->nto;
	so.plugin = path;
	so.config = o->config;
	so.proc   = defaults; /* stored, unused: a source has no proc */
	ppi_buf_init(&req);
	ppi_wire_sysproc(&req, name, &so, path);
	rv = ppi_procs_request(c, &req, &none);
	ppi_buf_fini(&req);
	pp_proc_list_free(none);
	return rv;
}

int
pp_source_destroy(pp_client *c, const char *name)
{
	if (c != NULL &&
	    (name == NULL || !ppi_topic_valid(name, strlen(name)))) {
		return ppi_client_fail(c, PP_EINVALID_NAME,
		    "source name must match [A-Za-z0-9_.-]{1,200}");
	}
	return pp_system_proc_destroy(c, name);
}
