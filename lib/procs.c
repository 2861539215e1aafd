/*
 * procs.c - the procs API of the library: pp_proc (create and claim),
 * pp_ack, pp_ack_commit, pp_reclaim, inspect/disable/resume/destroy and
 * pp_procs.
 *
 * Acks and reclaims travel through the commit queue (commit.c) so that
 * they are ordered with the client's commits and applied at most once.
 * Claims do not: a claim may wait for logs for a long time and must not
 * hold up the writes queued behind it; a claim lost with its connection
 * is reclaimed by the node's timer (at-least-once delivery).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "procs.h"
#include "id.h"
#include "wire.h"

struct pp_claim {
	ppi_frame frame; /* bodies point into it */
	pp_log   *logs;
	size_t    count;
	uint64_t  token;
};

struct pp_proc_list {
	pp_proc_info *items;
	size_t        count;
	size_t        cap;
};

static int
check_name(pp_client *c, const char *name)
{
	size_t len = name != NULL ? strlen(name) : 0;

	if (!ppi_topic_valid(name, len)) {
		return ppi_client_fail(c, PP_EINVALID_NAME,
		    "proc name '%.*s' must match [A-Za-z0-9_.-]{1,200}",
		    (int) (len > 64 ? 64 : len), name != NULL ? name : "");
	}
	return 0;
}

/* The checks the node makes too, so bad options never cost a trip. */
int
ppi_proc_check_opts(pp_client *c, const pp_proc_opts *o)
{
	ppi_idexpr e;

	if (o->count < 1 || o->count > 100000) {
		return ppi_client_fail(c, PP_EINVALID_OPTION,
		    "count must be 1 to 100000, not %u", o->count);
	}
	if (o->max_reclaims < -1) {
		return ppi_client_fail(c, PP_EINVALID_OPTION,
		    "max_reclaims must be -1 (never) or >= 0");
	}
	if (o->reclaim_timeout_ms == 0 || o->reclaim_timeout_ms < -1) {
		return ppi_client_fail(c, PP_EINVALID_OPTION,
		    "reclaim_timeout_ms must be -1 (never) or > 0");
	}
	if (o->on_max_reclaims > PP_ON_MAX_DEADLETTER) {
		return ppi_client_fail(c, PP_EINVALID_OPTION,
		    "on_max_reclaims is not a pp_on_max_reclaims value");
	}
	if (o->offset != NULL && strcmp(o->offset, ">") != 0 &&
	    strcmp(o->offset, "$>") != 0 &&
	    ppi_idexpr_parse(o->offset, strlen(o->offset), &e) != 0) {
		return ppi_client_fail(c, PP_EINVALID_ID,
		    "offset '%.64s' is not >, $>, T-S, T or :S", o->offset);
	}
	return 0;
}

/* Sends a claiming request (proc or avail) and decodes the claim. */
int
ppi_claim_decode(pp_client *c, ppi_frame *frame, size_t *index,
    pp_claim **out)
{
	pp_claim *cl;
	uint64_t  idx = 0;
	char      msg[PPI_ERRMSG_MAX] = "";
	int       rv;

	if ((cl = calloc(1, sizeof(*cl))) == NULL) {
		ppi_frame_free(frame);
		return PP_ENOMEM;
	}
	cl->frame = *frame;
	rv = ppi_wire_decode_claim(cl->frame.data, cl->frame.len, &cl->logs,
	    &cl->count, &cl->token, &idx, msg, sizeof(msg));
	if (rv != 0) {
		ppi_frame_free(&cl->frame);
		free(cl);
		return ppi_client_fail(c, rv, "%s", msg);
	}
	if (index != NULL) {
		*index = (size_t) idx;
	}
	*out = cl;
	return 0;
}

static int
claim_call(pp_client *c, const ppi_buf *req, int wait_ms, size_t *index,
    pp_claim **out)
{
	ppi_frame frame;
	int       rv;

	if ((rv = ppi_client_call_wait(c, req, wait_ms, &frame)) != 0) {
		return ppi_client_fail(c, rv, "%s", "");
	}
	return ppi_claim_decode(c, &frame, index, out);
}

/* pp_proc and pp_ack_proc: the same request, the latter with an ack. */
static int
proc_request(pp_client *c, const char *topic, const char *name,
    const pp_proc_opts *opts, int wait_ms, bool has_ack, uint64_t token,
    bool must_exist, bool is_ephemeral, pp_claim **out)
{
	pp_proc_opts  resolved;
	ppi_wire_lane lane;
	ppi_buf       req;
	size_t        tlen = topic != NULL ? strlen(topic) : 0;
	int           rv;

	if (c == NULL) {
		return PP_ENOTCONN;
	}
	if (out == NULL || wait_ms < -1) {
		return ppi_client_fail(c, PP_EINVAL, "claim is NULL or wait_ms < -1");
	}
	ppi_proc_opts_resolve(opts, &resolved);
	if (!ppi_topic_valid(topic, tlen)) {
		return ppi_client_fail(c, PP_EINVALID_TOPIC,
		    "topic must match [A-Za-z0-9_.-]{1,200}");
	}
	if ((rv = check_name(c, name)) != 0 ||
	    (rv = ppi_proc_check_opts(c, &resolved)) != 0) {
		return rv;
	}
	/* Deduplicated: a resend gets the first attempt's claim (lane.h). */
	if ((rv = ppi_lane_take(c->lane, &lane)) != 0) {
		return ppi_client_fail(c, rv, "out of memory");
	}
	ppi_buf_init(&req);
	ppi_wire_proc(&req, topic, name, &resolved, wait_ms, has_ack, token,
	    must_exist, &lane, is_ephemeral);
	rv = claim_call(c, &req, wait_ms, NULL, out);
	ppi_buf_fini(&req);
	ppi_lane_done(c->lane, &lane);
	return rv;
}

int
pp_proc(pp_client *c, const char *topic, const char *name,
    const pp_proc_opts *opts, int wait_ms, pp_claim **claim)
{
	return proc_request(
	    c, topic, name, opts, wait_ms, false, 0, false, false, claim);
}

int
ppi_proc_ephemeral(pp_client *c, const char *topic, const char *name,
    const pp_proc_opts *opts, int wait_ms, bool has_ack, uint64_t token,
    bool must_exist, pp_claim **claim)
{
	return proc_request(c, topic, name, opts, wait_ms, has_ack, token,
	    must_exist, true, claim);
}

int
pp_ack_proc(pp_client *c, const char *topic, const char *name,
    uint64_t token, const pp_proc_opts *opts, int wait_ms, pp_claim **claim)
{
	return proc_request(
	    c, topic, name, opts, wait_ms, true, token, false, false, claim);
}

int
pp_available_proc(pp_client *c, const char *const *names, size_t count,
    int wait_ms, size_t *index, pp_claim **out)
{
	ppi_buf req;
	size_t  i;
	int     rv;

	if (c == NULL) {
		return PP_ENOTCONN;
	}
	if (names == NULL || count == 0 || count > 64 || out == NULL ||
	    index == NULL || wait_ms < -1) {
		return ppi_client_fail(c, PP_EINVAL,
		    "1 to 64 names, index, claim and wait_ms >= -1 are needed");
	}
	for (i = 0; i < count; i++) {
		if ((rv = check_name(c, names[i])) != 0) {
			return rv;
		}
	}
	ppi_buf_init(&req);
	ppi_wire_names_op(&req, PPI_OP_AVAIL, names, count, wait_ms);
	rv = claim_call(c, &req, wait_ms, index, out);
	ppi_buf_fini(&req);
	return rv;
}

int
pp_wait_for_procs(pp_client *c, const char *const *names, size_t count,
    int timeout_ms)
{
	ppi_buf   req;
	ppi_frame reply;
	char      msg[PPI_ERRMSG_MAX] = "";
	size_t    i;
	int       rv;

	if (c == NULL) {
		return PP_ENOTCONN;
	}
	if ((names == NULL && count != 0) || count > 64 || timeout_ms < -1) {
		return ppi_client_fail(c, PP_EINVAL,
		    "at most 64 names, and timeout_ms >= -1");
	}
	for (i = 0; i < count; i++) {
		if ((rv = check_name(c, names[i])) != 0) {
			return rv;
		}
	}
	ppi_buf_init(&req);
	ppi_wire_names_op(&req, PPI_OP_WAITPROCS, names, count, timeout_ms);
	rv = ppi_client_call_wait(c, &req, timeout_ms, &reply);
	ppi_buf_fini(&req);
	if (rv == 0) {
		rv = ppi_wire_decode_status(reply.data, reply.len, msg,
		    sizeof(msg));
		ppi_frame_free(&reply);
	}
	return rv != 0 ? ppi_client_fail(c, rv, "%s", msg) : 0;
}

size_t
pp_claim_count(const pp_claim *cl)
{
	return cl != NULL ? cl->count : 0;
}

const pp_log *
pp_claim_log(const pp_claim *cl, size_t i)
{
	return cl != NULL && i < cl->count ? &cl->logs[i] : NULL;
}

uint64_t
pp_claim_token(const pp_claim *cl)
{
	return cl != NULL ? cl->token : 0;
}

void
pp_claim_free(pp_claim *cl)
{
	if (cl == NULL) {
		return;
	}
	free(cl->logs);
	ppi_frame_free(&cl->frame);
	free(cl);
}

int
pp_ack(pp_client *c, const char *name, uint64_t token, pp_id *acked)
{
	int rv;

	if (c == NULL) {
		return PP_ENOTCONN;
	}
	if ((rv = check_name(c, name)) != 0) {
		return rv;
	}
	return ppi_client_proc_call(
	    c, PPI_CALL_ACK, name, token, NULL, NULL, 0, NULL, acked);
}

int
pp_ack_commit(pp_client *c, const char *name, uint64_t token,
    const pp_record *records, size_t count, pp_id *ids)
{
	int rv;

	if (c == NULL) {
		return PP_ENOTCONN;
	}
	if ((rv = check_name(c, name)) != 0) {
		return rv;
	}
	if (ids == NULL) {
		return ppi_client_fail(c, PP_EINVAL, "ids is NULL");
	}
	return ppi_client_proc_call(c, PPI_CALL_ACK_COMMIT, name, token, NULL,
	    records, count, ids, NULL);
}

int
pp_reclaim(pp_client *c, const char *name, uint64_t token, const char *error)
{
	int rv;

	if (c == NULL) {
		return PP_ENOTCONN;
	}
	if ((rv = check_name(c, name)) != 0) {
		return rv;
	}
	if (error != NULL && strlen(error) > 512) {
		return ppi_client_fail(
		    c, PP_EINVAL, "error text longer than 512 bytes");
	}
	return ppi_client_proc_call(
	    c, PPI_CALL_RECLAIM, name, token, error, NULL, 0, NULL, NULL);
}

/* ---- proc lists ----------------------------------------------------------- */

static char *
dup_or_null(const char *s, bool *is_failed)
{
	char *d = strdup(s != NULL ? s : "");

	if (d == NULL) {
		*is_failed = true;
	}
	return d;
}

static int
list_add(void *arg, const void *row)
{
	const pp_proc_info *info = row;
	pp_proc_list       *l    = arg;
	pp_proc_info *items, *it;
	bool          is_failed = false;

	if (l->count == l->cap) {
		l->cap = l->cap != 0 ? l->cap * 2 : 8;
		if ((items = realloc(l->items, sizeof(*items) * l->cap)) ==
		    NULL) {
			return PP_ENOMEM;
		}
		l->items = items;
	}
	it             = &l->items[l->count];
	*it            = *info;
	it->name       = dup_or_null(info->name, &is_failed);
	it->topic      = dup_or_null(info->topic, &is_failed);
	it->offset     = dup_or_null(info->offset, &is_failed);
	it->last_error = dup_or_null(info->last_error, &is_failed);
	it->system_proc = dup_or_null(info->system_proc, &is_failed);
	it->plugin     = dup_or_null(info->plugin, &is_failed);
	it->opts.offset = it->offset;
	l->count++;
	return is_failed ? PP_ENOMEM : 0;
}

/* One request returning procs; pages through "procs" when listing all. */
static int
procs_call(pp_client *c, enum ppi_op op, const char *name,
    pp_proc_list **out)
{
	pp_proc_list *l;
	ppi_wire_lane lane;
	ppi_buf       req;
	ppi_frame     reply;
	char          msg[PPI_ERRMSG_MAX] = "";
	bool          has_more = true;
	bool          is_write = op == PPI_OP_PDISABLE ||
	    op == PPI_OP_PRESUME || op == PPI_OP_PDESTROY;
	int           rv       = 0;

	/* Writes are deduplicated: a resend after a lost connection gets
	 * what the first attempt did, not PP_EPROC_ALREADY_DISABLED. */
	if (is_write && ppi_lane_take(c->lane, &lane) != 0) {
		return PP_ENOMEM;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		if (is_write) {
			ppi_lane_done(c->lane, &lane);
		}
		return PP_ENOMEM;
	}
	ppi_buf_init(&req);
	while (has_more && rv == 0) {
		ppi_buf_reset(&req);
		if (op == PPI_OP_PROCS) {
			ppi_wire_procs(&req,
			    l->count > 0 ? l->items[l->count - 1].name : NULL);
		} else {
			ppi_wire_proc_admin(
			    &req, op, name, is_write ? &lane : NULL);
		}
		if ((rv = ppi_client_call(c, &req, &reply)) != 0) {
			break;
		}
		rv = ppi_wire_decode_list(reply.data, reply.len,
		    PPI_LIST_PROCS, list_add, l, &has_more, msg, sizeof(msg));
		ppi_frame_free(&reply);
		has_more = has_more && op == PPI_OP_PROCS;
	}
	ppi_buf_fini(&req);
	if (is_write) {
		ppi_lane_done(c->lane, &lane);
	}
	if (rv != 0 || out == NULL) {
		pp_proc_list_free(l);
		return rv != 0 ? ppi_client_fail(c, rv, "%s", msg) : 0;
	}
	*out = l;
	return 0;
}

int
ppi_procs_request(pp_client *c, const ppi_buf *req, pp_proc_list **out)
{
	pp_proc_list *l;
	ppi_frame     reply;
	char          msg[PPI_ERRMSG_MAX] = "";
	bool          has_more;
	int           rv;

	if ((rv = ppi_client_call(c, req, &reply)) != 0) {
		return rv;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		ppi_frame_free(&reply);
		return PP_ENOMEM;
	}
	rv = ppi_wire_decode_list(reply.data, reply.len, PPI_LIST_PROCS,
	    list_add, l, &has_more, msg, sizeof(msg));
	ppi_frame_free(&reply);
	if (rv != 0 || out == NULL) {
		pp_proc_list_free(l);
		return rv != 0 ? ppi_client_fail(c, rv, "%s", msg) : 0;
	}
	*out = l;
	return 0;
}

static int
admin(pp_client *c, enum ppi_op op, const char *name, pp_proc_list **out)
{
	int rv;

	if (c == NULL) {
		return PP_ENOTCONN;
	}
	if ((rv = check_name(c, name)) != 0) {
		return rv;
	}
	return procs_call(c, op, name, out);
}

int
pp_proc_inspect(pp_client *c, const char *name, pp_proc_list **list)
{
	return admin(c, PPI_OP_PINSPECT, name, list);
}

int
pp_proc_disable(pp_client *c, const char *name, pp_proc_list **list)
{
	return admin(c, PPI_OP_PDISABLE, name, list);
}

int
pp_proc_resume(pp_client *c, const char *name, pp_proc_list **list)
{
	return admin(c, PPI_OP_PRESUME, name, list);
}

int
pp_proc_destroy(pp_client *c, const char *name, pp_proc_list **list)
{
	return admin(c, PPI_OP_PDESTROY, name, list);
}

int
pp_procs(pp_client *c, pp_proc_list **list)
{
	if (c == NULL) {
		return PP_ENOTCONN;
	}
	if (list == NULL) {
		return PP_EINVAL;
	}
	return procs_call(c, PPI_OP_PROCS, NULL, list);
}

size_t
pp_proc_list_count(const pp_proc_list *l)
{
	return l != NULL ? l->count : 0;
}

const pp_proc_info *
pp_proc_list_get(const pp_proc_list *l, size_t i)
{
	return l != NULL && i < l->count ? &l->items[i] : NULL;
}

void
pp_proc_list_free(pp_proc_list *l)
{
	size_t i;

	if (l == NULL) {
		return;
	}
	for (i = 0; i < l->count; i++) {
		free((char *) l->items[i].name);
		free((char *) l->items[i].topic);
		free((char *) l->items[i].offset);
		free((char *) l->items[i].last_error);
		free((char *) l->items[i].system_proc);
		free((char *) l->items[i].plugin);
	}
	free(l->items);
	free(l);
}
