/*
 * lag_source.c - a test source (source_lag_test.c) whose upstream is a
 * file the test writes: "HEAD UPTO". Each round reports HEAD as the
 * newest upstream sequence (report(), pipeproc_plugin(7)) and commits
 * the bodies "v N" for the sequences not stored yet up to UPTO, 1,000 a
 * round, as producer KEY. Without the file it does nothing, so a test
 * can hold a source before its first report. init fails when the host's
 * source lacks report(), which checks PP_PLUGIN_SOURCE_HAS_REPORT.
 *
 * config: "file=PATH;key=KEY"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pipeproc_plugin.h>

#define ROUND_MAX 1000

typedef struct lag_state {
	char path[512];
	char key[201];
} lag_state;

/* The value of `name=` in config (up to ';') into out; false if none. */
static int
config_get(const char *config, const char *name, char *out, size_t cap)
{
	const char *p = config;
	size_t      nlen = strlen(name), len;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
			p += nlen + 1;
			len = strcspn(p, ";");
			if (len >= cap) {
				return 0;
			}
			memcpy(out, p, len);
			out[len] = '\0';
			return 1;
		}
		p = strchr(p, ';');
		p = p != NULL ? p + 1 : NULL;
	}
	return 0;
}

static int
lag_init(const pp_plugin_info *info, void **state, char *err, size_t errlen)
{
	lag_state *s;

	if (!info->is_source) {
		snprintf(err, errlen, "lag_source: a source only");
		return 1;
	}
	if (!PP_PLUGIN_SOURCE_HAS_REPORT(info)) {
		snprintf(err, errlen, "lag_source: the host has no report()");
		return 1;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "lag_source: out of memory");
		return 1;
	}
	if (!config_get(info->config, "file", s->path, sizeof(s->path)) ||
	    !config_get(info->config, "key", s->key, sizeof(s->key))) {
		snprintf(err, errlen, "lag_source: config needs file= and key=");
		free(s);
		return 1;
	}
	*state = s;
	return 0;
}

static void
lag_fini(void *state)
{
	free(state);
}

static void
nap(void)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

static int
lag_round(void *state, pp_plugin_source *src)
{
	static char        text[ROUND_MAX][32];
	static pp_plugin_body bodies[ROUND_MAX];
	lag_state         *s = state;
	unsigned long long head, upto;
	uint64_t           last = 0, seq;
	size_t             n = 0;
	FILE              *f;
	int                ok, rv;

	nap();
	if ((f = fopen(s->path, "r")) == NULL) {
		return 0; /* no upstream yet */
	}
	ok = fscanf(f, "%llu %llu", &head, &upto) == 2;
	fclose(f);
	if (!ok) {
		return 0; /* being written */
	}
	if ((rv = src->report(src, s->key, head)) != 0) {
		src->fail(src, "lag_source: report failed");
		return 1;
	}
	if ((rv = src->last_seq(src, s->key, &last)) != 0) {
		src->fail(src, "lag_source: last_seq failed");
		return 1;
	}
	for (seq = last + 1; seq <= upto && n < ROUND_MAX; seq++, n++) {
		snprintf(text[n], sizeof(text[n]), "v %llu",
		    (unsigned long long) seq);
		bodies[n].body = text[n];
		bodies[n].len  = strlen(text[n]);
	}
	if (n > 0 && src->commit(src, bodies, n, s->key, last + n) != 0) {
		src->fail(src, "lag_source: commit failed");
		return 1;
	}
	return 0;
}

const pp_plugin pipeproc_plugin = {
	.abi_version = PP_PLUGIN_ABI_VERSION,
	.size        = sizeof(pp_plugin),
	.name        = "lag_source",
	.init_info   = lag_init,
	.fini        = lag_fini,
	.source      = lag_round,
};
