/*
 * failer.c - an example processor plugin for trying out failures: it
 * passes every log through unchanged (emit() to every `to` topic) except
 * the ones it is told to trip over.
 *
 * Config: a comma-separated list of
 *     fail-on=TEXT    a claim holding a log whose body contains TEXT
 *                     fails: fail("failer: log MS-SEQ contains 'TEXT'")
 *                     and a non-zero return, so the claim is reclaimed
 *                     (and dead-lettered after max_reclaims, if asked)
 *     crash-on=TEXT   ... the worker crashes (SIGSEGV) on such a log
 *     abort-on=TEXT   ... the worker calls abort() on such a log
 *     status=N        what process() returns on failure (default 1)
 *     silent          fail without calling fail(): the reason becomes
 *                     "process() returned N"
 *     sleep-ms=N      every process() call first sleeps N ms (to have
 *                     claims in flight for stop and timeout tests)
 * for example "fail-on=BAD,crash-on=BOOM".
 *
 * Build: cc -shared -fPIC -o failer.so failer.c (pipeproc_plugin(7)).
 */
#define _GNU_SOURCE /* memmem */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pipeproc_plugin.h>

#define TEXT_MAX 200

typedef struct failer {
	char fail_on[TEXT_MAX + 1]; /* "" when not set */
	char crash_on[TEXT_MAX + 1];
	char abort_on[TEXT_MAX + 1];
	int  status;
	bool is_silent;
	long sleep_ms;
} failer;

/* Copies the value of "key=value" (len bytes) into dst. */
static int
value(const char *s, size_t len, size_t keylen, char *dst, char *err,
    size_t errlen)
{
	if (len - keylen == 0 || len - keylen > TEXT_MAX) {
		snprintf(err, errlen, "failer: '%.*s' needs a text of 1 to %d "
		    "bytes", (int) len, s, TEXT_MAX);
		return 1;
	}
	memcpy(dst, s + keylen, len - keylen);
	dst[len - keylen] = '\0';
	return 0;
}

/* Reads the decimal value of "key=N" (len bytes) into *out. */
static int
number(const char *s, size_t len, size_t keylen, long max, long *out,
    char *err, size_t errlen)
{
	char  buf[24], *end;
	long  v;

	if (len - keylen == 0 || len - keylen >= sizeof(buf)) {
		goto bad;
	}
	memcpy(buf, s + keylen, len - keylen);
	buf[len - keylen] = '\0';
	v                 = strtol(buf, &end, 10);
	if (*end != '\0' || v < 0 || v > max) {
		goto bad;
	}
	*out = v;
	return 0;
bad:
	snprintf(err, errlen, "failer: '%.*s' needs a number from 0 to %ld",
	    (int) len, s, max);
	return 1;
}

static bool
key(const char *s, size_t len, const char *k)
{
	size_t n = strlen(k);

	return len >= n && memcmp(s, k, n) == 0;
}

static int
option(failer *f, const char *s, size_t len, char *err, size_t errlen)
{
	long v;

	if (key(s, len, "fail-on=")) {
		return value(s, len, 8, f->fail_on, err, errlen);
	}
	if (key(s, len, "crash-on=")) {
		return value(s, len, 9, f->crash_on, err, errlen);
	}
	if (key(s, len, "abort-on=")) {
		return value(s, len, 9, f->abort_on, err, errlen);
	}
	if (key(s, len, "sleep-ms=")) {
		return number(s, len, 9, 3600000, &f->sleep_ms, err, errlen);
	}
	if (key(s, len, "status=")) {
		if (number(s, len, 7, 255, &v, err, errlen) != 0 || v == 0) {
			snprintf(err, errlen, "failer: status must be 1 to "
			    "255");
			return 1;
		}
		f->status = (int) v;
		return 0;
	}
	if (len == 6 && memcmp(s, "silent", 6) == 0) {
		f->is_silent = true;
		return 0;
	}
	snprintf(err, errlen, "failer: unknown option '%.*s'", (int) len, s);
	return 1;
}

static int
failer_init(const char *config, void **state, char *err, size_t errlen)
{
	failer     *f;
	const char *s = config, *comma;
	size_t      len;

	if ((f = calloc(1, sizeof(*f))) == NULL) {
		snprintf(err, errlen, "failer: out of memory");
		return 1;
	}
	f->status = 1;
	while (*s != '\0') {
		comma = strchr(s, ',');
		len   = comma != NULL ? (size_t) (comma - s) : strlen(s);
		if (option(f, s, len, err, errlen) != 0) {
			free(f);
			return 1;
		}
		s += len + (comma != NULL ? 1 : 0);
	}
	*state = f;
	return 0;
}

static void
failer_fini(void *state)
{
	free(state);
}

static bool
has(const pp_plugin_log *l, const char *text)
{
	return text[0] != '\0' &&
	    memmem(l->body, l->len, text, strlen(text)) != NULL;
}

static int
failer_process(void *state, const pp_plugin_log *logs, size_t n,
    pp_plugin_emitter *em)
{
	const failer   *f = state;
	struct timespec ts;
	char            msg[400];
	size_t          i;

	if (f->sleep_ms > 0) {
		ts.tv_sec  = f->sleep_ms / 1000;
		ts.tv_nsec = (f->sleep_ms % 1000) * 1000000;
		while (nanosleep(&ts, &ts) != 0) {
		}
	}
	for (i = 0; i < n; i++) {
		if (has(&logs[i], f->crash_on)) {
			raise(SIGSEGV);
		}
		if (has(&logs[i], f->abort_on)) {
			abort();
		}
		if (has(&logs[i], f->fail_on)) {
			if (!f->is_silent) {
				snprintf(msg, sizeof(msg), "failer: log "
				    "%llu-%llu contains '%s'",
				    (unsigned long long) logs[i].ms,
				    (unsigned long long) logs[i].seq,
				    f->fail_on);
				em->fail(em, msg);
			}
			return f->status;
		}
		if (em->emit(em, logs[i].body, logs[i].len) != 0) {
			em->fail(em, "failer: emit failed");
			return f->status;
		}
	}
	return 0;
}

const pp_plugin pipeproc_plugin = {
	.abi_version = PP_PLUGIN_ABI_VERSION,
	.size        = sizeof(pp_plugin),
	.name        = "failer",
	.init        = failer_init,
	.fini        = failer_fini,
	.process     = failer_process,
};
