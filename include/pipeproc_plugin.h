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
 * Growth: fields are only appended to the descriptor, and abi_version
 * stays 1 while they are; a worker accepts every size it knows
 * (PP_PLUGIN_SIZE_1, the first descriptor, up to sizeof(pp_plugin)) and
 * treats the fields a shorter descriptor lacks as NULL. So a plugin
 * built against an older header keeps loading.
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

/*
 * What init_info() gets: the config and the systemProc it runs for. Only
 * ever grows at the end; `size` says how much of it the host filled in.
 * Valid only during the init_info() call (copy what you keep).
 */
typedef struct pp_plugin_info {
	uint32_t    size;        /* sizeof(pp_plugin_info) of the host */
	const char *config;      /* the systemProc's config, "" when none */
	const char *system_proc; /* its name */
	/* The options of its procs (pp_proc_opts): a claim may be handed
	 * out again up to max_reclaims times, each after at most
	 * reclaim_timeout_ms; -1 means never (unbounded). */
	int32_t     max_reclaims;
	int64_t     reclaim_timeout_ms;
	/* The node's stable id (fixed when its store was created), or ""
	 * when the node has none: a prefix that keeps ids made from topic
	 * and log id unique across nodes. */
	const char *node_id;
	/* 1 when init runs for the check at the systemProc's creation
	 * (pipeproc-worker --check; fini follows at once), 0 in a worker:
	 * a plugin may be strict there about what a worker would retry
	 * (an unreachable server, say). */
	int32_t     is_check;
	/* 1 when the plugin runs a source (pipeproc source, pp_source()):
	 * the host calls source(), never process(). */
	int32_t     is_source;
	/* sizeof(pp_plugin_source) of the host, 0 when not a source. A
	 * host older than this field fills in a smaller `size`: read it
	 * through PP_PLUGIN_SOURCE_HAS_REPORT(), never directly. */
	uint32_t    source_size;
} pp_plugin_info;

/* One body for pp_plugin_source.commit(). */
typedef struct pp_plugin_body {
	const void *body;
	size_t      len;
} pp_plugin_body;

/*
 * What a source plugin commits with: the host's functions, valid during
 * the source() call that received them.
 */
typedef struct pp_plugin_source pp_plugin_source;
struct pp_plugin_source {
	/*
	 * commit - the n bodies as n logs of every `to` topic of the
	 * source, in one transaction, as idempotent producer `producer`
	 * (1 to 200 visible ASCII bytes) at sequence `producer_seq` (>= 1):
	 * the node applies it only when producer_seq is above the last one
	 * it applied for that key. Returns 0 (committed), PP_EDUPLICATE
	 * (-45: the node has applied producer_seq or a higher one already;
	 * nothing changed, so the logs are in), or another negative
	 * pipeproc error code (nothing committed).
	 */
	int (*commit)(pp_plugin_source *src, const pp_plugin_body *bodies,
	    size_t n, const char *producer, uint64_t producer_seq);
	/*
	 * fail - the reason of a failed round, for the worker's log (at
	 * most 400 bytes kept). Call it, then return non-zero.
	 */
	void (*fail)(pp_plugin_source *src, const char *text);
	/*
	 * last_seq - the highest producer_seq the node has applied for
	 * `producer` (0: none, or forgotten after the node's dedupe
	 * window). Returns 0, or a negative pipeproc error code.
	 */
	int (*last_seq)(pp_plugin_source *src, const char *producer,
	    uint64_t *seq);
	void *host; /* the worker's; plugins leave it alone */
	/* ---- appended; present when PP_PLUGIN_SOURCE_HAS_REPORT(info) ---- */
	/*
	 * report - the newest sequence upstream (`upstream_seq`, in the
	 * units of the producer_seq the source commits with) and the
	 * producer key it commits as: the node shows
	 * upstream_seq - the key's last applied sequence as the source's
	 * lag (pp_sources(), pp_stats(), pipeproc procs). Call it when a
	 * fetch shows what is upstream (say after each batch, and about
	 * once a second while idle); the host sends it on to the node at
	 * most every 100 ms (a changed figure) or 5 s (the same one), so
	 * calling it often costs little. Returns 0 or a negative pipeproc
	 * error code (PP_EINVAL for a bad key); a failed report changes
	 * nothing else, and the round may go on.
	 */
	int (*report)(pp_plugin_source *src, const char *producer,
	    uint64_t upstream_seq);
};

/*
 * PP_PLUGIN_SOURCE_HAS_REPORT(info) - true when the pp_plugin_source the
 * host passes to source() has report(): init_info()'s info (copy the
 * answer, info is gone after init_info) comes from a host that filled in
 * source_size and whose struct reaches past report. A plugin built
 * against this header stays loadable by older hosts that way: it calls
 * report only when this was true.
 */
#define PP_PLUGIN_SOURCE_HAS_REPORT(info)                                      \
	((info)->size >= offsetof(pp_plugin_info, source_size) +               \
	        sizeof(uint32_t) &&                                             \
	    (info)->source_size >= offsetof(pp_plugin_source, report) +        \
	        sizeof(void (*)(void)))

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
	/* ---- end of the first descriptor (PP_PLUGIN_SIZE_1) ---- */
	/*
	 * init_info - optional, used instead of init() when set: the same,
	 * with what the host knows about the systemProc (its reclaim
	 * options, the node id). At creation (the check) and in every
	 * worker the plugin gets the same values.
	 */
	int (*init_info)(const pp_plugin_info *info, void **state, char *err,
	    size_t errlen);
	/*
	 * source - optional: one round of a source (pp_source()): bring
	 * what is new from outside into the node with src->commit(), and
	 * return within a few seconds (the host calls it again and again
	 * until the source is removed or the worker stops). 0: the round
	 * went well (also when there was nothing new); other values: it
	 * failed (see fail()), and the host calls again after a pause.
	 * A plugin with a source may leave process NULL. One worker of a
	 * node runs its sources (the first), one round at a time, so a
	 * source never races itself within a node.
	 */
	int (*source)(void *state, pp_plugin_source *src);
} pp_plugin;

/* The size of the first descriptor (abi_version 1, without init_info). */
#define PP_PLUGIN_SIZE_1 offsetof(pp_plugin, init_info)

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
