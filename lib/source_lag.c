/*
 * source_lag.c - pp_sources() and the report behind it (docs/DESIGN.md,
 * "Sources"): a worker tells the node how far upstream is for each
 * source it runs (ppi_source_report), and anyone may read the sources
 * with their lag (the stats "sources" part, also read by pp_stats()).
 */
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "source_lag.h"
#include "topic.h"
#include "wire.h"
#include "wire_stats.h"

struct pp_source_list {
	ppi_source_rows rows;
};

/* Appends a copy of one decoded row. */
static int
add_row(void *arg, const void *item)
{
	const pp_source_info *src  = item;
	ppi_source_rows      *rows = arg;
	pp_source_info       *items, *to;

	if (rows->n == rows->cap) {
		rows->cap = rows->cap != 0 ? rows->cap * 2 : 8;
		if ((items = realloc(rows->items,
		         rows->cap * sizeof(*items))) == NULL) {
			return PP_ENOMEM;
		}
		rows->items = items;
	}
	to           = &rows->items[rows->n];
	*to          = *src;
	to->name     = strdup(src->name);
	to->topic    = strdup(src->topic);
	to->plugin   = strdup(src->plugin);
	to->producer = strdup(src->producer);
	rows->n++; /* counted even when a copy failed: fini frees NULLs */
	if (to->name == NULL || to->topic == NULL || to->plugin == NULL ||
	    to->producer == NULL) {
		return PP_ENOMEM;
	}
	return 0;
}

int
ppi_source_rows_read(pp_client *c, ppi_source_rows *rows, char *msg,
    size_t msglen)
{
	ppi_buf     req;
	ppi_frame   reply;
	const char *after    = NULL;
	size_t      before;
	bool        has_more = true;
	int         rv       = 0;

	while (has_more && rv == 0) {
		before = rows->n;
		ppi_buf_init(&req);
		ppi_wire_stats(&req, PPI_STATS_SOURCES, after);
		rv = req.is_failed ? PP_ENOMEM
		                   : ppi_client_call(c, &req, &reply);
		ppi_buf_fini(&req);
		if (rv != 0) {
			return rv;
		}
		rv = ppi_wire_decode_list(reply.data, reply.len,
		    PPI_LIST_STATS_SOURCES, add_row, rows, &has_more, msg,
		    msglen);
		ppi_frame_free(&reply);
		if (rows->n == before) {
			break; /* an empty page ends the walk */
		}
		after = rows->items[rows->n - 1].name;
	}
	return rv;
}

void
ppi_source_rows_fini(ppi_source_rows *rows)
{
	size_t i;

	for (i = 0; i < rows->n; i++) {
		free((char *) rows->items[i].name);
		free((char *) rows->items[i].topic);
		free((char *) rows->items[i].plugin);
		free((char *) rows->items[i].producer);
	}
	free(rows->items);
	memset(rows, 0, sizeof(*rows));
}

int
ppi_source_report(pp_client *c, const char *name, const char *key,
    uint64_t head)
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
		    "source name must match [A-Za-z0-9_.-]{1,200}");
	}
	if ((rv = ppi_client_check_producer_key(c, key)) != 0) {
		return rv;
	}
	ppi_buf_init(&req);
	ppi_wire_srcreport(&req, name, key, head);
	rv = req.is_failed ? PP_ENOMEM : ppi_client_call(c, &req, &reply);
	ppi_buf_fini(&req);
	if (rv != 0) {
		return ppi_client_fail(c, rv, "%s", "");
	}
	rv = ppi_wire_decode_status(reply.data, reply.len, msg, sizeof(msg));
	ppi_frame_free(&reply);
	return rv != 0 ? ppi_client_fail(c, rv, "%s", msg) : 0;
}

int
pp_sources(pp_client *c, pp_source_list **out)
{
	pp_source_list *l;
	char            msg[PPI_ERRMSG_MAX] = "";
	int             rv;

	if (c == NULL) {
		return PP_ENOTCONN;
	}
	if (out == NULL) {
		return ppi_client_fail(c, PP_EINVAL, "list must not be NULL");
	}
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		return PP_ENOMEM;
	}
	if ((rv = ppi_source_rows_read(c, &l->rows, msg, sizeof(msg))) != 0) {
		pp_source_list_free(l);
		return ppi_client_fail(c, rv, "%s", msg);
	}
	*out = l;
	return 0;
}

size_t
pp_source_list_count(const pp_source_list *l)
{
	return l != NULL ? l->rows.n : 0;
}

const pp_source_info *
pp_source_list_get(const pp_source_list *l, size_t i)
{
	return l != NULL && i < l->rows.n ? &l->rows.items[i] : NULL;
}

void
pp_source_list_free(pp_source_list *l)
{
	if (l == NULL) {
		return;
	}
	ppi_source_rows_fini(&l->rows);
	free(l);
}
