/*
 * json.c - a claim's or a range's logs as one JSON text (json.h).
 *
 * A body is copied verbatim: the wrapper checks the parsed result (an
 * array of as many logs as were read), so a body that is not JSON (one
 * written by another client) fails as PipeProc's malformed_log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "json.h"

/* {"id":"","body":}, plus the comma */
#define PER_LOG (sizeof("{\"id\":\"\",\"body\":},") + PP_ID_STRLEN)

void
ppn_json_init(ppn_json *j)
{
	memset(j, 0, sizeof(*j));
	j->is_ascii = true;
	if ((j->s = malloc(4096)) == NULL) {
		j->is_failed = true;
		return;
	}
	j->cap = 4096;
	j->s[j->len++] = '[';
}

static bool
reserve(ppn_json *j, size_t more)
{
	size_t cap;
	char  *s;

	if (j->is_failed) {
		return (false);
	}
	if (j->len + more <= j->cap) {
		return (true);
	}
	if (j->len + more > PPN_JSON_MAX) {
		j->is_failed = true;
		return (false);
	}
	cap = j->cap * 2;
	while (cap < j->len + more) {
		cap *= 2;
	}
	if ((s = realloc(j->s, cap)) == NULL) {
		j->is_failed = true;
		return (false);
	}
	j->s = s;
	j->cap = cap;
	return (true);
}

void
ppn_json_add(ppn_json *j, const pp_log *log)
{
	const unsigned char *b = log->body;
	char                 id[PP_ID_STRLEN];
	size_t               i;
	int                  n;

	if (!reserve(j, log->len + PER_LOG)) {
		return;
	}
	n = snprintf(j->s + j->len, j->cap - j->len, "%s{\"id\":\"%s\",\"body\":",
	    j->len > 1 ? "," : "", pp_id_format(log->id, id));
	j->len += (size_t)n;
	memcpy(j->s + j->len, log->body, log->len);
	j->len += log->len;
	j->s[j->len++] = '}';
	for (i = 0; i < log->len && j->is_ascii; i++) {
		j->is_ascii = b[i] < 0x80;
	}
}

int
ppn_json_finish(ppn_json *j)
{
	if (!reserve(j, 1)) {
		return (-1);
	}
	j->s[j->len++] = ']';
	return (0);
}

napi_value
ppn_json_value(napi_env env, const ppn_json *j)
{
	napi_value v;

	/* ASCII is valid Latin-1: V8 then copies bytes without decoding. */
	if (j->is_ascii) {
		if (napi_create_string_latin1(env, j->s, j->len, &v) != napi_ok) {
			return (NULL);
		}
		return (v);
	}
	return (ppn_string(env, j->s, j->len));
}

void
ppn_json_fini(ppn_json *j)
{
	free(j->s);
	j->s = NULL;
}

bool
ppn_json_reserve(ppn_json *j, size_t more)
{
	return (reserve(j, more));
}
