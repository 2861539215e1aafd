/*
 * fanout.c - an example processor plugin that sends each log to several
 * topics, each with its own transformation.
 *
 * Config: a comma-separated list of TOPIC=TRANSFORM, where TOPIC is one
 * of the systemProc's `to` topics and TRANSFORM one of
 *     copy      the body unchanged
 *     upper     the body in upper case (ASCII)
 *     lower     the body in lower case (ASCII)
 *     reverse   the bytes of the body in reverse order
 *     length    the body's length in bytes, as decimal text
 * for example "audit=copy,shout=upper,sizes=length": each input log gives
 * one log in each of the three topics (emit_to). With an empty config
 * every log goes unchanged to every `to` topic (emit).
 *
 * Build: cc -shared -fPIC -o fanout.so fanout.c (pipeproc_plugin(7)).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pipeproc_plugin.h>

#define ROUTES_MAX 16
#define TOPIC_MAX 200

enum transform { T_COPY, T_UPPER, T_LOWER, T_REVERSE, T_LENGTH };

static const char *const transform_names[] = { "copy", "upper", "lower",
	"reverse", "length" };

typedef struct route {
	char           topic[TOPIC_MAX + 1];
	enum transform how;
} route;

typedef struct fanout {
	route  routes[ROUTES_MAX];
	size_t nroutes; /* 0: emit() everything to every `to` topic */
} fanout;

/* Parses one "TOPIC=TRANSFORM" of len bytes into r. */
static int
parse_route(const char *s, size_t len, route *r, char *err, size_t errlen)
{
	const char *eq = memchr(s, '=', len);
	size_t      tlen, i;

	if (eq == NULL || eq == s || (size_t) (eq - s) > TOPIC_MAX) {
		snprintf(err, errlen, "fanout: '%.*s' is not TOPIC=TRANSFORM",
		    (int) len, s);
		return 1;
	}
	tlen = (size_t) (eq - s);
	memcpy(r->topic, s, tlen);
	r->topic[tlen] = '\0';
	for (i = 0; i < sizeof(transform_names) / sizeof(*transform_names);
	     i++) {
		if (strlen(transform_names[i]) == len - tlen - 1 &&
		    memcmp(transform_names[i], eq + 1, len - tlen - 1) == 0) {
			r->how = (enum transform) i;
			return 0;
		}
	}
	snprintf(err, errlen, "fanout: unknown transform '%.*s' (copy, upper, "
	    "lower, reverse or length)", (int) (len - tlen - 1), eq + 1);
	return 1;
}

static int
fanout_init(const char *config, void **state, char *err, size_t errlen)
{
	fanout     *f;
	const char *s = config, *comma;
	size_t      len;

	if ((f = calloc(1, sizeof(*f))) == NULL) {
		snprintf(err, errlen, "fanout: out of memory");
		return 1;
	}
	while (*s != '\0') {
		comma = strchr(s, ',');
		len   = comma != NULL ? (size_t) (comma - s) : strlen(s);
		if (f->nroutes == ROUTES_MAX) {
			snprintf(err, errlen, "fanout: at most %d routes",
			    ROUTES_MAX);
			free(f);
			return 1;
		}
		if (parse_route(s, len, &f->routes[f->nroutes], err, errlen) !=
		    0) {
			free(f);
			return 1;
		}
		f->nroutes++;
		s += len + (comma != NULL ? 1 : 0);
	}
	*state = f;
	return 0;
}

static void
fanout_fini(void *state)
{
	free(state);
}

/* Writes the transformed body into out (room for len + 24 bytes);
 * returns its length. */
static size_t
transform(enum transform how, const unsigned char *in, size_t len, char *out)
{
	size_t i;

	switch (how) {
	case T_LENGTH:
		return (size_t) snprintf(out, 24, "%zu", len);
	case T_REVERSE:
		for (i = 0; i < len; i++) {
			out[i] = (char) in[len - 1 - i];
		}
		return len;
	case T_UPPER:
	case T_LOWER:
		for (i = 0; i < len; i++) {
			out[i] = (char) (how == T_UPPER ? toupper(in[i])
			                                : tolower(in[i]));
		}
		return len;
	case T_COPY:
	default:
		if (len > 0) {
			memcpy(out, in, len);
		}
		return len;
	}
}

static int
fanout_process(void *state, const pp_plugin_log *logs, size_t n,
    pp_plugin_emitter *em)
{
	const fanout *f = state;
	char          msg[300], *out;
	size_t        i, r, olen;
	int           rv = 0;

	for (i = 0; i < n && rv == 0; i++) {
		if (f->nroutes == 0) {
			if ((rv = em->emit(em, logs[i].body, logs[i].len)) !=
			    0) {
				snprintf(msg, sizeof(msg), "fanout: emit failed "
				    "(%d)", rv);
				em->fail(em, msg);
			}
			continue;
		}
		if ((out = malloc(logs[i].len + 24)) == NULL) {
			em->fail(em, "fanout: out of memory");
			return 1;
		}
		for (r = 0; r < f->nroutes && rv == 0; r++) {
			olen = transform(f->routes[r].how, logs[i].body,
			    logs[i].len, out);
			rv   = em->emit_to(em, f->routes[r].topic, out, olen);
			if (rv != 0) {
				/* -4: the topic is not one of the `to`s. */
				snprintf(msg, sizeof(msg), "fanout: emit_to %s "
				    "failed (%d)", f->routes[r].topic, rv);
				em->fail(em, msg);
			}
		}
		free(out);
	}
	return rv;
}

const pp_plugin pipeproc_plugin = {
	.abi_version = PP_PLUGIN_ABI_VERSION,
	.size        = sizeof(pp_plugin),
	.name        = "fanout",
	.init        = fanout_init,
	.fini        = fanout_fini,
	.process     = fanout_process,
};
