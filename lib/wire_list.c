/*
 * wire_list.c - list replies, and the four kinds of item they carry, each
 * encoded (node) and decoded (library) side by side so that a field can
 * only be added on both ends at once (docs/DESIGN.md §5, §9):
 *
 *   {"st":0, key:[item...], "more":bool}
 *
 *   kind          key       item (an array)
 *   topics        "topics"  [name, count, bytes, first_ms, first_seq,
 *                            last_ms, last_seq, next, created]
 *   procs         "procs"   [name, topic, offset, last_error, count,
 *                            max_reclaims, reclaim_timeout, on_max,
 *                            disabled, has_claim, claim first ms/seq,
 *                            claim last ms/seq, claim token, claim
 *                            deadline, next, reclaims, created,
 *                            last_claimed, last_acked, lag,
 *                            oldest_unacked, lost, systemProc, plugin,
 *                            has_last_acked, last acked first ms/seq,
 *                            last acked last ms/seq, has_prev_claim,
 *                            previous claim first ms/seq, last ms/seq]
 *   stats topics  "items"   topics' nine, then max_age, max_count,
 *                            max_bytes
 *   stats procs   "items"   [name, topic, disabled, has_claim, lag,
 *                            oldest_unacked, oldest_unacked_age,
 *                            reclaims, lost, last_acked]
 *   stats sources "items"   [name, topic, plugin, producer, has_report,
 *                            upstream_seq, stored_seq, lag,
 *                            reported_ms, report_age_ms]
 *
 * One decoder reads them all: it checks the list's frame, decodes each
 * item with the row decoder of its kind, and hands the row to the
 * caller's callback. Items of an older or newer node decode too: fields
 * it did not send read as zero, fields it added are skipped, a field of
 * the wrong type is PP_EPROTO (wire_compat.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire_impl.h"
#include "wire_stats.h"

#define TOPIC_FIELDS 9
#define PROC_FIELDS_ACKED 36 /* 26, and the two ranges newer nodes add */
#define STATS_TOPIC_FIELDS 12
#define STATS_PROC_FIELDS 10
#define STATS_SOURCE_FIELDS 10

/* ---- encoded by the node ------------------------------------------------ */

void
ppi_wire_reply_list_begin(ppi_buf *b, const char *key, size_t count)
{
	msgpack_packer pk;

	ppi_wire_packer(&pk, b);
	msgpack_pack_map(&pk, 3);
	ppi_wire_pack_status(&pk, 0);
	ppi_wire_pack_cstr(&pk, key);
	msgpack_pack_array(&pk, count);
}

void
ppi_wire_reply_list_end(ppi_buf *b, bool has_more)
{
	msgpack_packer pk;

	ppi_wire_packer(&pk, b);
	ppi_wire_pack_cstr(&pk, "more");
	has_more ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk);
}

void
ppi_wire_reply_topics_begin(ppi_buf *b, size_t count)
{
	ppi_wire_reply_list_begin(b, "topics", count);
}

/* An item of `fields` that starts with the nine of a topics item. */
static void
pack_topic(msgpack_packer *pk, uint32_t fields, const pp_topic_info *info)
{
	msgpack_pack_array(pk, fields);
	ppi_wire_pack_cstr(pk, info->name);
	msgpack_pack_uint64(pk, info->count);
	msgpack_pack_uint64(pk, info->bytes);
	msgpack_pack_uint64(pk, info->first.ms);
	msgpack_pack_uint64(pk, info->first.seq);
	msgpack_pack_uint64(pk, info->last.ms);
	msgpack_pack_uint64(pk, info->last.seq);
	msgpack_pack_uint64(pk, info->next_seq);
	msgpack_pack_uint64(pk, info->created_ms);
}

void
ppi_wire_reply_topics_item(ppi_buf *b, const pp_topic_info *info)
{
	msgpack_packer pk;

	ppi_wire_packer(&pk, b);
	pack_topic(&pk, TOPIC_FIELDS, info);
}

void
ppi_wire_reply_procs_begin(ppi_buf *b, size_t count)
{
	ppi_wire_reply_list_begin(b, "procs", count);
}

/* A range of ids as five fields: present, first ms/seq, last ms/seq. */
static void
pack_range(msgpack_packer *pk, bool is_present, pp_id first, pp_id last)
{
	is_present ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
	msgpack_pack_uint64(pk, first.ms);
	msgpack_pack_uint64(pk, first.seq);
	msgpack_pack_uint64(pk, last.ms);
	msgpack_pack_uint64(pk, last.seq);
}

void
ppi_wire_reply_procs_item(ppi_buf *b, const pp_proc_info *info)
{
	msgpack_packer pk;

	ppi_wire_packer(&pk, b);
	msgpack_pack_array(&pk, PROC_FIELDS_ACKED);
	ppi_wire_pack_cstr(&pk, info->name);
	ppi_wire_pack_cstr(&pk, info->topic);
	ppi_wire_pack_cstr(&pk, info->offset);
	ppi_wire_pack_cstr(&pk, info->last_error);
	msgpack_pack_uint32(&pk, info->opts.count);
	msgpack_pack_int64(&pk, info->opts.max_reclaims);
	msgpack_pack_int64(&pk, info->opts.reclaim_timeout_ms);
	msgpack_pack_uint32(&pk, (uint32_t) info->opts.on_max_reclaims);
	info->is_disabled ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk);
	info->has_claim ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk);
	msgpack_pack_uint64(&pk, info->claim_first.ms);
	msgpack_pack_uint64(&pk, info->claim_first.seq);
	msgpack_pack_uint64(&pk, info->claim_last.ms);
	msgpack_pack_uint64(&pk, info->claim_last.seq);
	msgpack_pack_uint64(&pk, info->claim_token);
	msgpack_pack_uint64(&pk, info->claim_deadline_ms);
	msgpack_pack_uint64(&pk, info->next_seq);
	msgpack_pack_uint32(&pk, info->reclaims);
	msgpack_pack_uint64(&pk, info->created_ms);
	msgpack_pack_uint64(&pk, info->last_claimed_ms);
	msgpack_pack_uint64(&pk, info->last_acked_ms);
	msgpack_pack_uint64(&pk, info->lag);
	msgpack_pack_uint64(&pk, info->oldest_unacked_ms);
	msgpack_pack_uint64(&pk, info->lost);
	ppi_wire_pack_cstr(
	    &pk, info->system_proc != NULL ? info->system_proc : "");
	ppi_wire_pack_cstr(&pk, info->plugin != NULL ? info->plugin : "");
	pack_range(&pk, info->has_last_acked, info->last_acked_first,
	    info->last_acked_last);
	pack_range(&pk, info->has_prev_claim, info->prev_claim_first,
	    info->prev_claim_last);
}

void
ppi_wire_reply_stats_begin(ppi_buf *b, size_t count)
{
	ppi_wire_reply_list_begin(b, "items", count);
}

void
ppi_wire_reply_stats_topic(ppi_buf *b, const pp_topic_stats *t)
{
	/* The nine fields of a topics item, then the limits. */
	const pp_topic_info info = {
		.name       = t->name,
		.count      = t->count,
		.bytes      = t->bytes,
		.first      = t->first,
		.last       = t->last,
		.next_seq   = t->next_seq,
		.created_ms = t->created_ms,
	};
	msgpack_packer      pk;

	ppi_wire_packer(&pk, b);
	pack_topic(&pk, STATS_TOPIC_FIELDS, &info);
	msgpack_pack_uint64(&pk, t->max_age_ms);
	msgpack_pack_uint64(&pk, t->max_count);
	msgpack_pack_uint64(&pk, t->max_bytes);
}

void
ppi_wire_reply_stats_proc(ppi_buf *b, const pp_proc_stats *p)
{
	msgpack_packer pk;

	ppi_wire_packer(&pk, b);
	msgpack_pack_array(&pk, STATS_PROC_FIELDS);
	ppi_wire_pack_cstr(&pk, p->name);
	ppi_wire_pack_cstr(&pk, p->topic);
	p->is_disabled ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk);
	p->has_claim ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk);
	msgpack_pack_uint64(&pk, p->lag);
	msgpack_pack_uint64(&pk, p->oldest_unacked_ms);
	msgpack_pack_uint64(&pk, p->oldest_unacked_age_ms);
	msgpack_pack_uint64(&pk, p->reclaims);
	msgpack_pack_uint64(&pk, p->lost);
	msgpack_pack_uint64(&pk, p->last_acked_ms);
}

void
ppi_wire_reply_stats_source(ppi_buf *b, const pp_source_info *src)
{
	msgpack_packer pk;

	ppi_wire_packer(&pk, b);
	msgpack_pack_array(&pk, STATS_SOURCE_FIELDS);
	ppi_wire_pack_cstr(&pk, src->name);
	ppi_wire_pack_cstr(&pk, src->topic);
	ppi_wire_pack_cstr(&pk, src->plugin);
	ppi_wire_pack_cstr(&pk, src->producer);
	src->has_report ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk);
	msgpack_pack_uint64(&pk, src->upstream_seq);
	msgpack_pack_uint64(&pk, src->stored_seq);
	msgpack_pack_uint64(&pk, src->lag);
	msgpack_pack_uint64(&pk, src->reported_ms);
	msgpack_pack_uint64(&pk, src->report_age_ms);
}

/* ---- decoded by the library --------------------------------------------- */

/* Room for the strings of one row: they are NUL-terminated copies. */
typedef struct row_scratch {
	char str[5][600];
	char plugin[4097];
} row_scratch;

/* One decoded row, whichever its kind. */
typedef union list_row {
	pp_topic_info  topic;
	pp_proc_info   proc;
	pp_topic_stats stats_topic;
	pp_proc_stats  stats_proc;
	pp_source_info stats_source;
} list_row;

/* Field k of the item, or NULL when an older node sent fewer. */
#define F(k) ppi_wire_field(f, n, (k))

/* Each row decoder reads the n fields f of one item into r: at least the
 * ones that name the row (its kind's minimum, checked by the caller);
 * later ones an older node did not send stay zero (or ""), and ones a
 * newer node added are ignored. False when a field has the wrong type
 * (wire_compat.c). */

/* Reads a range packed by pack_range at field k. */
static bool
row_range(const msgpack_object *f, uint32_t n, uint32_t k, bool *is_present,
    pp_id *first, pp_id *last)
{
	return ppi_wire_opt_bool(F(k), is_present) &&
	    ppi_wire_opt_u64(F(k + 1), &first->ms) &&
	    ppi_wire_opt_u64(F(k + 2), &first->seq) &&
	    ppi_wire_opt_u64(F(k + 3), &last->ms) &&
	    ppi_wire_opt_u64(F(k + 4), &last->seq);
}

static bool
row_topic(const msgpack_object *f, uint32_t n, row_scratch *s,
    list_row *r)
{
	pp_topic_info *t = &r->topic;

	memset(t, 0, sizeof(*t));
	if (!ppi_wire_opt_str(F(0), s->str[0], PP_TOPIC_MAX + 1) ||
	    !ppi_wire_opt_u64(F(1), &t->count) ||
	    !ppi_wire_opt_u64(F(2), &t->bytes) ||
	    !ppi_wire_opt_u64(F(3), &t->first.ms) ||
	    !ppi_wire_opt_u64(F(4), &t->first.seq) ||
	    !ppi_wire_opt_u64(F(5), &t->last.ms) ||
	    !ppi_wire_opt_u64(F(6), &t->last.seq) ||
	    !ppi_wire_opt_u64(F(7), &t->next_seq) ||
	    !ppi_wire_opt_u64(F(8), &t->created_ms)) {
		return false;
	}
	t->name = s->str[0];
	return true;
}

static bool
row_proc(const msgpack_object *f, uint32_t n, row_scratch *s,
    list_row *r)
{
	pp_proc_info *i = &r->proc;
	char (*scratch)[600] = s->str;
	int64_t       maxr = 0, rto = 0;
	uint64_t      count = 0, on_max = 0, reclaims = 0;

	memset(i, 0, sizeof(*i));
	if (!ppi_wire_opt_str(F(0), scratch[0], sizeof(scratch[0])) ||
	    !ppi_wire_opt_str(F(1), scratch[1], sizeof(scratch[1])) ||
	    !ppi_wire_opt_str(F(2), scratch[2], sizeof(scratch[2])) ||
	    !ppi_wire_opt_str(F(3), scratch[3], sizeof(scratch[3])) ||
	    !ppi_wire_opt_u64(F(4), &count) || count > UINT32_MAX ||
	    !ppi_wire_opt_int(F(5), &maxr) ||
	    maxr < INT32_MIN || maxr > INT32_MAX ||
	    !ppi_wire_opt_int(F(6), &rto) ||
	    !ppi_wire_opt_u64(F(7), &on_max) ||
	    !ppi_wire_opt_bool(F(8), &i->is_disabled) ||
	    !ppi_wire_opt_bool(F(9), &i->has_claim) ||
	    !ppi_wire_opt_u64(F(10), &i->claim_first.ms) ||
	    !ppi_wire_opt_u64(F(11), &i->claim_first.seq) ||
	    !ppi_wire_opt_u64(F(12), &i->claim_last.ms) ||
	    !ppi_wire_opt_u64(F(13), &i->claim_last.seq) ||
	    !ppi_wire_opt_u64(F(14), &i->claim_token) ||
	    !ppi_wire_opt_u64(F(15), &i->claim_deadline_ms) ||
	    !ppi_wire_opt_u64(F(16), &i->next_seq) ||
	    !ppi_wire_opt_u64(F(17), &reclaims) || reclaims > UINT32_MAX ||
	    !ppi_wire_opt_u64(F(18), &i->created_ms) ||
	    !ppi_wire_opt_u64(F(19), &i->last_claimed_ms) ||
	    !ppi_wire_opt_u64(F(20), &i->last_acked_ms) ||
	    !ppi_wire_opt_u64(F(21), &i->lag) ||
	    !ppi_wire_opt_u64(F(22), &i->oldest_unacked_ms) ||
	    !ppi_wire_opt_u64(F(23), &i->lost) ||
	    !ppi_wire_opt_str(F(24), scratch[4], sizeof(scratch[4])) ||
	    !ppi_wire_opt_str(F(25), s->plugin, sizeof(s->plugin)) ||
	    /* Older nodes send no ranges: they read as absent. */
	    !row_range(f, n, 26, &i->has_last_acked, &i->last_acked_first,
	        &i->last_acked_last) ||
	    !row_range(f, n, 31, &i->has_prev_claim, &i->prev_claim_first,
	        &i->prev_claim_last)) {
		return false;
	}
	i->system_proc             = scratch[4];
	i->plugin                  = s->plugin;
	i->name                    = scratch[0];
	i->topic                   = scratch[1];
	i->offset                  = scratch[2];
	i->last_error              = scratch[3];
	i->opts.offset             = scratch[2];
	i->opts.count              = (uint32_t) count;
	i->opts.max_reclaims       = (int32_t) maxr;
	i->opts.reclaim_timeout_ms = rto;
	i->opts.on_max_reclaims    = (enum pp_on_max_reclaims) on_max;
	i->reclaims                = (uint32_t) reclaims;
	return true;
}

static bool
row_stats_topic(const msgpack_object *f, uint32_t n, row_scratch *s,
    list_row *r)
{
	pp_topic_stats *t = &r->stats_topic;
	list_row        head;

	/* The nine fields of a topics item, then the limits. */
	memset(t, 0, sizeof(*t));
	if (!row_topic(f, n, s, &head)) {
		return false;
	}
	t->name = head.topic.name;
	t->count = head.topic.count;
	t->bytes = head.topic.bytes;
	t->first = head.topic.first;
	t->last = head.topic.last;
	t->next_seq = head.topic.next_seq;
	t->created_ms = head.topic.created_ms;
	return ppi_wire_opt_u64(F(9), &t->max_age_ms) &&
	    ppi_wire_opt_u64(F(10), &t->max_count) &&
	    ppi_wire_opt_u64(F(11), &t->max_bytes);
}

static bool
row_stats_proc(const msgpack_object *f, uint32_t n, row_scratch *s,
    list_row *r)
{
	pp_proc_stats *p = &r->stats_proc;
	uint64_t       reclaims = 0;

	memset(p, 0, sizeof(*p));
	if (!ppi_wire_opt_str(F(0), s->str[0], PP_TOPIC_MAX + 1) ||
	    !ppi_wire_opt_str(F(1), s->str[1], PP_TOPIC_MAX + 1) ||
	    !ppi_wire_opt_bool(F(2), &p->is_disabled) ||
	    !ppi_wire_opt_bool(F(3), &p->has_claim) ||
	    !ppi_wire_opt_u64(F(4), &p->lag) ||
	    !ppi_wire_opt_u64(F(5), &p->oldest_unacked_ms) ||
	    !ppi_wire_opt_u64(F(6), &p->oldest_unacked_age_ms) ||
	    !ppi_wire_opt_u64(F(7), &reclaims) || reclaims > UINT32_MAX ||
	    !ppi_wire_opt_u64(F(8), &p->lost) ||
	    !ppi_wire_opt_u64(F(9), &p->last_acked_ms)) {
		return false;
	}
	p->name     = s->str[0];
	p->topic    = s->str[1];
	p->reclaims = (uint32_t) reclaims;
	return true;
}

static bool
row_stats_source(const msgpack_object *f, uint32_t n, row_scratch *s,
    list_row *r)
{
	pp_source_info *p = &r->stats_source;

	memset(p, 0, sizeof(*p));
	if (!ppi_wire_opt_str(F(0), s->str[0], PP_TOPIC_MAX + 1) ||
	    !ppi_wire_opt_str(F(1), s->str[1], PP_TOPIC_MAX + 1) ||
	    !ppi_wire_opt_str(F(2), s->plugin, sizeof(s->plugin)) ||
	    !ppi_wire_opt_str(F(3), s->str[2], PP_PRODUCER_MAX + 1) ||
	    !ppi_wire_opt_bool(F(4), &p->has_report) ||
	    !ppi_wire_opt_u64(F(5), &p->upstream_seq) ||
	    !ppi_wire_opt_u64(F(6), &p->stored_seq) ||
	    !ppi_wire_opt_u64(F(7), &p->lag) ||
	    !ppi_wire_opt_u64(F(8), &p->reported_ms) ||
	    !ppi_wire_opt_u64(F(9), &p->report_age_ms)) {
		return false;
	}
	p->name     = s->str[0];
	p->topic    = s->str[1];
	p->plugin   = s->plugin;
	p->producer = s->str[2];
	return true;
}

#undef F

/*
 * Per kind: the key of its array and the fields an item has at least:
 * those that name it (a topic's name; a proc's or source's name and
 * topic). Items may
 * be longer (fields are only ever appended) or shorter down to that
 * minimum (an older node): DESIGN §5, "Compatibility of replies".
 */
static const struct {
	const char *key;
	uint32_t    min_fields;
	bool (*decode)(const msgpack_object *f, uint32_t n, row_scratch *s,
	    list_row *r);
} kinds[] = {
	[PPI_LIST_TOPICS]       = { "topics", 1, row_topic },
	[PPI_LIST_PROCS]        = { "procs", 2, row_proc },
	[PPI_LIST_STATS_TOPICS] = { "items", 1, row_stats_topic },
	[PPI_LIST_STATS_PROCS]  = { "items", 2, row_stats_proc },
	[PPI_LIST_STATS_SOURCES] = { "items", 2, row_stats_source },
};

int
ppi_wire_decode_list(const void *frame, size_t len, enum ppi_list_kind kind,
    int (*row)(void *arg, const void *item), void *arg, bool *has_more,
    char *msg, size_t msglen)
{
	msgpack_unpacked      u;
	const msgpack_object *root, *arr, *it;
	row_scratch           scratch;
	list_row              r;
	bool                  more;
	uint32_t              i;
	int                   rv;

	if ((rv = ppi_wire_reply_open(frame, len, &u, &root, msg, msglen)) !=
	    0) {
		return rv;
	}
	/* A reply without "more" (no paging yet) is the whole list. */
	arr = ppi_wire_get(root, kinds[kind].key);
	more = false;
	if (arr == NULL || arr->type != MSGPACK_OBJECT_ARRAY ||
	    !ppi_wire_opt_bool(ppi_wire_get(root, "more"), &more)) {
		goto malformed;
	}
	for (i = 0; i < arr->via.array.size; i++) {
		it = &arr->via.array.ptr[i];
		if (it->type != MSGPACK_OBJECT_ARRAY ||
		    it->via.array.size < kinds[kind].min_fields ||
		    !kinds[kind].decode(it->via.array.ptr, it->via.array.size,
		        &scratch, &r)) {
			goto malformed;
		}
		if ((rv = row(arg, &r)) != 0) {
			msgpack_unpacked_destroy(&u);
			return rv;
		}
	}
	msgpack_unpacked_destroy(&u);
	*has_more = more;
	return 0;
malformed:
	msgpack_unpacked_destroy(&u);
	snprintf(msg, msglen, "malformed reply from the node");
	return PP_EPROTO;
}
