/*
 * upper.c - an example processor plugin: each log becomes one log with
 * its body in upper case, emitted to every `to` topic of the systemProc.
 *
 * Config: "" or "prefix=TEXT", which puts TEXT before every output body.
 *
 * Build: cc -shared -fPIC -o upper.so upper.c (pipeproc_plugin(7)).
 */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pipeproc_plugin.h>

typedef struct upper {
	char  *prefix;
	size_t prefix_len;
} upper;

static int
upper_init(const char *config, void **state, char *err, size_t errlen)
{
	upper *u;

	if (config[0] != '\0' && strncmp(config, "prefix=", 7) != 0) {
		snprintf(err, errlen, "upper: unknown config '%s' (expected "
		    "\"prefix=TEXT\" or nothing)", config);
		return 1;
	}
	if ((u = calloc(1, sizeof(*u))) == NULL ||
	    (u->prefix = strdup(config[0] != '\0' ? config + 7 : "")) ==
	        NULL) {
		free(u);
		snprintf(err, errlen, "upper: out of memory");
		return 1;
	}
	u->prefix_len = strlen(u->prefix);
	*state        = u;
	return 0;
}

static void
upper_fini(void *state)
{
	upper *u = state;

	free(u->prefix);
	free(u);
}

/* Called in several threads at once: it touches nothing but its own
 * buffer and the read-only state. */
static int
upper_process(void *state, const pp_plugin_log *logs, size_t n,
    pp_plugin_emitter *em)
{
	const upper         *u = state;
	const unsigned char *in;
	char                *out;
	size_t               i, k;
	int                  rv;

	for (i = 0; i < n; i++) {
		if ((out = malloc(u->prefix_len + logs[i].len + 1)) == NULL) {
			em->fail(em, "upper: out of memory");
			return 1;
		}
		memcpy(out, u->prefix, u->prefix_len);
		in = logs[i].body;
		for (k = 0; k < logs[i].len; k++) {
			out[u->prefix_len + k] = (char) toupper(in[k]);
		}
		rv = em->emit(em, out, u->prefix_len + logs[i].len);
		free(out);
		if (rv != 0) {
			em->fail(em, "upper: emit failed (output too large?)");
			return rv;
		}
	}
	return 0;
}

const pp_plugin pipeproc_plugin = {
	.abi_version = PP_PLUGIN_ABI_VERSION,
	.size        = sizeof(pp_plugin),
	.name        = "upper",
	.init        = upper_init,
	.fini        = upper_fini,
	.process     = upper_process,
};
