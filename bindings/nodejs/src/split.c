/*
 * split.c - an array commit's records from two texts (split.h).
 *
 * The bodies' text is trusted to be JSON.stringify's (the wrapper made
 * it), but a wrong text must still fail cleanly: the scan never reads past
 * blen and any count but the expected one is PP_EINVAL.
 */
#include <stdlib.h>
#include <string.h>

#include "split.h"

int
ppn_split_lines(char *text, char **out, size_t count)
{
	size_t i;
	char  *p = text, *nl;

	if (count == 0) {
		return (PP_EINVAL);
	}
	for (i = 0; i < count; i++) {
		out[i] = p;
		nl = strchr(p, '\n');
		if (i + 1 < count) {
			if (nl == NULL) {
				return (PP_EINVAL);
			}
			*nl = '\0';
			p = nl + 1;
		} else if (nl != NULL) {
			return (PP_EINVAL);
		}
	}
	return (0);
}

static int
split_topics(char *topics, pp_record *recs, size_t count)
{
	char **lines;
	size_t i;
	int    rv;

	if ((lines = malloc(count * sizeof(*lines))) == NULL) {
		return (PP_ENOMEM);
	}
	if ((rv = ppn_split_lines(topics, lines, count)) == 0) {
		for (i = 0; i < count; i++) {
			recs[i].topic = lines[i];
		}
	}
	free(lines);
	return (rv);
}

/* The top-level elements of "[...]": commas at depth 0 outside strings. */
static int
split_bodies(const char *s, size_t len, pp_record *recs, size_t count)
{
	size_t i, start = 1, n = 0;
	int    depth = 0;
	bool   in_string = false;

	if (len < 2 || s[0] != '[') {
		return (PP_EINVAL);
	}
	for (i = 1; i < len; i++) {
		char c = s[i];

		if (in_string) {
			if (c == '\\') {
				i++;
			} else if (c == '"') {
				in_string = false;
			}
			continue;
		}
		if (c == '"') {
			in_string = true;
		} else if (c == '[' || c == '{') {
			depth++;
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		} else if (depth == 0 && (c == ',' || c == ']')) {
			/* an element ends (']' closes the array) */
			if (n >= count || i == start) {
				return (PP_EINVAL);
			}
			recs[n].body = s + start;
			recs[n].len = i - start;
			n++;
			start = i + 1;
			if (c == ']') {
				return (n == count && i + 1 == len ? 0 : PP_EINVAL);
			}
		}
	}
	return (PP_EINVAL);
}

int
ppn_split_records(char *topics, const char *bodies, size_t blen,
    pp_record *recs, size_t count)
{
	int rv;

	if (count == 0) {
		return (PP_EINVAL);
	}
	if ((rv = split_topics(topics, recs, count)) != 0) {
		return (rv);
	}
	return (split_bodies(bodies, blen, recs, count));
}
