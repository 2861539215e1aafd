/*
 * id.c - parsing and formatting of ids and id expressions (the topic
 * name rule is in topic.c). See id.h for the grammar; docs/DESIGN.md §4
 * for what each form means as a range bound.
 */
#include <stdio.h>
#include <string.h>

#include "id.h"

/* Parses [0-9]+ fitting in uint64; returns the number of bytes used or 0. */
static size_t
parse_u64(const char *p, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t   i;

	for (i = 0; i < len && p[i] >= '0' && p[i] <= '9'; i++) {
		unsigned d = (unsigned) (p[i] - '0');
		if (v > (UINT64_MAX - d) / 10) {
			return 0; /* overflow */
		}
		v = v * 10 + d;
	}
	*out = v;
	return i;
}

int
ppi_idexpr_parse(const char *text, size_t len, ppi_idexpr *expr)
{
	ppi_idexpr e;
	size_t     n;

	if (text == NULL || len == 0) {
		return PP_EINVALID_ID;
	}
	if (text[0] == ':') {
		n = parse_u64(text + 1, len - 1, &e.seq);
		if (n == 0 || n != len - 1) {
			return PP_EINVALID_ID;
		}
		e.kind = PPI_IDEXPR_SEQ;
		e.ms   = 0;
		*expr  = e;
		return 0;
	}
	n = parse_u64(text, len, &e.ms);
	if (n == 0) {
		return PP_EINVALID_ID;
	}
	if (n == len) {
		e.kind = PPI_IDEXPR_MS;
		e.seq  = 0;
		*expr  = e;
		return 0;
	}
	if (text[n] != '-') {
		return PP_EINVALID_ID;
	}
	len -= n + 1;
	text += n + 1;
	n = parse_u64(text, len, &e.seq);
	if (n == 0 || n != len) {
		return PP_EINVALID_ID;
	}
	e.kind = PPI_IDEXPR_FULL;
	*expr  = e;
	return 0;
}

char *
pp_id_format(pp_id id, char *buf)
{
	snprintf(buf, PP_ID_STRLEN, "%llu-%llu", (unsigned long long) id.ms,
	    (unsigned long long) id.seq);
	return buf;
}

int
pp_id_parse(const char *text, pp_id *id)
{
	ppi_idexpr e;
	int        rv;

	if (text == NULL || id == NULL) {
		return PP_EINVALID_ID;
	}
	if ((rv = ppi_idexpr_parse(text, strlen(text), &e)) != 0) {
		return rv;
	}
	if (e.kind != PPI_IDEXPR_FULL) {
		return PP_EINVALID_ID;
	}
	id->ms  = e.ms;
	id->seq = e.seq;
	return 0;
}
