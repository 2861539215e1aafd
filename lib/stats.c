/*
 * stats.c - pp_stats(): the node's metrics, gathered in bounded requests
 * (the node part, then pages of topics, of procs and of sources;
 * wire_stats.h), and the accessors of the result. pp_stats_json() is in stats_json.c.
 *
 * The parts are read one after the other, so a topic or proc may change
 * between them; metrics are a picture of a moving node, never a snapshot
 * of one transaction.
 */
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "stats_impl.h"
#include "wire_stats.h"

/* Sends one stats request and hands its reply to decode. */
static int
stats_call(pp_client *c, enum ppi_stats_part part, const char *after,
    ppi_frame *reply)
{
	ppi_buf req;
	int     rv;

	ppi_buf_init(&req);
	ppi_wire_stats(&req, part, after);
	rv = req.is_failed ? PP_ENOMEM : ppi_client_call(c, &req, reply);
	ppi_buf_fini(&req);
	return rv;
}

static int
add_topic(void *arg, const void *row)
{
	const pp_topic_stats *t = row;
	pp_stats_report      *s = arg;
	pp_topic_stats *items;
	char           *name;

	if (s->ntopics == s->topics_cap) {
		s->topics_cap = s->topics_cap != 0 ? s->topics_cap * 2 : 16;
		items = realloc(s->topics, sizeof(*items) * s->topics_cap);
		if (items == NULL) {
			return PP_ENOMEM;
		}
		s->topics = items;
	}
	if ((name = strdup(t->name)) == NULL) {
		return PP_ENOMEM;
	}
	s->topics[s->ntopics]      = *t;
	s->topics[s->ntopics].name = name;
	s->ntopics++;
	return 0;
}

static int
add_proc(void *arg, const void *row)
{
	const pp_proc_stats *p = row;
	pp_stats_report     *s = arg;
	pp_proc_stats *items;
	char          *name, *topic;

	if (s->nprocs == s->procs_cap) {
		s->procs_cap = s->procs_cap != 0 ? s->procs_cap * 2 : 16;
		items = realloc(s->procs, sizeof(*items) * s->procs_cap);
		if (items == NULL) {
			return PP_ENOMEM;
		}
		s->procs = items;
	}
	name  = strdup(p->name);
	topic = strdup(p->topic);
	if (name == NULL || topic == NULL) {
		free(name);
		free(topic);
		return PP_ENOMEM;
	}
	s->procs[s->nprocs]       = *p;
	s->procs[s->nprocs].name  = name;
	s->procs[s->nprocs].topic = topic;
	s->nprocs++;
	return 0;
}

/* Reads every page of topics (or procs) into s. */
static int
read_pages(pp_client *c, pp_stats_report *s, enum ppi_stats_part part, char *msg,
    size_t msglen)
{
	ppi_frame   reply;
	const char *after    = NULL;
	size_t      before;
	bool        has_more = true;
	int         rv       = 0;

	while (has_more && rv == 0) {
		before = part == PPI_STATS_TOPICS ? s->ntopics : s->nprocs;
		if ((rv = stats_call(c, part, after, &reply)) != 0) {
			return rv;
		}
		rv = part == PPI_STATS_TOPICS
		    ? ppi_wire_decode_list(reply.data, reply.len,
		          PPI_LIST_STATS_TOPICS, add_topic, s, &has_more, msg,
		          msglen)
		    : ppi_wire_decode_list(reply.data, reply.len,
		          PPI_LIST_STATS_PROCS, add_proc, s, &has_more, msg,
		          msglen);
		ppi_frame_free(&reply);
		if ((part == PPI_STATS_TOPICS ? s->ntopics : s->nprocs) ==
		    before) {
			break; /* an empty page ends the walk */
		}
		after = part == PPI_STATS_TOPICS
		    ? s->topics[s->ntopics - 1].name
		    : s->procs[s->nprocs - 1].name;
	}
	return rv;
}

int
pp_stats(pp_client *c, pp_stats_report **out)
{
	pp_stats_report *s;
	ppi_frame reply;
	char      msg[PPI_ERRMSG_MAX] = "";
	int       rv;

	if (c == NULL) {
		return PP_ENOTCONN;
	}
	if (out == NULL) {
		return ppi_client_fail(c, PP_EINVAL, "stats must not be NULL");
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		return PP_ENOMEM;
	}
	if ((rv = stats_call(c, PPI_STATS_NODE, NULL, &reply)) == 0) {
		rv = ppi_wire_decode_stats_node(
		    reply.data, reply.len, &s->node, msg, sizeof(msg));
		ppi_frame_free(&reply);
	}
	if (rv == 0) {
		rv = read_pages(c, s, PPI_STATS_TOPICS, msg, sizeof(msg));
	}
	if (rv == 0) {
		rv = read_pages(c, s, PPI_STATS_PROCS, msg, sizeof(msg));
	}
	if (rv == 0) {
		rv = ppi_source_rows_read(c, &s->sources, msg, sizeof(msg));
		if (rv == PP_EPROTO && s->sources.n == 0) {
			/* A node older than the "sources" part. */
			msg[0] = '\0';
			rv     = 0;
		}
	}
	if (rv != 0) {
		pp_stats_free(s);
		return msg[0] != '\0' ? ppi_client_fail(c, rv, "%s", msg) : rv;
	}
	*out = s;
	return 0;
}

const pp_node_stats *
pp_stats_node(const pp_stats_report *s)
{
	return s != NULL ? &s->node : NULL;
}

size_t
pp_stats_topic_count(const pp_stats_report *s)
{
	return s != NULL ? s->ntopics : 0;
}

const pp_topic_stats *
pp_stats_topic(const pp_stats_report *s, size_t i)
{
	return s != NULL && i < s->ntopics ? &s->topics[i] : NULL;
}

size_t
pp_stats_proc_count(const pp_stats_report *s)
{
	return s != NULL ? s->nprocs : 0;
}

const pp_proc_stats *
pp_stats_proc(const pp_stats_report *s, size_t i)
{
	return s != NULL && i < s->nprocs ? &s->procs[i] : NULL;
}

size_t
pp_stats_source_count(const pp_stats_report *s)
{
	return s != NULL ? s->sources.n : 0;
}

const pp_source_info *
pp_stats_source(const pp_stats_report *s, size_t i)
{
	return s != NULL && i < s->sources.n ? &s->sources.items[i] : NULL;
}

void
pp_stats_free(pp_stats_report *s)
{
	size_t i;

	if (s == NULL) {
		return;
	}
	for (i = 0; i < s->ntopics; i++) {
		free((char *) s->topics[i].name);
	}
	for (i = 0; i < s->nprocs; i++) {
		free((char *) s->procs[i].name);
		free((char *) s->procs[i].topic);
	}
	free(s->topics);
	free(s->procs);
	ppi_source_rows_fini(&s->sources);
	free(s);
}
