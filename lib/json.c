/*
 * json.c - the JSON objects of a topic's and a proc's state, which the
 * CLI prints (pipeproc(1): stat, inspect) and the node serves over HTTP
 * (GET /topics/NAME, /procs/NAME):
 *
 *   {"topic":"t","count":N,"bytes":N,"first":"ID","last":"ID",
 *    "next_seq":N,"created_ms":MS}
 *
 *   {"name":"p","topic":"t","offset":">","last_error":"",
 *    "count":1,"max_reclaims":10,"reclaim_timeout_ms":10000,
 *    "on_max_reclaims":"disable","is_disabled":false,"has_claim":true,
 *    "claim_first":"ID","claim_last":"ID","claim_token":"N",
 *    "claim_deadline_ms":MS,"next_seq":N,"reclaims":N,"created_ms":MS,
 *    "last_claimed_ms":MS,"last_acked_ms":MS,"lag":N,
 *    "oldest_unacked_ms":MS,"oldest_unacked_age_ms":MS,"lost":N,
 *    "has_last_acked":true,"last_acked_first":"ID","last_acked_last":"ID",
 *    "has_prev_claim":true,"prev_claim_first":"ID","prev_claim_last":"ID",
 *    "system_proc":"s","plugin":"/path/p.so"}
 *
 * A proc holds every field of pp_proc_info under its C name, the options
 * flattened into it; system_proc and plugin only for the procs of a
 * systemProc. Ids are "ms-seq" strings, and so is the 64-bit claim token
 * (issue 13 item 3: a JSON number above 2^53 does not survive jq). What
 * the struct marks as absent is null, not a sentinel: the first and last
 * ids of an empty topic, the claim fields without a claim (the deadline
 * also when it is "never"), the ranges before they exist and the times
 * whose 0 means "never" or "none". max_reclaims and reclaim_timeout_ms
 * keep -1 for "never", the value the options take.
 * oldest_unacked_age_ms (not a struct field) is how long ago that log was
 * committed, by the caller's clock.
 *
 * Strings are bytes to JSON: valid UTF-8 passes unchanged, so the output
 * is exact for UTF-8 text and always valid JSON.
 */
#include <inttypes.h>
#include <string.h>

#include "json.h"

/*
 * Length of the valid UTF-8 sequence at p (n bytes available), or 0 when
 * p[0] does not start one. Rejects overlong forms, surrogates and code
 * points above U+10FFFF (RFC 3629).
 */
static size_t
utf8_sequence(const unsigned char *p, size_t n)
{
	unsigned char lo = 0x80;
	unsigned char hi = 0xBF;
	size_t        len;
	size_t        i;

	if (p[0] >= 0xC2 && p[0] <= 0xDF) {
		len = 2;
	} else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		len = 3;
		if (p[0] == 0xE0) {
			lo = 0xA0;
		} else if (p[0] == 0xED) {
			hi = 0x9F;
		}
	} else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		len = 4;
		if (p[0] == 0xF0) {
			lo = 0x90;
		} else if (p[0] == 0xF4) {
			hi = 0x8F;
		}
	} else {
		return 0;
	}
	if (n < len || p[1] < lo || p[1] > hi) {
		return 0;
	}
	for (i = 2; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80) {
			return 0;
		}
	}
	return len;
}

void
ppi_json_string(ppi_buf *b, const void *data, size_t len)
{
	const unsigned char *p   = data;
	size_t               run = 0; /* bytes at p that need no escape */
	size_t               seq;
	unsigned char        c;

	ppi_buf_append(b, "\"", 1);
	while (run < len) {
		c = p[run];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			run++;
			continue;
		}
		if (c >= 0x80 && (seq = utf8_sequence(p + run, len - run)) > 0) {
			run += seq;
			continue;
		}
		ppi_buf_append(b, p, run);
		switch (c) {
		case '"':
			ppi_buf_append(b, "\\\"", 2);
			break;
		case '\\':
			ppi_buf_append(b, "\\\\", 2);
			break;
		case '\b':
			ppi_buf_append(b, "\\b", 2);
			break;
		case '\f':
			ppi_buf_append(b, "\\f", 2);
			break;
		case '\n':
			ppi_buf_append(b, "\\n", 2);
			break;
		case '\r':
			ppi_buf_append(b, "\\r", 2);
			break;
		case '\t':
			ppi_buf_append(b, "\\t", 2);
			break;
		default:
			/* Other control characters and invalid UTF-8. */
			ppi_buf_printf(b, "\\u%04x", (unsigned) c);
			break;
		}
		p += run + 1;
		len -= run + 1;
		run = 0;
	}
	ppi_buf_append(b, p, run);
	ppi_buf_append(b, "\"", 1);
}

/* `,"key":` then a string (NULL as ""); no comma when is_first. */
static void
put_string(ppi_buf *b, const char *key, const char *value, bool is_first)
{
	ppi_buf_printf(b, "%s\"%s\":", is_first ? "" : ",", key);
	ppi_json_string(b, value != NULL ? value : "",
	    value != NULL ? strlen(value) : 0);
}

/* `,"key":"ms-seq"`, or `,"key":null` when !is_present. */
static void
put_id(ppi_buf *b, const char *key, pp_id id, bool is_present)
{
	char buf[PP_ID_STRLEN];

	if (is_present) {
		ppi_buf_printf(b, ",\"%s\":\"%s\"", key, pp_id_format(id, buf));
	} else {
		ppi_buf_printf(b, ",\"%s\":null", key);
	}
}

/* `,"key":N`, or `,"key":null` when !is_present. */
static void
put_u64(ppi_buf *b, const char *key, uint64_t value, bool is_present)
{
	if (is_present) {
		ppi_buf_printf(b, ",\"%s\":%" PRIu64, key, value);
	} else {
		ppi_buf_printf(b, ",\"%s\":null", key);
	}
}

static void
put_bool(ppi_buf *b, const char *key, bool value)
{
	ppi_buf_printf(b, ",\"%s\":%s", key, value ? "true" : "false");
}

void
ppi_json_topic(ppi_buf *b, const pp_topic_info *info)
{
	ppi_buf_append(b, "{", 1);
	put_string(b, "topic", info->name, true);
	ppi_buf_printf(b, ",\"count\":%" PRIu64 ",\"bytes\":%" PRIu64,
	    info->count, info->bytes);
	put_id(b, "first", info->first, info->count > 0);
	put_id(b, "last", info->last, info->count > 0);
	ppi_buf_printf(b, ",\"next_seq\":%" PRIu64 ",\"created_ms\":%" PRIu64 "}",
	    info->next_seq, info->created_ms);
}

/* The --on-max-reclaims word for a mode. */
static const char *
mode_name(enum pp_on_max_reclaims mode)
{
	switch (mode) {
	case PP_ON_MAX_DISABLE:
		return "disable";
	case PP_ON_MAX_CONTINUE:
		return "continue";
	case PP_ON_MAX_DEADLETTER:
		return "deadletter";
	}
	return "unknown";
}

void
ppi_json_proc(ppi_buf *b, const pp_proc_info *info, uint64_t now_ms)
{
	ppi_buf_append(b, "{", 1);
	put_string(b, "name", info->name, true);
	put_string(b, "topic", info->topic, false);
	put_string(b, "offset", info->offset, false);
	put_string(b, "last_error", info->last_error, false);
	ppi_buf_printf(b,
	    ",\"count\":%" PRIu32 ",\"max_reclaims\":%" PRId32
	    ",\"reclaim_timeout_ms\":%" PRId64 ",\"on_max_reclaims\":\"%s\"",
	    info->opts.count, info->opts.max_reclaims,
	    info->opts.reclaim_timeout_ms,
	    mode_name(info->opts.on_max_reclaims));
	put_bool(b, "is_disabled", info->is_disabled);
	put_bool(b, "has_claim", info->has_claim);
	put_id(b, "claim_first", info->claim_first, info->has_claim);
	put_id(b, "claim_last", info->claim_last, info->has_claim);
	if (info->has_claim) {
		ppi_buf_printf(
		    b, ",\"claim_token\":\"%" PRIu64 "\"", info->claim_token);
	} else {
		ppi_buf_printf(b, ",\"claim_token\":null");
	}
	put_u64(b, "claim_deadline_ms", info->claim_deadline_ms,
	    info->has_claim && info->claim_deadline_ms != 0);
	ppi_buf_printf(b,
	    ",\"next_seq\":%" PRIu64 ",\"reclaims\":%" PRIu32
	    ",\"created_ms\":%" PRIu64,
	    info->next_seq, info->reclaims, info->created_ms);
	put_u64(b, "last_claimed_ms", info->last_claimed_ms,
	    info->last_claimed_ms != 0);
	put_u64(b, "last_acked_ms", info->last_acked_ms,
	    info->last_acked_ms != 0);
	ppi_buf_printf(b, ",\"lag\":%" PRIu64, info->lag);
	put_u64(b, "oldest_unacked_ms", info->oldest_unacked_ms,
	    info->oldest_unacked_ms != 0);
	put_u64(b, "oldest_unacked_age_ms",
	    now_ms > info->oldest_unacked_ms ? now_ms - info->oldest_unacked_ms
	                                     : 0,
	    info->oldest_unacked_ms != 0);
	ppi_buf_printf(b, ",\"lost\":%" PRIu64, info->lost);
	put_bool(b, "has_last_acked", info->has_last_acked);
	put_id(b, "last_acked_first", info->last_acked_first,
	    info->has_last_acked);
	put_id(b, "last_acked_last", info->last_acked_last,
	    info->has_last_acked);
	put_bool(b, "has_prev_claim", info->has_prev_claim);
	put_id(b, "prev_claim_first", info->prev_claim_first,
	    info->has_prev_claim);
	put_id(b, "prev_claim_last", info->prev_claim_last,
	    info->has_prev_claim);
	if (info->system_proc != NULL && info->system_proc[0] != '\0') {
		put_string(b, "system_proc", info->system_proc, false);
		put_string(b, "plugin", info->plugin, false);
	}
	ppi_buf_append(b, "}", 1);
}

void
ppi_json_source(ppi_buf *b, const pp_source_info *info)
{
	bool has = info->has_report;

	ppi_buf_append(b, "{", 1);
	put_string(b, "name", info->name, true);
	put_string(b, "kind", "source", false);
	put_string(b, "topic", info->topic, false);
	put_string(b, "plugin", info->plugin, false);
	put_string(b, "producer", info->producer, false);
	put_bool(b, "has_report", has);
	put_u64(b, "lag", info->lag, has);
	put_u64(b, "upstream_seq", info->upstream_seq, has);
	put_u64(b, "stored_seq", info->stored_seq, has);
	put_u64(b, "reported_ms", info->reported_ms, has);
	put_u64(b, "report_age_ms", info->report_age_ms, has);
	ppi_buf_append(b, "}", 1);
}
