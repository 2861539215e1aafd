/*
 * pipeproc_plugin.h - the processor plugin ABI.
 *
 * A plugin is a shared object that a pipeproc worker loads with dlopen()
 * to run a systemProc. It exports one symbol, the descriptor (and
 * optionally pipeproc_plugin_context(), at the end of this file)
 *
 *     const pp_plugin pipeproc_plugin = {
 *         .abi_version = PP_PLUGIN_ABI_VERSION,
 *         .size        = sizeof(pp_plugin),
 *         .name        = "upper",
 *         .process     = upper_process,
 *     };
 *
 * and never links libpipeproc: everything it may call reaches it through
 * the emitter below. The worker reads abi_version and size first, so a
 * plugin built against another version of this header is refused with a
 * clear error (when the systemProc is created, not later in a worker).
 *
 * A call of process() gets the logs of one claim (1 to the systemProc's
 * count). Returning 0 means success: the claim is acked and every log the
 * plugin emitted is committed, in one transaction, so each input produces
 * its outputs exactly once. Any other return means failure: nothing
 * emitted is committed, the claim is reclaimed (handed out again, up to
 * the systemProc's max_reclaims) and the text given to fail() is kept for
 * pp_proc_inspect(). A crash of the worker (a segfault, an abort) counts
 * as a failure of the claims it held.
 *
 * Threads: with workerConcurrency above 1, process() runs in several
 * threads at once, each with a different claim and emitter but the same
 * state; a plugin with mutable state must lock it. init() and fini() run
 * once per worker process, with no process() call in flight.
 *
 * See pipeproc_plugin(7).
 */
#ifndef PIPEPROC_PLUGIN_H
#define PIPEPROC_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this ABI; a change of any field below bumps it. */
#define PP_PLUGIN_ABI_VERSION 1
/* The name of the descriptor a plugin exports. */
#define PP_PLUGIN_SYMBOL "pipeproc_plugin"

/* One input log. Valid only during the process() call that got it. */
typedef struct pp_plugin_log {
	uint64_t    ms;   /* its id: ms-seq */
	uint64_t    seq;
	const char *topic; /* the systemProc's `from` topic it came from */
	const void *body;
	size_t      len;
} pp_plugin_log;

/*
 * What a plugin writes its results with. The functions are the host's;
 * call them only during the process() call that received the emitter.
 */
typedef struct pp_plugin_emitter pp_plugin_emitter;
struct pp_plugin_emitter {
	/*
	 * emit - one output log to every `to` topic of the systemProc (to
	 * none when it has none). The body is copied. Returns 0, or a
	 * negative pipeproc error code (pipeproc.h): PP_ETOOBIG (-6) when
	 * len exceeds the node's limit, PP_ETOOLARGE (-24) when this
	 * claim's outputs together would not fit in one request,
	 * PP_ENOMEM (-3).
	 */
	int (*emit)(pp_plugin_emitter *em, const void *body, size_t len);
	/*
	 * emit_to - one output log to `topic`, which must be one of the
	 * systemProc's `to` topics (else PP_EINVALID_TOPIC, -4). Returns as
	 * emit().
	 */
	int (*emit_to)(pp_plugin_emitter *em, const char *topic,
	    const void *body, size_t len);
	/*
	 * fail - the reason for a failure, shown by pp_proc_inspect() as
	 * the proc's last error (at most 400 bytes are kept). Call it, then
	 * return non-zero from process().
	 */
	void (*fail)(pp_plugin_emitter *em, const char *text);
	void *host; /* the worker's; plugins leave it alone */
};

typedef struct pp_plugin {
	/* Must be PP_PLUGIN_ABI_VERSION and sizeof(pp_plugin): the worker
	 * checks both before it touches anything else. */
	uint32_t    abi_version;
	uint32_t    size;
	/* A short name for messages and pipeproc procs. */
	const char *name;
	/*
	 * init - optional: build the plugin's state from the systemProc's
	 * config string ("" when none). Return 0 and set *state (may stay
	 * NULL), or non-zero after writing a message into err (errlen
	 * bytes); the systemProc is then refused at creation.
	 */
	int (*init)(const char *config, void **state, char *err, size_t errlen);
	/* fini - optional: free what init() built. */
	void (*fini)(void *state);
	/*
	 * process - required: handle the n logs of one claim, emitting the
	 * outputs. 0 = success (ack + commit the outputs atomically), other
	 * values = failure (reclaim; see fail()).
	 */
	int (*process)(void *state, const pp_plugin_log *logs, size_t n,
	    pp_plugin_emitter *em);
} pp_plugin;

/*
 * Optional, within ABI version 1: besides the descriptor a plugin may
 * export a function
 *
 *     void pipeproc_plugin_context(void *state,
 *         const pp_plugin_context *ctx);
 *
 * which a running worker calls once per loaded instance, after init()
 * succeeded and before any process() call, with what it knows about the
 * systemProc the instance runs (`pipeproc-worker --check` does not call
 * it). A plugin without it works as before. The exec plugin uses it to
 * name the systemProc to its child. ctx and its strings are valid only
 * during the call; read ctx->size before any field appended later.
 */
typedef struct pp_plugin_context {
	uint32_t    size;        /* sizeof(pp_plugin_context) of the worker */
	const char *system_proc; /* the systemProc's name */
	uint64_t    max_body;    /* the node's largest log body, bytes */
} pp_plugin_context;

/* The name of the optional context function. */
#define PP_PLUGIN_CONTEXT_SYMBOL "pipeproc_plugin_context"
typedef void pp_plugin_context_fn(void *state, const pp_plugin_context *ctx);

#ifdef __cplusplus
}
#endif

#endif /* PIPEPROC_PLUGIN_H */
