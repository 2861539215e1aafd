/*
 * range_fuzz_test.c - a model-based fuzz of pp_range and pp_revrange
 * against a real node: thousands of random queries compared with an
 * in-memory array of the committed logs (the Redis "XRANGE fuzzing"
 * idea). PP_TEST_SEED repeats a run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "range_util.h"

/* ---- model-based fuzz ---------------------------------------------------------- */

#define FUZZ_BATCHES 60

#define FUZZ_QUERIES 3000

typedef struct model_log {
	pp_id id;
	char  body[24];
} model_log;

typedef struct bound {
	int      kind; /* 0 open, 1 T, 2 T-S, 3 :S */
	uint64_t t, s;
	char     text[48];
} bound;

static model_log g_model[FUZZ_BATCHES * 6];

static size_t    g_nmodel;

static uint64_t
pick_ms(uint64_t *st)
{
	uint64_t base;

	switch (pp_t_rand_below(st, 10)) {
	case 0:
		return (0);
	case 1:
		return (UINT64_MAX);
	case 2:
		return (g_model[0].id.ms - 1 - pp_t_rand_below(st, 3));
	case 3:
		return (g_model[g_nmodel - 1].id.ms + 1 +
		    pp_t_rand_below(st, 3));
	default:
		base = g_model[pp_t_rand_below(st, g_nmodel)].id.ms;
		return (base + pp_t_rand_below(st, 3) - 1);
	}
}

static uint64_t
pick_seq(uint64_t *st)
{
	switch (pp_t_rand_below(st, 12)) {
	case 0:
		return (UINT64_MAX);
	case 1:
		return (g_nmodel + pp_t_rand_below(st, 5));
	default:
		return (pp_t_rand_below(st, g_nmodel + 1));
	}
}

static void
pick_bound(uint64_t *st, bound *b)
{
	b->kind = (int)pp_t_rand_below(st, 4);
	switch (b->kind) {
	case 1:
		b->t = pick_ms(st);
		snprintf(b->text, sizeof(b->text), "%llu",
		    (unsigned long long)b->t);
		break;
	case 2:
		if (pp_t_rand_below(st, 2)) {
			/* Often an existing id, or a neighbour of one. */
			model_log *m = &g_model[pp_t_rand_below(st, g_nmodel)];

			b->t = m->id.ms;
			b->s = m->id.seq + pp_t_rand_below(st, 3) - 1;
			if (m->id.seq == 0 && b->s == UINT64_MAX) {
				b->s = 0;
			}
		} else {
			b->t = pick_ms(st);
			b->s = pick_seq(st);
		}
		snprintf(b->text, sizeof(b->text), "%llu-%llu",
		    (unsigned long long)b->t, (unsigned long long)b->s);
		break;
	case 3:
		b->s = pick_seq(st);
		snprintf(b->text, sizeof(b->text), ":%llu",
		    (unsigned long long)b->s);
		break;
	default:
		b->text[0] = '\0';
		break;
	}
}

/* The model of DESIGN §4: is log m inside bound b on the lower (or upper)
 * side? */
static bool
model_in(const model_log *m, const bound *b, bool is_lower, bool is_excl)
{
	pp_id p;
	int   cmp;

	switch (b->kind) {
	case 1:
		cmp = m->id.ms < b->t ? -1 : m->id.ms > b->t ? 1 : 0;
		break;
	case 2:
		p.ms  = b->t;
		p.seq = b->s;
		cmp   = pp_t_id_cmp(m->id, p);
		break;
	case 3:
		cmp = m->id.seq < b->s ? -1 : m->id.seq > b->s ? 1 : 0;
		break;
	default:
		return (true);
	}
	if (is_lower) {
		return (is_excl ? cmp > 0 : cmp >= 0);
	}
	return (is_excl ? cmp < 0 : cmp <= 0);
}

/* The same query walked with pp_iter gives the same logs. */
static void
fuzz_iter(pp_client *c, const pp_range_opts *o, bool is_rev,
    const size_t *want, size_t nwant, int q)
{
	pp_iter      *it = NULL;
	const pp_log *log;
	size_t        i = 0;
	int           rv;

	PP_PASS(pp_iter_open(c, "fz", o, is_rev, &it));
	while ((rv = pp_iter_next(it, &log)) == 1) {
		if (i >= nwant || log->id.seq != g_model[want[i]].id.seq ||
		    log->id.ms != g_model[want[i]].id.ms) {
			PP_FAIL_AT("query %d: iter step %zu differs from the "
			           "model (%zu logs)",
			    q, i, nwant);
		}
		i++;
	}
	PP_PASS(rv);
	PP_ASSERT_U64_EQ(i, nwant);
	pp_iter_close(it);
}

static void
test_fuzz(pp_tnode *n)
{
	uint64_t       st = pp_t_seed() ^ 0xf022;
	pp_id          ids[6];
	size_t         want[FUZZ_BATCHES * 6], nwant, i, k, limit, got;
	pp_range_opts  o;
	pp_result     *res = NULL;
	const pp_log  *log;
	bound          s, e;
	bool           is_rev, is_excl;
	int            b, q, size, n_nonempty = 0;
	const bound   *lo, *hi;

	for (b = 0; b < FUZZ_BATCHES; b++) {
		size = 1 + (int)pp_t_rand_below(&st, 6);
		if (b > 0 && pp_t_rand_below(&st, 2)) {
			range_next_millisecond(g_model[g_nmodel - 1].id.ms);
		}
		range_commit_batch(n->client, "fz", size, ids, g_nmodel);
		for (k = 0; k < (size_t)size; k++) {
			g_model[g_nmodel].id = ids[k];
			snprintf(g_model[g_nmodel].body,
			    sizeof(g_model[g_nmodel].body), "b%zu", g_nmodel);
			PP_ASSERT_U64_EQ(ids[k].seq, g_nmodel);
			g_nmodel++;
		}
	}
	for (q = 0; q < FUZZ_QUERIES; q++) {
		is_rev  = pp_t_rand_below(&st, 2) != 0;
		is_excl = pp_t_rand_below(&st, 3) == 0;
		limit   = pp_t_rand_below(&st, 2) ?
		      0 : 1 + pp_t_rand_below(&st, g_nmodel + 2);
		pick_bound(&st, &s);
		pick_bound(&st, &e);
		/* range: start is the lower bound; revrange: the upper. */
		lo    = is_rev ? &e : &s;
		hi    = is_rev ? &s : &e;
		nwant = 0;
		for (i = 0; i < g_nmodel; i++) {
			k = is_rev ? g_nmodel - 1 - i : i;
			if (model_in(&g_model[k], lo, true, is_excl) &&
			    model_in(&g_model[k], hi, false, is_excl) &&
			    (limit == 0 || nwant < limit)) {
				want[nwant++] = k;
			}
		}
		memset(&o, 0, sizeof(o));
		o.start        = s.kind ? s.text : NULL;
		o.end          = e.kind ? e.text : NULL;
		o.is_exclusive = is_excl;
		o.limit        = limit;
		if (is_rev) {
			PP_PASS(pp_revrange(n->client, "fz", &o, &res));
		} else {
			PP_PASS(pp_range(n->client, "fz", &o, &res));
		}
		got = pp_result_count(res);
		for (i = 0; i < got || i < nwant; i++) {
			log = pp_result_log(res, i);
			if (i >= got || i >= nwant || log == NULL ||
			    log->id.ms != g_model[want[i]].id.ms ||
			    log->id.seq != g_model[want[i]].id.seq ||
			    log->len != strlen(g_model[want[i]].body) ||
			    memcmp(log->body, g_model[want[i]].body,
				log->len) != 0) {
				PP_FAIL_AT("query %d: %s start=\"%s\" end=\"%s\" "
				           "excl=%d limit=%zu: got %zu logs, "
				           "model %zu; first difference at %zu "
				           "(got seq %lld, model seq %lld)",
				    q, is_rev ? "revrange" : "range", s.text,
				    e.text, is_excl, limit, got, nwant, i,
				    (i < got && log) ? (long long)log->id.seq :
				                       -1LL,
				    i < nwant ?
				        (long long)g_model[want[i]].id.seq :
				        -1LL);
			}
		}
		PP_ASSERT_TRUE(!pp_result_has_more(res));
		pp_result_free(res);
		if (q % 7 == 0) {
			fuzz_iter(n->client, &o, is_rev, want, nwant, q);
		}
		if (nwant > 0) {
			n_nonempty++;
		}
	}
	/* The generator must exercise both outcomes. */
	PP_ASSERT_INT_CMP(n_nonempty, >, FUZZ_QUERIES / 5);
	PP_ASSERT_INT_CMP(n_nonempty, <, FUZZ_QUERIES);
	pp_t_diag("%zu logs, %d queries, %d non-empty", g_nmodel, FUZZ_QUERIES,
	    n_nonempty);
}

static const pp_test_case cases[] = {
	PP_NODE_CASE("random range and revrange queries agree with an array "
	    "model",
	    test_fuzz, 180),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
