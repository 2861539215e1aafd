/*
 * exec.c - the `exec` plugin: run a systemProc's logs through a child
 * program in any language, speaking frame.h's protocol over its stdin
 * and stdout (pipeproc_plugin(7), "THE EXEC PLUGIN").
 *
 * The config is the command line, run as /bin/sh -c CONFIG, with
 * PIPEPROC_EXEC=1 and PIPEPROC_SYSTEM_PROC=<name> added to the
 * environment.
 *
 * How a claim ends, the same as for a C plugin (settle.c):
 *
 *   child says            claim                  child
 *   done                  ack + commit outputs   kept
 *   fail <text>           reclaim, <text>        kept
 *   (exits, killed)       reclaim, "exited..."   reaped; restarted with
 *   malformed frame       reclaim, what was bad  backoff at the next
 *   nothing in time       reclaim, "no answer"   claim (killed first)
 *
 * Design notes:
 * - Children: one per worker thread. A pool of connections, each used
 *   by one process() call at a time; a call takes an idle one or makes
 *   a new one, so there are never more children than threads that
 *   called process() at once (workerConcurrency). A child starts at the
 *   first claim that needs it (not in init(), which also runs in
 *   `pipeproc-worker --check` when the systemProc is created) and is
 *   stopped by fini(). Children are forked by the instance's spawner
 *   thread, so that their parent-death signal waits for fini().
 * - Restarts: after a child had to be stopped, the next start of that
 *   connection waits 50 ms, doubling per failure in a row up to 2 s,
 *   like the node restarting a worker; an answered batch resets it.
 * - The first batch of a new child may take EXEC_START_ALLOWANCE_MS more
 *   than the timeout: starting an interpreter is not hanging.
 * - A child found dead or out of step before a batch is restarted
 *   without failing the claim, which did nothing wrong.
 * - The pool's lock guards only the list and the busy flags; a child is
 *   talked to without it.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pipeproc_plugin.h>

#include "child.h"
#include "command.h"
#include "frame.h"
#include "spawner.h"
#include "talk.h"

/* The largest body either way, bytes: PP_BODY_MAX_DEFAULT. Larger
 * outputs than the node accepts are refused by the emitter anyway. */
#define EXEC_MAX_BODY (16u << 20)
/* All outputs of one answer: one request's worth (lib/wire.h). */
#define EXEC_MAX_TOTAL ((uint64_t) EXEC_MAX_BODY + (16u << 20))
/* Output frames of one answer. */
#define EXEC_MAX_OUTPUTS 1000000
/* Added to the timeout of a new child's first batch: interpreters
 * (python3, node) take a while to start on a loaded machine, and that is
 * not a hang. */
#define EXEC_START_ALLOWANCE_MS 5000
#define BACKOFF_MIN_MS 50
#define BACKOFF_MAX_MS 2000
#define NAME_MAX_LEN 200

extern char **environ;

typedef struct slot slot;
struct slot {
	slot    *next;
	conn     k;
	bool     is_busy;
	bool     is_fresh; /* its child has not answered a batch yet */
	unsigned failures; /* stops in a row */
	int64_t  not_before_ms;
};

typedef struct exec_state {
	char           *command;
	char          **env; /* environ + ours, NULL-terminated, owned */
	char            system_proc[NAME_MAX_LEN + 1];
	talk_limits     lim;
	pthread_mutex_t mtx;
	slot           *slots;
	spawner         sp; /* forks the children (spawner.h) */
} exec_state;

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
free_env(char **env)
{
	size_t i;

	for (i = 0; env != NULL && env[i] != NULL; i++) {
		free(env[i]);
	}
	free(env);
}

/* True when e is "NAME=..." for one of the variables we set. */
static bool
is_ours(const char *e)
{
	return strncmp(e, "PIPEPROC_EXEC=", 14) == 0 ||
	    strncmp(e, "PIPEPROC_SYSTEM_PROC=", 21) == 0;
}

/* The child's environment: ours plus the worker's. Built once, before
 * any fork (the child may not allocate). */
static char **
make_env(const char *system_proc)
{
	char  **env;
	size_t  n = 0, i, j = 0;

	while (environ != NULL && environ[n] != NULL) {
		n++;
	}
	if ((env = calloc(n + 3, sizeof(*env))) == NULL) {
		return NULL;
	}
	if ((env[j++] = strdup("PIPEPROC_EXEC=1")) == NULL ||
	    asprintf(&env[j++], "PIPEPROC_SYSTEM_PROC=%s", system_proc) < 0) {
		env[j - 1] = NULL;
		free_env(env);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (is_ours(environ[i])) {
			continue;
		}
		if ((env[j++] = strdup(environ[i])) == NULL) {
			free_env(env);
			return NULL;
		}
	}
	return env;
}

static int
exec_init(const char *config, void **state, char *err, size_t errlen)
{
	exec_state *x;
	int         timeout_ms;

	if (command_check(config, err, errlen) != 0 ||
	    command_timeout(config, &timeout_ms, err, errlen) != 0) {
		return 1;
	}
	if ((x = calloc(1, sizeof(*x))) == NULL ||
	    (x->command = strdup(config)) == NULL ||
	    (x->env = make_env("")) == NULL) {
		if (x != NULL) {
			free(x->command);
		}
		free(x);
		snprintf(err, errlen, "exec: out of memory");
		return 1;
	}
	x->lim.max_body    = EXEC_MAX_BODY;
	x->lim.max_total   = EXEC_MAX_TOTAL;
	x->lim.max_outputs = EXEC_MAX_OUTPUTS;
	x->lim.timeout_ms  = timeout_ms;
	pthread_mutex_init(&x->mtx, NULL);
	spawner_init(&x->sp);
	*state = x;
	return 0;
}

static void
exec_fini(void *state)
{
	exec_state *x = state;
	slot       *s, *next;

	if (x == NULL) {
		return;
	}
	for (s = x->slots; s != NULL; s = next) {
		next = s->next;
		child_stop(&s->k.c, false, NULL, 0);
		talk_free(&s->k);
		free(s);
	}
	/* Only now: its end SIGKILLs whatever child is still left. */
	spawner_fini(&x->sp);
	pthread_mutex_destroy(&x->mtx);
	free_env(x->env);
	free(x->command);
	free(x);
}

/* An idle slot, made busy; a new one when all are busy. */
static slot *
take(exec_state *x)
{
	slot *s;

	pthread_mutex_lock(&x->mtx);
	for (s = x->slots; s != NULL && s->is_busy; s = s->next) {
	}
	if (s == NULL && (s = calloc(1, sizeof(*s))) != NULL) {
		s->k.c.in_fd  = -1;
		s->k.c.out_fd = -1;
		s->next       = x->slots;
		x->slots      = s;
	}
	if (s != NULL) {
		s->is_busy = true;
	}
	pthread_mutex_unlock(&x->mtx);
	return s;
}

static void
give(exec_state *x, slot *s)
{
	pthread_mutex_lock(&x->mtx);
	s->is_busy = false;
	pthread_mutex_unlock(&x->mtx);
}

/* Stops the slot's child and sets the backoff of its next start. */
static void
stop(slot *s, bool is_kill, char *why, size_t whylen)
{
	int backoff = BACKOFF_MIN_MS;
	unsigned i;

	child_stop(&s->k.c, is_kill, why, whylen);
	s->k.in_off = s->k.in_len = 0;
	for (i = 0; i < s->failures && backoff < BACKOFF_MAX_MS; i++) {
		backoff *= 2;
	}
	if (backoff > BACKOFF_MAX_MS) {
		backoff = BACKOFF_MAX_MS;
	}
	s->failures++;
	s->not_before_ms = now_ms() + backoff;
}

/* Makes sure the slot has a live child in step; starts one (after the
 * backoff) when needed. Returns 0, or -1 with the reason in why. */
static int
ready(exec_state *x, slot *s, char *why, size_t whylen)
{
	char            what[160], how[96];
	struct timespec ts;
	int64_t         wait;

	if (s->k.c.pid > 0 && !talk_idle_check(&s->k, what, sizeof(what))) {
		stop(s, true, how, sizeof(how));
		fprintf(stderr, "pipeproc exec plugin (%s): child %s (%s); "
		    "restarting it\n", x->command, what, how);
	}
	if (s->k.c.pid > 0) {
		return 0;
	}
	if ((wait = s->not_before_ms - now_ms()) > 0) {
		ts.tv_sec  = wait / 1000;
		ts.tv_nsec = (wait % 1000) * 1000000;
		while (nanosleep(&ts, &ts) != 0) {
		}
	}
	if (spawner_start_child(&x->sp, &s->k.c, x->command, x->env, what,
	        sizeof(what)) != 0) {
		snprintf(why, whylen, "exec: cannot start '%.200s': %s",
		    x->command, what);
		s->failures++;
		return -1;
	}
	s->is_fresh = true;
	return 0;
}

static int
exec_process(void *state, const pp_plugin_log *logs, size_t n,
    pp_plugin_emitter *em)
{
	exec_state      *x = state;
	slot            *s;
	char             why[TALK_FAIL_MAX + 1], how[96];
	enum talk_result r;
	talk_limits      lim;
	int              pid;

	if ((s = take(x)) == NULL) {
		em->fail(em, "exec: out of memory");
		return 1;
	}
	if (ready(x, s, why, sizeof(why)) != 0) {
		give(x, s);
		em->fail(em, why);
		return 1;
	}
	pid = (int) s->k.c.pid;
	lim = x->lim;
	if (s->is_fresh) {
		/* The first batch also waits for the program to start. */
		lim.timeout_ms += EXEC_START_ALLOWANCE_MS;
		s->is_fresh = false;
	}
	r = talk_batch(&s->k, logs, n, em, &lim, why, sizeof(why));
	switch (r) {
	case TALK_DONE:
		s->failures = 0;
		break;
	case TALK_FAIL:
		s->failures = 0;
		break;
	case TALK_CRASH:
		stop(s, false, how, sizeof(how));
		snprintf(why, sizeof(why), "exec: child %d %s during a batch "
		    "of %zu logs", pid, how, n);
		break;
	case TALK_HANG:
		stop(s, true, how, sizeof(how));
		snprintf(why, sizeof(why), "exec: no answer from child %d "
		    "within %d ms (PIPEPROC_EXEC_TIMEOUT_MS); killed it",
		    pid, x->lim.timeout_ms);
		break;
	case TALK_BAD:
	case TALK_ERROR:
		stop(s, true, how, sizeof(how));
		snprintf(why + strlen(why), sizeof(why) - strlen(why),
		    "; killed child %d", pid);
		break;
	}
	give(x, s);
	if (r != TALK_DONE) {
		if (r != TALK_FAIL) {
			fprintf(stderr, "pipeproc exec plugin: %s\n", why);
		}
		em->fail(em, why);
		return 1;
	}
	return 0;
}

/* What the worker knows about our systemProc (pipeproc_plugin.h): its
 * name for the child's environment, the node's body limit for ours.
 * Called before any process(), so nothing else reads x yet. */
void
pipeproc_plugin_context(void *state, const pp_plugin_context *ctx)
{
	exec_state *x = state;
	char      **env;

	if (x == NULL || ctx == NULL ||
	    ctx->size < offsetof(pp_plugin_context, max_body) +
	            sizeof(ctx->max_body)) {
		return;
	}
	if (ctx->system_proc != NULL) {
		snprintf(x->system_proc, sizeof(x->system_proc), "%s",
		    ctx->system_proc);
		if ((env = make_env(x->system_proc)) != NULL) {
			free_env(x->env);
			x->env = env;
		}
	}
	if (ctx->max_body > 0) {
		x->lim.max_body  = ctx->max_body;
		x->lim.max_total = ctx->max_body + (16u << 20);
	}
}

const pp_plugin pipeproc_plugin = {
	.abi_version = PP_PLUGIN_ABI_VERSION,
	.size        = sizeof(pp_plugin),
	.name        = "exec",
	.init        = exec_init,
	.fini        = exec_fini,
	.process     = exec_process,
};
