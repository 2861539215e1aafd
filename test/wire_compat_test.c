/*
 * wire_compat_test.c - a library and a node of different ages understand
 * each other (DESIGN §5, "Compatibility of replies";
 * before, the stats decoder required every field).
 *
 * Replies of an "older node" (fewer keys, shorter items) and of a "newer
 * node" (unknown keys, longer items) are built by hand with msgpack-c and
 * go through the library's decoders: they decode, with what is missing
 * read as zero. A field of the wrong type is PP_EPROTO with a message,
 * never a crash. Then a real node answers requests written the way an
 * older library wrote them (no paging keys, no newer options).
 */
#include <inttypes.h>
#include <string.h>

#include "frame_util.h"
#include "harness.h"
#include "wire.h"
#include "wire_stats.h"

/* ---- stats node ---------------------------------------------------------- */

/* {"st":0} and then the caller's n more pairs. */
static void
reply_head(frame *f, size_t n)
{
	f_init(f);
	f_map(f, 1 + n);
	f_kv_int(f, "st", 0);
}

static int
decode_node(const frame *f, pp_node_stats *st, char *msg, size_t msglen)
{
	memset(st, 0xa5, sizeof(*st)); /* what must be overwritten */
	return ppi_wire_decode_stats_node(f->sb.data, f->sb.size, st, msg,
	    msglen);
}

static void
test_stats_node_older(void)
{
	pp_node_stats st;
	frame         f;
	char          msg[256];

	/* A node from before most figures: three of them, no histograms,
	 * no node_id. */
	reply_head(&f, 3);
	f_kv_uint(&f, "now_ms", 1234);
	f_kv_uint(&f, "commits", 7);
	f_str(&f, "logs_per_s");
	msgpack_pack_double(&f.pk, 2.5);
	PP_PASS(decode_node(&f, &st, msg, sizeof(msg)));
	PP_ASSERT_U64_EQ(st.now_ms, 1234);
	PP_ASSERT_U64_EQ(st.commits, 7);
	PP_ASSERT_TRUE(st.logs_per_s == 2.5);
	PP_ASSERT_U64_EQ(st.logs, 0);
	PP_ASSERT_U64_EQ(st.waiting_requests, 0);
	PP_ASSERT_U64_EQ(st.max_store_bytes, 0);
	PP_ASSERT_TRUE(st.commits_per_s == 0.0);
	PP_ASSERT_STR_EQ(st.node_id, "");
	PP_ASSERT_U64_EQ(st.group_sizes.nbuckets, 0);
	PP_ASSERT_U64_EQ(st.write_latency_us.count, 0);
	f_free(&f);

	/* The oldest possible: nothing but the status. */
	reply_head(&f, 0);
	PP_PASS(decode_node(&f, &st, msg, sizeof(msg)));
	PP_ASSERT_U64_EQ(st.now_ms, 0);
	f_free(&f);
}

static void
test_stats_node_newer(void)
{
	pp_node_stats st;
	frame         f;
	char          msg[256];

	/* Keys a later node adds, of any shape, are skipped. */
	reply_head(&f, 4);
	f_kv_uint(&f, "commits", 9);
	f_str(&f, "future_figure");
	f_map(&f, 1);
	f_kv_str(&f, "a", "b");
	f_str(&f, "future_hist");
	f_array(&f, 2);
	f_nil(&f);
	f_int(&f, -1);
	f_kv_str(&f, "node_id", "0123456789abcdef0123456789abcdef");
	PP_PASS(decode_node(&f, &st, msg, sizeof(msg)));
	PP_ASSERT_U64_EQ(st.commits, 9);
	PP_ASSERT_STR_EQ(st.node_id, "0123456789abcdef0123456789abcdef");
	f_free(&f);
}

static void
test_stats_node_wrong_types(void)
{
	static const char *const cases[] = { "u64 as string", "rate as string",
		"u64 negative", "histogram not an array", "histogram without "
		"+Inf", "node_id as number" };
	pp_node_stats st;
	frame         f;
	char          msg[256];
	size_t        i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		reply_head(&f, 1);
		switch (i) {
		case 0:
			f_kv_str(&f, "commits", "7");
			break;
		case 1:
			f_kv_str(&f, "bytes_per_s", "fast");
			break;
		case 2:
			f_kv_int(&f, "logs", -3);
			break;
		case 3:
			f_kv_uint(&f, "group_sizes", 1);
			break;
		case 4:
			f_str(&f, "write_latency_us");
			f_array(&f, 3);
			f_array(&f, 1);
			f_uint(&f, 10);
			f_array(&f, 1);
			f_uint(&f, 1);
			f_uint(&f, 5);
			break;
		default:
			f_kv_uint(&f, "node_id", 42);
			break;
		}
		msg[0] = '\0';
		if (decode_node(&f, &st, msg, sizeof(msg)) != PP_EPROTO ||
		    msg[0] == '\0') {
			PP_FAIL_AT("%s: not PP_EPROTO with a message", cases[i]);
		}
		f_free(&f);
	}
}

/* ---- list replies -------------------------------------------------------- */

/* Rows a list reply delivered: a copy of the first and a count. */
typedef struct rows {
	size_t         count;
	pp_topic_info  topic;
	pp_proc_info   proc;
	pp_topic_stats stopic;
	pp_proc_stats  sproc;
	pp_source_info source;
	char           name[64];
	char           topic_name[64];
} rows;

static int
row_topic(void *arg, const void *item)
{
	rows *r = arg;

	if (r->count++ == 0) {
		r->topic = *(const pp_topic_info *) item;
		snprintf(r->name, sizeof(r->name), "%s", r->topic.name);
	}
	return 0;
}

static int
row_proc(void *arg, const void *item)
{
	rows *r = arg;

	if (r->count++ == 0) {
		r->proc = *(const pp_proc_info *) item;
		snprintf(r->name, sizeof(r->name), "%s", r->proc.name);
		snprintf(r->topic_name, sizeof(r->topic_name), "%s",
		    r->proc.topic);
	}
	return 0;
}

static int
row_stats_topic(void *arg, const void *item)
{
	rows *r = arg;

	if (r->count++ == 0) {
		r->stopic = *(const pp_topic_stats *) item;
		snprintf(r->name, sizeof(r->name), "%s", r->stopic.name);
	}
	return 0;
}

static int
row_stats_proc(void *arg, const void *item)
{
	rows *r = arg;

	if (r->count++ == 0) {
		r->sproc = *(const pp_proc_stats *) item;
		snprintf(r->name, sizeof(r->name), "%s", r->sproc.name);
	}
	return 0;
}

/* A list reply under `key` with one item of `nfields`: `nstr` strings
 * first (the name "n1", then the topic "t1", then ""), then 1, 2, 3, ...
 * for the numbers (the field's place) and false for the flags at the
 * places `flags` marks ('a' is place 0), up to nfields; a procs item
 * (nstr 4) also has its two strings at 24 and 25. with_more: has the
 * "more" key. */
static void
list_reply(frame *f, const char *key, uint32_t nfields, uint32_t nstr,
    const char *flags, bool with_more)
{
	uint32_t i;

	reply_head(f, with_more ? 2 : 1);
	f_str(f, key);
	f_array(f, 1);
	f_array(f, nfields);
	for (i = 0; i < nfields; i++) {
		if (i == 0) {
			f_str(f, "n1");
		} else if (i < nstr) {
			f_str(f, i == 1 ? "t1" : "");
		} else if (flags != NULL && strchr(flags, (int) ('a' + i))) {
			msgpack_pack_false(&f->pk);
		} else if (nstr == 4 && (i == 24 || i == 25)) {
			f_str(f, "");
		} else {
			f_uint(f, i);
		}
	}
	if (with_more) {
		f_str(f, "more");
		msgpack_pack_true(&f->pk);
	}
}

static int
row_stats_source(void *arg, const void *item)
{
	rows *r = arg;

	if (r->count++ == 0) {
		r->source = *(const pp_source_info *) item;
		snprintf(r->name, sizeof(r->name), "%s", r->source.name);
		snprintf(r->topic_name, sizeof(r->topic_name), "%s",
		    r->source.topic);
	}
	return 0;
}

static int
decode_list(const frame *f, enum ppi_list_kind kind, rows *r, bool *more)
{
	static int (*const fns[])(void *, const void *) = {
		[PPI_LIST_TOPICS] = row_topic,
		[PPI_LIST_PROCS] = row_proc,
		[PPI_LIST_STATS_TOPICS] = row_stats_topic,
		[PPI_LIST_STATS_PROCS] = row_stats_proc,
		[PPI_LIST_STATS_SOURCES] = row_stats_source,
	};
	char msg[256];

	memset(r, 0, sizeof(*r));
	*more = true;
	return ppi_wire_decode_list(f->sb.data, f->sb.size, kind, fns[kind],
	    r, more, msg, sizeof(msg));
}

/* The flags of a procs item: fields 8 and 9 (is_disabled, has_claim). */
#define PROC_FLAGS "ij"

static void
test_lists_older_and_newer(void)
{
	frame f;
	rows  r;
	bool  more;

	/* topics: a newer node's longer item (once refused: exact size) */
	list_reply(&f, "topics", 12, 1, NULL, true);
	PP_PASS(decode_list(&f, PPI_LIST_TOPICS, &r, &more));
	PP_ASSERT_U64_EQ(r.count, 1);
	PP_ASSERT_STR_EQ(r.name, "n1");
	PP_ASSERT_U64_EQ(r.topic.created_ms, 8);
	PP_ASSERT_TRUE(more);
	f_free(&f);
	/* ... an older node's shorter one, and no "more": one page */
	list_reply(&f, "topics", 3, 1, NULL, false);
	PP_PASS(decode_list(&f, PPI_LIST_TOPICS, &r, &more));
	PP_ASSERT_U64_EQ(r.topic.bytes, 2);
	PP_ASSERT_U64_EQ(r.topic.next_seq, 0);
	PP_ASSERT_TRUE(!more);
	f_free(&f);

	/* procs: 26 fields (before the ranges), 12, and 40 (newer) */
	list_reply(&f, "procs", 26, 4, PROC_FLAGS, true);
	PP_PASS(decode_list(&f, PPI_LIST_PROCS, &r, &more));
	PP_ASSERT_STR_EQ(r.name, "n1");
	PP_ASSERT_STR_EQ(r.topic_name, "t1");
	PP_ASSERT_U64_EQ(r.proc.lost, 23);
	PP_ASSERT_TRUE(!r.proc.has_last_acked);
	f_free(&f);
	list_reply(&f, "procs", 12, 4, PROC_FLAGS, true);
	PP_PASS(decode_list(&f, PPI_LIST_PROCS, &r, &more));
	PP_ASSERT_U64_EQ(r.proc.claim_first.seq, 11);
	PP_ASSERT_U64_EQ(r.proc.next_seq, 0);
	f_free(&f);

	/* stats pages: older (fewer fields) and newer (more) */
	list_reply(&f, "items", 9, 1, NULL, true);
	PP_PASS(decode_list(&f, PPI_LIST_STATS_TOPICS, &r, &more));
	PP_ASSERT_STR_EQ(r.name, "n1");
	PP_ASSERT_U64_EQ(r.stopic.created_ms, 8);
	PP_ASSERT_U64_EQ(r.stopic.max_bytes, 0);
	f_free(&f);
	list_reply(&f, "items", 20, 1, NULL, true);
	PP_PASS(decode_list(&f, PPI_LIST_STATS_TOPICS, &r, &more));
	PP_ASSERT_U64_EQ(r.stopic.max_bytes, 11);
	f_free(&f);
	list_reply(&f, "items", 5, 2, "cd", true);
	PP_PASS(decode_list(&f, PPI_LIST_STATS_PROCS, &r, &more));
	PP_ASSERT_STR_EQ(r.name, "n1");
	PP_ASSERT_U64_EQ(r.sproc.lag, 4);
	PP_ASSERT_U64_EQ(r.sproc.last_acked_ms, 0);
	f_free(&f);
	/* sources: older (up to has_report) and newer (more fields) */
	list_reply(&f, "items", 5, 4, "e", true);
	PP_PASS(decode_list(&f, PPI_LIST_STATS_SOURCES, &r, &more));
	PP_ASSERT_STR_EQ(r.name, "n1");
	PP_ASSERT_STR_EQ(r.topic_name, "t1");
	PP_ASSERT_TRUE(!r.source.has_report);
	PP_ASSERT_U64_EQ(r.source.lag, 0);
	f_free(&f);
	list_reply(&f, "items", 14, 4, "e", true);
	PP_PASS(decode_list(&f, PPI_LIST_STATS_SOURCES, &r, &more));
	PP_ASSERT_U64_EQ(r.source.lag, 7);
	PP_ASSERT_U64_EQ(r.source.report_age_ms, 9);
	f_free(&f);
	/* ... and a source's flag of the wrong type */
	list_reply(&f, "items", 10, 4, NULL, true);
	PP_FAIL(decode_list(&f, PPI_LIST_STATS_SOURCES, &r, &more),
	    PP_EPROTO);
	f_free(&f);
}

static void
test_lists_wrong_types(void)
{
	frame f;
	rows  r;
	bool  more;

	/* A number where a topic's count is, as a string. */
	reply_head(&f, 2);
	f_str(&f, "topics");
	f_array(&f, 1);
	f_array(&f, 2);
	f_str(&f, "n1");
	f_str(&f, "many");
	f_kv_uint(&f, "more", 0);
	PP_FAIL(decode_list(&f, PPI_LIST_TOPICS, &r, &more), PP_EPROTO);
	f_free(&f);
	/* "more" present but not a boolean. */
	reply_head(&f, 2);
	f_str(&f, "topics");
	f_array(&f, 0);
	f_kv_uint(&f, "more", 1);
	PP_FAIL(decode_list(&f, PPI_LIST_TOPICS, &r, &more), PP_EPROTO);
	f_free(&f);
	/* An item without its name, and a proc without its topic. */
	list_reply(&f, "topics", 0, 1, NULL, true);
	PP_FAIL(decode_list(&f, PPI_LIST_TOPICS, &r, &more), PP_EPROTO);
	f_free(&f);
	list_reply(&f, "procs", 1, 4, NULL, true);
	PP_FAIL(decode_list(&f, PPI_LIST_PROCS, &r, &more), PP_EPROTO);
	f_free(&f);
	/* A proc's flag (field 8) as a number. */
	list_reply(&f, "procs", 26, 4, "j", true);
	PP_FAIL(decode_list(&f, PPI_LIST_PROCS, &r, &more), PP_EPROTO);
	f_free(&f);
	/* No list at all. */
	reply_head(&f, 0);
	PP_FAIL(decode_list(&f, PPI_LIST_STATS_PROCS, &r, &more), PP_EPROTO);
	f_free(&f);
}

static void
test_stat_and_producer(void)
{
	pp_topic_info    info;
	pp_producer_info p;
	frame            f;
	char             msg[256];

	/* A stat reply of an older node: count and bytes only. */
	reply_head(&f, 2);
	f_kv_uint(&f, "count", 3);
	f_kv_uint(&f, "bytes", 30);
	memset(&info, 0, sizeof(info));
	info.name = "t";
	PP_PASS(ppi_wire_decode_stat(f.sb.data, f.sb.size, &info, msg,
	    sizeof(msg)));
	PP_ASSERT_U64_EQ(info.count, 3);
	PP_ASSERT_U64_EQ(info.bytes, 30);
	PP_ASSERT_U64_EQ(info.created_ms, 0);
	PP_ASSERT_STR_EQ(info.name, "t");
	f_free(&f);
	/* ... with an id of the wrong shape. */
	reply_head(&f, 2);
	f_kv_uint(&f, "count", 3);
	f_kv_str(&f, "first", "1-0");
	PP_ASSERT_INT_EQ(ppi_wire_decode_stat(f.sb.data, f.sb.size, &info,
	                     msg, sizeof(msg)),
	    PP_EPROTO);
	f_free(&f);
	/* ... without the count it is for. */
	reply_head(&f, 0);
	PP_ASSERT_INT_EQ(ppi_wire_decode_stat(f.sb.data, f.sb.size, &info,
	                     msg, sizeof(msg)),
	    PP_EPROTO);
	f_free(&f);
	/* A producer reply without "ms". */
	reply_head(&f, 1);
	f_kv_uint(&f, "seq", 5);
	PP_PASS(ppi_wire_decode_producer(f.sb.data, f.sb.size, &p, msg,
	    sizeof(msg)));
	PP_ASSERT_U64_EQ(p.last_seq, 5);
	PP_ASSERT_U64_EQ(p.updated_ms, 0);
	f_free(&f);
}

/* ---- a node and an older library's requests -------------------------------- */

static void
test_node_takes_older_requests(void)
{
	static const char *const parts[] = { "node", "topics", "procs" };
	pp_node_stats st;
	fixture       fx;
	frame         f;
	reply         r;
	rows          rw;
	bool          more;
	char          msg[256];
	size_t        i;

	fx_begin(&fx, 0);
	/* stats of each part without "after", as the first pp_stats sent */
	for (i = 0; i < 3; i++) {
		f_init(&f);
		f_head(&f, 3, "stats");
		f_kv_str(&f, "part", parts[i]);
		raw_call(fx.raw, f.sb.data, f.sb.size, &r);
		PP_ASSERT_INT_EQ(reply_st(&r), 0);
		if (i == 0) {
			PP_PASS(ppi_wire_decode_stats_node(
			    r.buf, r.len, &st, msg, sizeof(msg)));
			PP_ASSERT_U64_CMP(st.now_ms, >, 0);
		} else if (i == 1) {
			memset(&rw, 0, sizeof(rw));
			PP_PASS(ppi_wire_decode_list(r.buf, r.len,
			    PPI_LIST_STATS_TOPICS, row_stats_topic, &rw,
			    &more, msg, sizeof(msg)));
			PP_ASSERT_U64_EQ(rw.count, 1);
			PP_ASSERT_STR_EQ(rw.name, "base");
		}
		reply_free(&r);
		f_free(&f);
	}
	/* topics and procs without paging keys */
	f_init(&f);
	f_head(&f, 2, "topics");
	raw_call(fx.raw, f.sb.data, f.sb.size, &r);
	PP_ASSERT_INT_EQ(reply_st(&r), 0);
	memset(&rw, 0, sizeof(rw));
	PP_PASS(ppi_wire_decode_list(r.buf, r.len, PPI_LIST_TOPICS, row_topic,
	    &rw, &more, msg, sizeof(msg)));
	PP_ASSERT_U64_EQ(rw.count, 1);
	PP_ASSERT_U64_EQ(rw.topic.count, 3);
	reply_free(&r);
	f_free(&f);
	f_init(&f);
	f_head(&f, 2, "procs");
	raw_call(fx.raw, f.sb.data, f.sb.size, &r);
	PP_ASSERT_INT_EQ(reply_st(&r), 0);
	reply_free(&r);
	f_free(&f);
	/* a stat of the old shape */
	f_init(&f);
	f_head(&f, 3, "stat");
	f_kv_str(&f, "topic", "base");
	raw_call(fx.raw, f.sb.data, f.sb.size, &r);
	PP_ASSERT_INT_EQ(reply_st(&r), 0);
	reply_free(&r);
	f_free(&f);
	fx_end(&fx);
}

static const pp_test_case cases[] = {
	PP_CASE("stats of an older node decode, missing figures as 0",
	    test_stats_node_older, 0),
	PP_CASE("stats of a newer node decode, unknown keys skipped",
	    test_stats_node_newer, 0),
	PP_CASE("stats figures of the wrong type are PP_EPROTO",
	    test_stats_node_wrong_types, 0),
	PP_CASE("list items of older and newer nodes decode",
	    test_lists_older_and_newer, 0),
	PP_CASE("list items of the wrong type or without a name are "
	        "PP_EPROTO",
	    test_lists_wrong_types, 0),
	PP_CASE("stat and producer replies of an older node decode",
	    test_stat_and_producer, 0),
	PP_CASE("a node answers the requests of an older library",
	    test_node_takes_older_requests, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
