/*
 * proc_rec.c - the proc record on disk and the state report built
 * from it.
 *
 *   state key: 0x02 name
 *   value (integers big-endian):
 *   +----------+-------+-------+------------+---------+---------------+
 *   | flags:4  | count | maxr  | reclaims   | rto:i64 | created:u64   |
 *   +----------+-------+-------+------------+---------+---------------+
 *   | cursor | start_ms | start_seq | claim_first | claim_last | token |
 *   +--------+----------+-----------+-------------+------------+-------+
 *   | deadline | last_claimed | last_acked | topic_len:u16 offset_len:u16
 *   | error_len:u16 version:u8 isolating:u8 | lost:u64 |
 *   | retry_end:u64 (version 1) |
 *   | claim_first_ms | claim_last_ms | prev_claim first ms/seq, last
 *   | ms/seq | last_acked first ms/seq, last ms/seq | has:u8 | (0) x7 |
 *   (version 2) | topic | offset | error |
 *   flags: disabled, on_max, start kind, start exclusive (one byte each).
 *   has: bit 0 claim ms, bit 1 previous claim, bit 2 last acked.
 *   Version 0 records (120 fixed bytes) have no retry_end, version 1
 *   records (128) none of the version 2 fields; every record is written
 *   as version 2 (216 bytes).
 * One record per proc, so destroy deletes exactly one key (PEER §10).
 */
#include <string.h>

#include "cursor.h"
#include "proc_rec.h"
#include "sys_rec.h"

#define FIXED_V0 120
#define FIXED_V1 128
#define FIXED 216
#define HAS_CLAIM_MS 1
#define HAS_PREV_CLAIM 2
#define HAS_LAST_ACKED 4

/* Reads and writes a pp_id as ms:u64 seq:u64. */
static pp_id
get_id(const unsigned char *b)
{
	pp_id id = { ppi_get_be64(b), ppi_get_be64(b + 8) };

	return id;
}

static void
put_id(unsigned char *b, pp_id id)
{
	ppi_put_be64(b, id.ms);
	ppi_put_be64(b + 8, id.seq);
}

size_t
proc_rec_key(unsigned char *key, const char *name, size_t len)
{
	key[0] = STATE_PROC;
	memcpy(key + 1, name, len);
	return len + 1;
}

bool
proc_rec_decode(const MDB_val *v, const char *name, size_t len, proc_rec *p)
{
	const unsigned char *b = v->mv_data;
	static const size_t  fixed_of[] = { FIXED_V0, FIXED_V1, FIXED };
	size_t               tl, ol, el, fixed;

	if (v->mv_size < FIXED_V0 || len > PP_TOPIC_MAX || b[110] > 2) {
		return false;
	}
	fixed = fixed_of[b[110]];
	tl = (size_t) (b[104] << 8 | b[105]);
	ol = (size_t) (b[106] << 8 | b[107]);
	el = (size_t) (b[108] << 8 | b[109]);
	if (tl > PP_TOPIC_MAX || ol > PROC_OFFSET_MAX || el > PROC_ERROR_MAX ||
	    v->mv_size != fixed + tl + ol + el || b[2] > PPI_IDEXPR_SEQ) {
		return false;
	}
	memset(p, 0, sizeof(*p));
	memcpy(p->name, name, len);
	p->is_disabled        = b[0] != 0;
	p->on_max             = b[1];
	p->start.kind         = (enum ppi_idexpr_kind) b[2];
	p->is_start_excl      = b[3] != 0;
	p->count              = ppi_get_be32(b + 4);
	p->max_reclaims       = (int32_t) ppi_get_be32(b + 8);
	p->reclaims           = ppi_get_be32(b + 12);
	p->reclaim_timeout_ms = (int64_t) ppi_get_be64(b + 16);
	p->created_ms         = ppi_get_be64(b + 24);
	p->cursor             = ppi_get_be64(b + 32);
	p->start.ms           = ppi_get_be64(b + 40);
	p->start.seq          = ppi_get_be64(b + 48);
	p->claim_first        = ppi_get_be64(b + 56);
	p->claim_last         = ppi_get_be64(b + 64);
	p->token              = ppi_get_be64(b + 72);
	p->deadline_ms        = ppi_get_be64(b + 80);
	p->last_claimed_ms    = ppi_get_be64(b + 88);
	p->last_acked_ms      = ppi_get_be64(b + 96);
	p->lost               = ppi_get_be64(b + 112);
	p->is_isolating       = b[111] != 0;
	p->retry_end          = fixed >= FIXED_V1 ? ppi_get_be64(b + 120) : 0;
	if (fixed == FIXED) {
		p->has_claim_ms     = (b[208] & HAS_CLAIM_MS) != 0;
		p->has_prev_claim   = (b[208] & HAS_PREV_CLAIM) != 0;
		p->has_last_acked   = (b[208] & HAS_LAST_ACKED) != 0;
		p->claim_first_ms   = ppi_get_be64(b + 128);
		p->claim_last_ms    = ppi_get_be64(b + 136);
		p->prev_claim_first = get_id(b + 144);
		p->prev_claim_last  = get_id(b + 160);
		p->last_acked_first = get_id(b + 176);
		p->last_acked_last  = get_id(b + 192);
	}
	memcpy(p->topic, b + fixed, tl);
	memcpy(p->offset, b + fixed + tl, ol);
	memcpy(p->error, b + fixed + tl + ol, el);
	return true;
}

int
proc_rec_get(MDB_txn *txn, store *s, const char *name, size_t len, proc_rec *p)
{
	unsigned char key[PROC_KEY_MAX];
	MDB_val       k, v;
	int           rc;

	k.mv_data = key;
	k.mv_size = proc_rec_key(key, name, len);
	if ((rc = mdb_get(txn, s->state, &k, &v)) != 0) {
		return rc;
	}
	return proc_rec_decode(&v, name, len, p) ? 0 : MDB_CORRUPTED;
}

int
proc_rec_put(MDB_txn *txn, store *s, const proc_rec *p)
{
	unsigned char  key[PROC_KEY_MAX];
	unsigned char *b;
	size_t         tl = strlen(p->topic), ol = strlen(p->offset);
	size_t         el = strlen(p->error);
	MDB_val        k, v;
	int            rc;

	k.mv_data = key;
	k.mv_size = proc_rec_key(key, p->name, strlen(p->name));
	v.mv_size = FIXED + tl + ol + el;
	if ((rc = mdb_put(txn, s->state, &k, &v, MDB_RESERVE)) != 0) {
		return rc;
	}
	s->procs_gen++; /* a new proc may pin logs: gc.c */
	b = v.mv_data;
	memset(b, 0, FIXED);
	b[0] = p->is_disabled ? 1 : 0;
	b[1] = p->on_max;
	b[2] = (unsigned char) p->start.kind;
	b[3] = p->is_start_excl ? 1 : 0;
	ppi_put_be32(b + 4, p->count);
	ppi_put_be32(b + 8, (uint32_t) p->max_reclaims);
	ppi_put_be32(b + 12, p->reclaims);
	ppi_put_be64(b + 16, (uint64_t) p->reclaim_timeout_ms);
	ppi_put_be64(b + 24, p->created_ms);
	ppi_put_be64(b + 32, p->cursor);
	ppi_put_be64(b + 40, p->start.ms);
	ppi_put_be64(b + 48, p->start.seq);
	ppi_put_be64(b + 56, p->claim_first);
	ppi_put_be64(b + 64, p->claim_last);
	ppi_put_be64(b + 72, p->token);
	ppi_put_be64(b + 80, p->deadline_ms);
	ppi_put_be64(b + 88, p->last_claimed_ms);
	ppi_put_be64(b + 96, p->last_acked_ms);
	ppi_put_be64(b + 112, p->lost);
	b[104] = (unsigned char) (tl >> 8);
	b[105] = (unsigned char) tl;
	b[106] = (unsigned char) (ol >> 8);
	b[107] = (unsigned char) ol;
	b[108] = (unsigned char) (el >> 8);
	b[109] = (unsigned char) el;
	b[110] = 2; /* version */
	b[111] = p->is_isolating ? 1 : 0;
	ppi_put_be64(b + 120, p->retry_end);
	ppi_put_be64(b + 128, p->claim_first_ms);
	ppi_put_be64(b + 136, p->claim_last_ms);
	put_id(b + 144, p->prev_claim_first);
	put_id(b + 160, p->prev_claim_last);
	put_id(b + 176, p->last_acked_first);
	put_id(b + 192, p->last_acked_last);
	b[208] = (unsigned char) ((p->has_claim_ms ? HAS_CLAIM_MS : 0) |
	    (p->has_prev_claim ? HAS_PREV_CLAIM : 0) |
	    (p->has_last_acked ? HAS_LAST_ACKED : 0));
	memcpy(b + FIXED, p->topic, tl);
	memcpy(b + FIXED + tl, p->offset, ol);
	memcpy(b + FIXED + tl + ol, p->error, el);
	return 0;
}

void
proc_rec_claim_ids(store_cursor *c, const proc_rec *p, pp_id *first, pp_id *last)
{
	if (p->has_claim_ms) {
		*first = (pp_id) { p->claim_first_ms, p->claim_first };
		*last  = (pp_id) { p->claim_last_ms, p->claim_last };
	} else {
		/* Claimed before version 2 records: its logs tell. */
		*first = c != NULL ? cursor_log_id(c, p->claim_first)
		                   : (pp_id) { 0, p->claim_first };
		*last  = c != NULL ? cursor_log_id(c, p->claim_last)
		                   : (pp_id) { 0, p->claim_last };
	}
}

int
proc_rec_report(MDB_txn *txn, store *s, MDB_cursor *logs, const proc_rec *p,
    pp_proc_info *info)
{
	store_cursor c;
	MDB_val      k = { strlen(p->topic), (void *) p->topic }, v;
	uint64_t     from = p->cursor;
	bool         has_topic;
	int          rc;

	memset(info, 0, sizeof(*info));
	info->name                    = p->name;
	info->topic                   = p->topic;
	info->offset                  = p->offset;
	info->last_error              = p->error;
	info->opts.offset             = p->offset;
	info->opts.count              = p->count;
	info->opts.max_reclaims       = p->max_reclaims;
	info->opts.reclaim_timeout_ms = p->reclaim_timeout_ms;
	info->opts.on_max_reclaims    = (enum pp_on_max_reclaims) p->on_max;
	info->is_disabled             = p->is_disabled;
	info->has_claim               = p->token != 0;
	info->claim_token             = p->token;
	info->claim_deadline_ms       = p->deadline_ms;
	info->reclaims                = p->reclaims;
	info->created_ms              = p->created_ms;
	info->last_claimed_ms         = p->last_claimed_ms;
	info->last_acked_ms           = p->last_acked_ms;
	info->lost                    = p->lost;
	info->system_proc             = "";
	info->plugin                  = "";
	info->has_last_acked          = p->has_last_acked;
	info->last_acked_first        = p->last_acked_first;
	info->last_acked_last         = p->last_acked_last;
	info->has_prev_claim          = p->has_prev_claim;
	info->prev_claim_first        = p->prev_claim_first;
	info->prev_claim_last         = p->prev_claim_last;
	if (info->has_claim && p->has_claim_ms) {
		info->claim_first = (pp_id) { p->claim_first_ms, p->claim_first };
		info->claim_last  = (pp_id) { p->claim_last_ms, p->claim_last };
	}
	rc = mdb_get(txn, s->state, &k, &v);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		return rc;
	}
	has_topic = rc == 0 && store_topic_decode(&v, &c.topic);
	c.cur     = logs;
	if (!has_topic) {
		info->next_seq = p->cursor != NO_CURSOR ? p->cursor : 0;
		return 0;
	}
	if (from == NO_CURSOR &&
	    !cursor_lower(&c, &p->start, p->is_start_excl, &from)) {
		from = c.topic.next_seq;
	}
	info->next_seq = from;
	if (info->has_claim && !p->has_claim_ms) {
		info->claim_first = cursor_log_id(&c, p->claim_first);
		info->claim_last  = cursor_log_id(&c, p->claim_last);
	}
	if (cursor_seek(&c, from, &k, &v)) {
		/* Logs are only removed from the front, so everything from
		 * here to the end is stored. */
		info->lag               = c.topic.next_seq - store_key_seq(&k);
		info->oldest_unacked_ms = store_val_ms(&v);
	}
	return 0;
}

void
proc_rec_report_system(MDB_txn *txn, store *s, const proc_rec *p,
    pp_proc_info *info)
{
	/* The strings must outlive this call only until the caller has
	 * encoded info, which it does before reporting the next proc. */
	static __thread char sys_name[PP_TOPIC_MAX + 1];
	static __thread char sys_plugin[SYS_PLUGIN_MAX + 1];

	if (p->is_isolating && /* only systemProcs' procs are */
	    sys_rec_lookup_proc(txn, s, p->name, sys_name, sys_plugin,
	        sizeof(sys_plugin))) {
		info->system_proc = sys_name;
		info->plugin      = sys_plugin;
	}
}
