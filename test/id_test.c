/*
 * id_test.c - the id text form (pp_id_format, pp_id_parse; SPEC §2,
 * DESIGN §4) and the error table (pp_errname, pp_strerror). No node is
 * needed. The parser is also fuzzed against a reference grammar written
 * here: digits "-" digits, each part an unsigned decimal that fits in 64
 * bits, nothing else.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"

static void
expect_id(const char *text, uint64_t ms, uint64_t seq)
{
	pp_id id = { 7, 7 };

	if (pp_id_parse(text, &id) != 0) {
		PP_FAIL_AT("pp_id_parse(\"%s\") refused a valid id", text);
	}
	PP_ASSERT_U64_EQ(id.ms, ms);
	PP_ASSERT_U64_EQ(id.seq, seq);
}

static void
expect_invalid(const char *text)
{
	pp_id id = { 12345, 678 };
	int   rv = pp_id_parse(text, &id);

	if (rv != PP_EINVALID_ID) {
		PP_FAIL_AT("pp_id_parse(\"%s\") returned %d %s, expected "
		           "PP_EINVALID_ID",
		    text, rv, pp_errname(rv));
	}
	/* On error *id is unchanged. */
	PP_ASSERT_U64_EQ(id.ms, 12345);
	PP_ASSERT_U64_EQ(id.seq, 678);
}

static void
test_format(void)
{
	char  buf[PP_ID_STRLEN];
	pp_id a = { 0, 0 }, b = { 1518951480106ULL, 5 };
	pp_id c = { UINT64_MAX, UINT64_MAX };

	PP_ASSERT_TRUE(pp_id_format(a, buf) == buf);
	PP_ASSERT_STR_EQ(buf, "0-0");
	PP_ASSERT_STR_EQ(pp_id_format(b, buf), "1518951480106-5");
	PP_ASSERT_STR_EQ(pp_id_format(c, buf),
	    "18446744073709551615-18446744073709551615");
	/* The longest id plus its NUL fits PP_ID_STRLEN exactly or less. */
	PP_ASSERT_INT_CMP(strlen(buf) + 1, <=, PP_ID_STRLEN);
}

static void
test_parse_valid(void)
{
	expect_id("0-0", 0, 0);
	expect_id("1-2", 1, 2);
	expect_id("1518951480106-0", 1518951480106ULL, 0);
	expect_id("18446744073709551615-18446744073709551615", UINT64_MAX,
	    UINT64_MAX);
	expect_id("18446744073709551615-0", UINT64_MAX, 0);
	expect_id("0-18446744073709551615", 0, UINT64_MAX);
	/* Leading zeros are still unsigned decimal numbers. */
	expect_id("007-010", 7, 10);
}

static void
test_parse_invalid(void)
{
	static const char *bad[] = { "", "1", "1-", "-1", "-", "1-2-3",
		" 1-2", "1-2 ", "+1-2", "1-+2", "1--2", "18446744073709551616-0",
		"0-18446744073709551616", "99999999999999999999-1",
		"184467440737095516150-0", ":1", "1:2", "a-1", "1-a", "1- 2",
		"1 -2", "0x1-2", "1.5-2", "1-2\n", "\t1-2", "1_000-2", "-1-2",
		"1-2-", NULL };
	int i;

	for (i = 0; bad[i] != NULL; i++) {
		expect_invalid(bad[i]);
	}
}

static void
test_round_trip(void)
{
	uint64_t st = pp_t_seed();
	char     buf[PP_ID_STRLEN], ref[64];
	pp_id    in, out;
	int      i;

	for (i = 0; i < 20000; i++) {
		in.ms  = pp_t_rand(&st) >> pp_t_rand_below(&st, 64);
		in.seq = pp_t_rand(&st) >> pp_t_rand_below(&st, 64);
		pp_id_format(in, buf);
		snprintf(ref, sizeof(ref), "%" PRIu64 "-%" PRIu64, in.ms,
		    in.seq);
		PP_ASSERT_STR_EQ(buf, ref);
		out.ms = out.seq = 1;
		PP_PASS(pp_id_parse(buf, &out));
		PP_ASSERT_U64_EQ(out.ms, in.ms);
		PP_ASSERT_U64_EQ(out.seq, in.seq);
	}
}

/* The reference grammar: one unsigned 64-bit decimal; advances *p. */
static bool
ref_number(const char **p, uint64_t *v)
{
	const char *s = *p;
	uint64_t    x = 0;

	if (*s < '0' || *s > '9') {
		return (false);
	}
	for (; *s >= '0' && *s <= '9'; s++) {
		if (x > (UINT64_MAX - (uint64_t)(*s - '0')) / 10) {
			return (false);
		}
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*p = s;
	*v = x;
	return (true);
}

static bool
ref_parse(const char *s, pp_id *id)
{
	if (!ref_number(&s, &id->ms) || *s++ != '-' ||
	    !ref_number(&s, &id->seq)) {
		return (false);
	}
	return (*s == '\0');
}

static void
test_parse_fuzz(void)
{
	static const char alphabet[] = "0123456789-0123456789-: +a9";
	uint64_t          st = pp_t_seed() ^ 0x1d;
	char              text[48];
	pp_id             want, got;
	bool              is_ok;
	size_t            len, k;
	int               i, n_valid = 0, rv;

	for (i = 0; i < 200000; i++) {
		len = (size_t)pp_t_rand_below(&st, 44);
		for (k = 0; k < len; k++) {
			text[k] = alphabet[pp_t_rand_below(&st,
			    sizeof(alphabet) - 1)];
		}
		text[len] = '\0';
		want.ms = want.seq = 0;
		is_ok              = ref_parse(text, &want);
		got.ms = got.seq = 42;
		rv               = pp_id_parse(text, &got);
		if (is_ok) {
			n_valid++;
			if (rv != 0) {
				PP_FAIL_AT("pp_id_parse(\"%s\") = %s, the "
				           "reference accepts it",
				    text, pp_errname(rv));
			}
			PP_ASSERT_U64_EQ(got.ms, want.ms);
			PP_ASSERT_U64_EQ(got.seq, want.seq);
		} else if (rv != PP_EINVALID_ID) {
			PP_FAIL_AT("pp_id_parse(\"%s\") = %d %s, the reference "
			           "refuses it",
			    text, rv, pp_errname(rv));
		} else {
			PP_ASSERT_U64_EQ(got.ms, 42);
			PP_ASSERT_U64_EQ(got.seq, 42);
		}
	}
	/* The alphabet makes valid ids common enough to matter. */
	PP_ASSERT_INT_CMP(n_valid, >, 1000);
}

static void
test_errnames(void)
{
	static const struct {
		int         code;
		const char *name;
		const char *text;
	} table[] = {
#define PP_T_ROW_(name, value, text) { PP_##name, "PP_" #name, text },
		PP_ERRORS(PP_T_ROW_)
#undef PP_T_ROW_
	};
	size_t n = sizeof(table) / sizeof(table[0]), i, j;
	int    lowest = 0;

	PP_ASSERT_STR_EQ(pp_errname(PP_ENOTOPIC), "PP_ENOTOPIC");
	PP_ASSERT_STR_EQ(pp_errname(PP_EINVALID_ID), "PP_EINVALID_ID");
	for (i = 0; i < n; i++) {
		PP_ASSERT_STR_EQ(pp_errname(table[i].code), table[i].name);
		PP_ASSERT_TRUE(pp_strerror(table[i].code) != NULL);
		PP_ASSERT_STR_EQ(pp_strerror(table[i].code), table[i].text);
		PP_ASSERT_INT_CMP(table[i].code, <, 0);
		if (table[i].code < lowest) {
			lowest = table[i].code;
		}
		for (j = i + 1; j < n; j++) {
			PP_ASSERT_INT_CMP(table[i].code, !=, table[j].code);
		}
	}
	PP_ASSERT_STR_EQ(pp_errname(0), "PP_OK");
	PP_ASSERT_TRUE(pp_strerror(0) != NULL && pp_strerror(0)[0] != '\0');
	PP_ASSERT_STR_EQ(pp_errname(-999), "PP_EUNKNOWN");
	PP_ASSERT_STR_EQ(pp_errname(5), "PP_EUNKNOWN");
	PP_ASSERT_STR_EQ(pp_errname(lowest - 1), "PP_EUNKNOWN");
	PP_ASSERT_STR_EQ(pp_strerror(lowest - 1), "unknown error");
	PP_ASSERT_STR_EQ(pp_strerror(-999), "unknown error");
	PP_ASSERT_STR_EQ(pp_strerror(77), "unknown error");
}

static void
test_codes_are_wire_stable(void)
{
	/* The values cross the wire: they must never change. */
	PP_ASSERT_INT_EQ(PP_ENOTCONN, -1);
	PP_ASSERT_INT_EQ(PP_EINVALID_TOPIC, -4);
	PP_ASSERT_INT_EQ(PP_ENOTOPIC, -8);
	PP_ASSERT_INT_EQ(PP_EINVALID_ID, -9);
	PP_ASSERT_INT_EQ(PP_EVERSION, -14);
	PP_ASSERT_INT_EQ(PP_ELOCKED, -15);
	PP_ASSERT_INT_EQ(PP_EUNKNOWN_OP, -23);
	PP_ASSERT_INT_EQ(PP_EPERM, -26);
}

static void
test_version(void)
{
	char want[32];

	snprintf(want, sizeof(want), "%d.%d.%d", PP_VERSION_MAJOR,
	    PP_VERSION_MINOR, PP_VERSION_PATCH);
	PP_ASSERT_STR_EQ(pp_version(), want);
}

static const pp_test_case cases[] = {
	PP_CASE("pp_id_format writes ms-seq in decimal",
	    test_format, 0),
	PP_CASE("pp_id_parse accepts full ids up to 64-bit values",
	    test_parse_valid, 0),
	PP_CASE("pp_id_parse refuses every other form with PP_EINVALID_ID and "
	    "leaves the id unchanged",
	    test_parse_invalid, 0),
	PP_CASE("formatted random ids parse back to themselves",
	    test_round_trip, 0),
	PP_CASE("pp_id_parse agrees with a reference grammar on random text",
	    test_parse_fuzz, 0),
	PP_CASE("every error code has its name and message",
	    test_errnames, 0),
	PP_CASE("error codes keep their wire values",
	    test_codes_are_wire_stable, 0),
	PP_CASE("pp_version matches the version macros",
	    test_version, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
