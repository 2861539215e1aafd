/*
 * deadletter.c - pp_deadletter_decode(): a dead letter's envelope
 * (wire_deadletter.c reads it) copied into one allocation the caller
 * owns, the struct first, then the NUL-terminated strings and the body.
 */
#include <stdlib.h>
#include <string.h>

#include "pipeproc.h"
#include "wire.h"

/* Copy s to *at as a C string; return the copy and advance *at. */
static const char *
put_str(char **at, const ppi_str *s)
{
	char *out = *at;

	memcpy(out, s->ptr, s->len);
	out[s->len] = '\0';
	*at += s->len + 1;
	return out;
}

int
pp_deadletter_decode(const void *data, size_t len, pp_deadletter **dl)
{
	ppi_wire_deadletter_view v;
	pp_deadletter           *out;
	char                    *at;
	int                      rv;

	if (data == NULL || dl == NULL) {
		return PP_EINVAL;
	}
	if ((rv = ppi_wire_deadletter_decode(data, len, &v)) != 0) {
		return rv;
	}
	out = malloc(sizeof(*out) + v.proc.len + v.topic.len + v.error.len +
	    3 + v.len);
	if (out == NULL) {
		return PP_ENOMEM;
	}
	at            = (char *) (out + 1);
	out->proc     = put_str(&at, &v.proc);
	out->topic    = put_str(&at, &v.topic);
	out->error    = put_str(&at, &v.error);
	out->id       = v.id;
	out->attempts = v.attempts;
	memcpy(at, v.body, v.len);
	out->body = at;
	out->len  = v.len;
	*dl       = out;
	return 0;
}

void
pp_deadletter_free(pp_deadletter *dl)
{
	free(dl);
}
