/*
 * topic.c - topics as the library sees them: the rule every topic name
 * follows (checked here before a request is sent, and again by the node
 * with this same function), and pp_topics, the list of every topic,
 * read page by page.
 */
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "topic.h"
#include "wire.h"

struct pp_topic_list {
	pp_topic_info *items;
	size_t         count;
	size_t         cap;
};

bool
ppi_topic_valid(const char *name, size_t len)
{
	size_t i;

	if (name == NULL || len == 0 || len > PP_TOPIC_MAX) {
		return false;
	}
	for (i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		        (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		        c == '.')) {
			return false;
		}
	}
	return true;
}

static int
list_add(void *arg, const void *row)
{
	const pp_topic_info *info = row;
	pp_topic_list       *l    = arg;
	pp_topic_info *items;
	char          *name;

	if (l->count == l->cap) {
		l->cap = l->cap != 0 ? l->cap * 2 : 16;
		if ((items = realloc(l->items, sizeof(*items) * l->cap)) ==
		    NULL) {
			return PP_ENOMEM;
		}
		l->items = items;
	}
	if ((name = strdup(info->name)) == NULL) {
		return PP_ENOMEM;
	}
	l->items[l->count]      = *info;
	l->items[l->count].name = name;
	l->count++;
	return 0;
}

int
pp_topics(pp_client *c, pp_topic_list **out)
{
	pp_topic_list *l;
	ppi_buf        req;
	ppi_frame      reply;
	char           msg[PPI_ERRMSG_MAX] = "";
	bool           has_more = true;
	int            rv       = 0;

	if (c == NULL) {
		return PP_ENOTCONN;
	}
	if (out == NULL) {
		return PP_EINVAL;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		return PP_ENOMEM;
	}
	ppi_buf_init(&req);
	while (has_more && rv == 0) {
		/* A page from the node's store when we can read it. */
		if (c->local != NULL &&
		    !__atomic_load_n(&c->is_closed, __ATOMIC_ACQUIRE) &&
		    (rv = ppi_local_topics(c->local,
		         l->count > 0 ? l->items[l->count - 1].name : NULL,
		         list_add, l, &has_more, msg, sizeof(msg))) !=
		        PPI_LOCAL_FALLBACK) {
			continue;
		}
		rv = 0;
		ppi_buf_reset(&req);
		ppi_wire_topics(
		    &req, l->count > 0 ? l->items[l->count - 1].name : NULL);
		if ((rv = ppi_client_call(c, &req, &reply)) != 0) {
			break;
		}
		rv = ppi_wire_decode_list(reply.data, reply.len,
		    PPI_LIST_TOPICS, list_add, l, &has_more, msg, sizeof(msg));
		ppi_frame_free(&reply);
	}
	ppi_buf_fini(&req);
	if (rv != 0) {
		pp_topic_list_free(l);
		return ppi_client_fail(c, rv, "%s", msg);
	}
	*out = l;
	return 0;
}

size_t
pp_topic_list_count(const pp_topic_list *l)
{
	return l != NULL ? l->count : 0;
}

const pp_topic_info *
pp_topic_list_get(const pp_topic_list *l, size_t i)
{
	return l != NULL && i < l->count ? &l->items[i] : NULL;
}

void
pp_topic_list_free(pp_topic_list *l)
{
	size_t i;

	if (l == NULL) {
		return;
	}
	for (i = 0; i < l->count; i++) {
		free((char *) l->items[i].name);
	}
	free(l->items);
	free(l);
}
