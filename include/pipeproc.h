/*
 * pipeproc.h - the public API of libpipeproc.
 *
 * pipeproc is an embedded commit-log stream processor. An application links
 * libpipeproc and either spawns a log node process (pp_spawn) that owns the
 * data in an LMDB environment, or connects to one that is already running
 * (pp_connect). Every operation is a request to that node over NNG.
 *
 * This is the only header applications include. Everything in it is
 * documented here and in the man pages: pipeproc(3) gives the overview,
 * and each function group has its own page.
 *
 * Caveats
 * =======
 * - A pp_client must not be used across fork(). A child process that needs
 *   the node calls pp_connect() itself. The node process started by
 *   pp_spawn() never touches the application's memory: it is exec'd.
 * - Every function taking a pp_client may be called from several threads at
 *   once, except pp_close(), which must be the last call on the client and
 *   must not race with any other call on it.
 * - pp_spawn() forks and execs the node. It does not install a SIGCHLD
 *   handler and does not change the application's signal dispositions; it
 *   reaps its own child with waitpid() on that pid only (in pp_shutdown() and
 *   pp_close()). The child closes every descriptor except 0, 1, 2 and the
 *   two pipes it needs (readiness and lifeline) before exec.
 * - A spawned node stops gracefully when the process that spawned it exits
 *   (it watches a lifeline pipe), unless spawned with is_detached.
 * - Blocking: every request blocks the calling thread until the node
 *   replies or the client's request timeout (default 60 s) passes; then it
 *   returns PP_ETIMEDOUT. pp_commit_async() blocks only while its queue is
 *   full. pp_spawn() blocks until the node accepts requests, at most its
 *   start timeout.
 * - Asynchronous callbacks run on a thread owned by the library. They must
 *   not call pp_close() or pp_flush() on their client and should return
 *   quickly: while a callback runs, later completions of that client wait.
 * - Besides the codes listed per function, every call that talks to the
 *   node may return PP_EPROTO (a malformed frame), PP_ESHUTDOWN (the node
 *   is stopping), PP_ETOOLARGE (the request exceeds the node's limit of
 *   its maximum body plus 16 MiB) and PP_EINTERNAL.
 * - The library talks to nodes older and newer than itself: a field of a
 *   reply that an older node does not send reads as 0 ("", false, empty),
 *   and what a newer node adds is skipped; a field of the wrong type is
 *   PP_EPROTO (docs/DESIGN.md §5, "Compatibility of replies").
 * - A call that fails with PP_ETIMEDOUT or PP_ECLOSED may or may not have
 *   been applied by the node; a commit is never applied twice.
 * - pp_result, pp_iter, pp_topic_list, pp_claim and pp_proc_list objects
 *   are not shared: use each from one thread at a time.
 */
#ifndef PIPEPROC_H
#define PIPEPROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define PP_API __attribute__((visibility("default")))
#else
#define PP_API
#endif

#define PP_VERSION_MAJOR 0
#define PP_VERSION_MINOR 1
#define PP_VERSION_PATCH 0

/* Limits that are part of the contract between clients and the node. */
#define PP_TOPIC_MAX 200               /* bytes in a topic name */
#define PP_ID_STRLEN 42                /* "ms-seq" + NUL, both uint64 */
#define PP_BODY_MAX_DEFAULT (16u << 20) /* default maximum body, bytes */

/*
 * Errors. Every function returns 0 (or a count) on success and one of these
 * negative codes on failure. The values cross the wire between node and
 * client, so they are explicit and never reused.
 */
#define PP_ERRORS(X)                                                           \
	X(ENOTCONN, -1, "client is not connected to a node")                   \
	X(EINVAL, -2, "invalid argument")                                      \
	X(ENOMEM, -3, "out of memory")                                         \
	X(EINVALID_TOPIC, -4, "invalid topic name")                           \
	X(EINVALID_BODY, -5, "invalid log body")                              \
	X(ETOOBIG, -6, "log body exceeds the node's maximum size")             \
	X(EEMPTY, -7, "nothing to commit")                                     \
	X(ENOTOPIC, -8, "topic does not exist")                                \
	X(EINVALID_ID, -9, "invalid id expression")                            \
	X(ETIMEDOUT, -10, "timed out")                                         \
	X(EADDR, -11, "invalid address")                                       \
	X(ECONNREFUSED, -12, "no node is listening at the address")           \
	X(EPROTO, -13, "protocol error")                                       \
	X(EVERSION, -14, "protocol version mismatch")                          \
	X(ELOCKED, -15, "data directory is in use by another node")            \
	X(EADDRINUSE, -16, "address is served by another live node")           \
	X(ESTORE, -17, "storage error")                                        \
	X(ESTORE_FULL, -18, "storage is full")                                 \
	X(EIO, -19, "input/output error")                                      \
	X(ESPAWN, -20, "could not start the node")                             \
	X(ESHUTDOWN, -21, "node is shutting down")                             \
	X(ECLOSED, -22, "connection to the node was closed")                   \
	X(EUNKNOWN_OP, -23, "unknown operation")                               \
	X(ETOOLARGE, -24, "request is too large")                              \
	X(EINTERNAL, -25, "internal error")                                    \
	X(EPERM, -26, "permission denied")                                     \
	X(EORDER, -27, "request arrived before the one it follows")            \
	X(ENOPROC, -28, "no proc with that name")                              \
	X(EPROC_DISABLED, -29, "proc is disabled")                             \
	X(EPROC_EXISTS, -30, "proc exists with other options or topic")        \
	X(EPROC_ALREADY_DISABLED, -31, "proc is already disabled")             \
	X(EPROC_ALREADY_ACTIVE, -32, "proc is already active")                 \
	X(ENOTHING_TO_RECLAIM, -33, "proc has no outstanding claim")           \
	X(ENOTHING_TO_ACK, -34, "proc has no outstanding claim to ack")        \
	X(ESTALE_CLAIM, -35, "claim token does not match the current claim")   \
	X(EINVALID_NAME, -36, "invalid proc name")                             \
	X(EINVALID_OPTION, -37, "invalid proc option")                        \
	X(EEXIST, -38, "already exists")                                       \
	X(ETOPIC_IN_USE, -39, "procs read the topic")                          \
	X(EPLUGIN, -40, "plugin refused (ABI, symbol, load or init)")          \
	X(ENOSYSPROC, -41, "no systemProc with that name")                     \
	X(EAUTH, -42, "access token missing or wrong")                         \
	X(ETLS, -43, "TLS handshake or certificate failure")                   \
	X(EBUSY, -44, "node is at its connection limit")                      \
	X(EDUPLICATE, -45, "producer sequence already applied")               \
	X(ECONFLICT, -46, "topic is not at the expected sequence")             \
	X(EPEER, -50, "the other end belongs to another user")

enum pp_error {
#define PP_ERROR_ENUM_(name, value, text) PP_##name = (value),
	PP_ERRORS(PP_ERROR_ENUM_)
#undef PP_ERROR_ENUM_
};

/*
 * pp_strerror - a human-readable message for an error code.
 * err: a PP_E* code (or 0).
 * Returns a static string; unknown codes give "unknown error".
 * Thread-safe; never blocks.
 */
PP_API const char *pp_strerror(int err);

/*
 * pp_errname - the symbolic name of an error code, e.g. "PP_ENOTOPIC".
 * Returns a static string; 0 gives "PP_OK"; unknown codes "PP_EUNKNOWN".
 * Thread-safe; never blocks.
 */
PP_API const char *pp_errname(int err);

/*
 * pp_version - the library version as "MAJOR.MINOR.PATCH".
 * Returns a static string. Thread-safe; never blocks.
 */
PP_API const char *pp_version(void);

/* ------------------------------------------------------------------------
 * Ids
 * ------------------------------------------------------------------------ */

/*
 * A log id. `ms` is the node's wall clock in milliseconds when the log was
 * committed (never smaller than the previous log's in the same topic);
 * `seq` is the log's position in its topic, from 0, never reused.
 */
typedef struct pp_id {
	uint64_t ms;
	uint64_t seq;
} pp_id;

/*
 * pp_id_format - write `id` as "ms-seq" into `buf`.
 * buf: out, at least PP_ID_STRLEN bytes.
 * Returns buf. Thread-safe; never blocks.
 */
PP_API char *pp_id_format(pp_id id, char *buf);

/*
 * pp_id_parse - parse a full id "ms-seq" (decimal, no sign, no spaces).
 * text: in, NUL-terminated. id: out.
 * Returns 0, or PP_EINVALID_ID when text is not a full id (the id
 * expressions "T" and ":S" are accepted only by range bounds). On error
 * *id is unchanged. Thread-safe; never blocks.
 */
PP_API int pp_id_parse(const char *text, pp_id *id);

/* ------------------------------------------------------------------------
 * Clients: spawn, connect, close, shutdown
 * ------------------------------------------------------------------------ */

typedef struct pp_client pp_client;

/* Durability of commits (pipeproc-node(8) --sync). */
enum pp_sync_mode {
	PP_SYNC_ALWAYS = 0, /* a commit is answered once it is on disk */
	PP_SYNC_INTERVAL,   /* the node syncs every sync_interval_ms */
	PP_SYNC_NONE        /* the OS decides; a crash of the host may lose */
};

/*
 * Options of pp_spawn(). Zero (or NULL) in any field means its default;
 * pass NULL for all defaults. Fields are only ever appended.
 */
typedef struct pp_spawn_opts {
	/* pipeproc-node program. NULL: $PIPEPROC_NODE, else the installed
	 * PREFIX/bin/pipeproc-node. */
	const char *node_path;
	/* Data directory. NULL: "./pipeproc_data". Created if missing. */
	const char *data_dir;
	/* Address to listen on. NULL: ipc://RUNDIR/pipeproc.<namespace>,
	 * RUNDIR being $XDG_RUNTIME_DIR/pipeproc when XDG_RUNTIME_DIR is set,
	 * else $TMPDIR/pipeproc-UID ("/tmp" when TMPDIR is unset): a
	 * directory only its owner may enter (made 0700; one that another
	 * user owns or others may enter is refused with PP_EPERM). */
	const char *address;
	/* Namespace used for the default address. NULL: "default". */
	const char *namespace_name;
	/* Durability; see enum pp_sync_mode. */
	enum pp_sync_mode sync_mode;
	/* Sync period for PP_SYNC_INTERVAL, ms. 0: 100. */
	uint32_t sync_interval_ms;
	/* Keep the data in a private temporary directory that is removed
	 * when the node exits (nothing survives the node). */
	bool is_memory;
	/* Do not stop the node when the spawning process exits. */
	bool is_detached;
	/* How long pp_spawn() waits for the node to accept requests, ms.
	 * 0: 10000. */
	uint32_t start_timeout_ms;
	/* Largest log body the node accepts, bytes. 0: PP_BODY_MAX_DEFAULT. */
	uint32_t max_body_bytes;
	/* Request timeout of the returned client, ms. 0: 60000. */
	uint32_t request_timeout_ms;
	/* Collect logs nobody needs any more (pipeproc-node(8) --gc): a log
	 * goes once it is older than gc_min_prune_time_ms and every proc
	 * reading its topic (active, disabled or never acked) is past it; a
	 * topic without procs is collected by age alone. Off by default. */
	bool is_gc;
	/* Age before a log may be collected, ms. 0: 30000. */
	uint32_t gc_min_prune_time_ms;
	/* Time between collection runs, ms. 0: 30000. */
	uint32_t gc_interval_ms;
	/* Largest the store may grow, bytes (at least 1 MiB); beyond it
	 * commits fail with PP_ESTORE_FULL while reads, acks and GC go on.
	 * 0: until the disk is full. */
	uint64_t max_store_bytes;
	/* Worker processes that run systemProcs (pipeproc-worker(8)).
	 * 0: one; PP_WORKERS_NONE: none (systemProcs are kept, not run). */
	int32_t workers;
	/* Claims in flight per worker (threads). 0: 1. */
	uint32_t worker_concurrency;
	/* A worker is replaced after this many claims. 0: never. */
	uint32_t worker_restart_after;
	/* pipeproc-worker program. NULL: $PIPEPROC_WORKER, else the
	 * installed PREFIX/bin/pipeproc-worker. */
	const char *worker_path;
	/* Serve the node's metrics over HTTP in the Prometheus text format
	 * at this URL's GET /metrics ("http://127.0.0.1:9464"; port 0
	 * picks a free one). NULL: no HTTP server. See pp_stats(). */
	const char *metrics_address;
	/* Remote clients (address "tls+tcp://HOST:PORT"; pipeproc-node(8)):
	 * PEM files. The node presents tls_cert_file/tls_key_file and
	 * accepts only clients whose certificate tls_ca_file signed; the
	 * returned client verifies the node with tls_ca_file and presents
	 * tls_client_cert_file/tls_client_key_file. Workers use ipc. */
	const char *tls_ca_file;
	const char *tls_cert_file;
	const char *tls_key_file;
	const char *tls_client_cert_file;
	const char *tls_client_key_file;
	/* Access token file (mode 0600, 16 to 255 bytes): the node answers
	 * PP_EAUTH to every request that does not carry it; the returned
	 * client sends it. NULL: no token. */
	const char *token_file;
	/* Allow a plain "tcp://HOST:PORT" address (needs token_file):
	 * everything, the token included, crosses the network in clear.
	 * On loopback (127.0.0.0/8, [::1], localhost) neither is needed:
	 * the node makes a token and leaves it, mode 0600, in the user's
	 * private runtime directory for the same user's clients. */
	bool is_insecure_tcp;
	/* Most connections the node serves at once; more are closed as
	 * they arrive. 0: 256. */
	uint32_t max_connections;
	/* Other local users whose clients the node serves over ipc, as
	 * comma-separated user ids or names (allow_uids) and group ids or
	 * names (allow_gids; a member of the group, by its primary or a
	 * supplementary group, is served). NULL: only the node's own user;
	 * others get PP_EPEER (pipeproc-node(8) --allow-uid, --allow-gid). */
	const char *allow_uids;
	const char *allow_gids;
} pp_spawn_opts;

/* pp_spawn_opts.workers: no worker processes at all. */
#define PP_WORKERS_NONE (-1)

/*
 * pp_spawn - start a log node and connect to it.
 * opts: in, may be NULL. client: out.
 * Forks and execs pipeproc-node, waits until it accepts requests, then
 * connects as pp_connect() would. The node owns the data directory until it
 * stops; the returned client is its spawner: pp_shutdown() stops it.
 * Returns 0, or:
 *   PP_ESPAWN      the program could not be executed (message names it);
 *   PP_ELOCKED     another node owns the data directory;
 *   PP_EADDRINUSE  a live node already serves the address;
 *   PP_EADDR       the address is malformed or its scheme is unknown;
 *   PP_ETIMEDOUT   the node did not become ready in start_timeout_ms;
 *   PP_ESTORE, PP_EIO  the store could not be opened;
 *   PP_ENOMEM, PP_EINVAL.
 * On success *client belongs to the caller; release it with pp_close().
 * On error *client is unchanged and no node process is left running.
 * Thread-safe; blocks up to start_timeout_ms.
 */
PP_API int pp_spawn(const pp_spawn_opts *opts, pp_client **client);

/* Options of pp_connect(). Zero means default; NULL means all defaults. */
typedef struct pp_connect_opts {
	/* How long to wait for the node's handshake reply, ms. 0: 5000. */
	uint32_t timeout_ms;
	/* Request timeout of the returned client, ms. 0: 60000. */
	uint32_t request_timeout_ms;
	/* Mutual TLS, for "tls+tcp://HOST:PORT" (all three required there,
	 * refused elsewhere): PEM files of the CA that signed the node's
	 * certificate (checked, with HOST, at every connection), of our
	 * client certificate and of its unencrypted private key. */
	const char *tls_ca_file;
	const char *tls_cert_file;
	const char *tls_key_file;
	/* Access token, sent with every request: the content of
	 * token_file (mode 0600), else `token` (a NUL-terminated string),
	 * 16 to 255 bytes. NULL: none. */
	const char *token_file;
	const char *token;
	/* Allow a plain "tcp://HOST:PORT" address (needs a token). Not
	 * needed on loopback, where without a token the client reads the
	 * one a node of its own user left in its runtime directory. */
	bool is_insecure_tcp;
	/* Over ipc the client talks only to a node of its own user (the
	 * socket's peer credentials say whose it is) and fails with
	 * PP_EPEER otherwise; with this set a node of root is accepted too. */
	bool is_root_node_allowed;
	/* Local reads (issue 15): with an ipc:// address, when the node's
	 * store is readable by us, range, revrange, iterators, length,
	 * stat and topics read it directly instead of asking the node
	 * (same results, no round trip); when it is not, they ask the node.
	 * true: always ask the node. */
	bool is_local_reads_off;
} pp_connect_opts;

/*
 * pp_connect - attach to a running node.
 * address: in, "ipc:///path", "tls+tcp://HOST:PORT" (HOST a name, an
 *   IPv4 address or a bracketed IPv6 address), "tcp://HOST:PORT" (only
 *   with is_insecure_tcp and a token, except on loopback), or NULL for the default address of
 *   the "default" namespace. opts: in, may be NULL. client: out.
 * Dials the node and exchanges a handshake that checks the protocol
 * version (and the access token). The client redials by itself when the
 * connection drops; requests then wait for the node, up to the request
 * timeout, and a request whose connection broke is sent again (safe:
 * reads change nothing, commits are applied once).
 * Returns 0, or PP_EADDR (malformed address or unknown scheme),
 * PP_ECONNREFUSED (nothing listens there), PP_ETIMEDOUT (no handshake
 * reply in timeout_ms), PP_EVERSION (the node speaks another protocol
 * version), PP_ETLS (a TLS file is unreadable, corrupted or expired, the
 * node's certificate is not signed by the CA or not issued for HOST, the
 * node refused our certificate, or one side speaks TLS and the other
 * not; the detail says which), PP_EAUTH (the node requires a token and
 * ours is missing or wrong), PP_EBUSY (the node is at its connection
 * limit), PP_EINVAL (TLS options or a token that do not fit the address),
 * PP_EPERM (a token file others may read; the default address's
 * directory belongs to another user or others may enter it), PP_EPEER
 * (over ipc: the node belongs to another user, or does not serve ours;
 * the message names both), PP_ENOMEM.
 * On success *client belongs to the caller; release it with pp_close().
 * On error *client is unchanged.
 * Thread-safe; blocks up to timeout_ms.
 */
PP_API int pp_connect(const char *address, const pp_connect_opts *opts,
    pp_client **client);

/*
 * pp_close - detach from the node and free the client.
 * client: in, may be NULL.
 * Waits for outstanding asynchronous commits to be answered (their
 * callbacks run before pp_close returns). When the client spawned its node
 * (and not with is_detached), the node is stopped gracefully as by
 * pp_shutdown() and reaped: the spawner owns its node. A detached node, or
 * a node reached with pp_connect(), keeps running.
 * Must be the last call on the client. Blocks up to the request timeout,
 * plus at most half a second for the late replies of requests that timed
 * out (they are read before the connection closes) and 2 s for the
 * connection to close; when NNG does not let go of it in that time (an
 * NNG 1.5.2 defect), its memory is left allocated rather than waited for.
 */
PP_API void pp_close(pp_client *client);

/*
 * pp_shutdown - stop the node gracefully.
 * client: in.
 * The node answers every request already queued, refuses new ones with
 * PP_ESHUTDOWN, syncs its store and exits. When the client spawned the
 * node, pp_shutdown also waits for the process to exit. The client stays
 * allocated (free it with pp_close()); later requests fail with
 * PP_ECLOSED or PP_ETIMEDOUT.
 * Returns 0, or PP_ENOTCONN, PP_ETIMEDOUT, PP_ECLOSED.
 * Thread-safe; blocks until the node has stopped or the request timeout.
 */
PP_API int pp_shutdown(pp_client *client);

/*
 * pp_client_errmsg - detail of the last failed call made on `client` by
 * the calling thread (for example which program could not be executed).
 * Returns a string valid until the next call on this client from this
 * thread; "" when there is no detail. Thread-safe; never blocks.
 */
PP_API const char *pp_client_errmsg(const pp_client *client);

/*
 * pp_last_errmsg - detail of the last failed pp_spawn() or pp_connect()
 * of the calling thread (which have no client to keep it on).
 * Returns a thread-local string valid until the next such call. Never
 * blocks.
 */
PP_API const char *pp_last_errmsg(void);

/*
 * pp_client_max_body - the largest log body, in bytes, that the node of
 * `client` accepts (its --max-body, from the handshake). A program that
 * reads bodies from files or pipes stops reading there instead of
 * buffering input the node would refuse with PP_ETOOBIG.
 * Returns the limit; 0 when `client` is NULL. Thread-safe; never blocks.
 */
PP_API uint64_t pp_client_max_body(const pp_client *client);

/*
 * pp_client_max_request - the largest request, in bytes, that the node of
 * `client` accepts: the whole of one pp_commit() (bodies plus framing)
 * must fit in it, or the call fails with PP_ETOOLARGE. It is the maximum
 * body plus 16 MiB.
 * Returns the limit; 0 when `client` is NULL. Thread-safe; never blocks.
 */
PP_API uint64_t pp_client_max_request(const pp_client *client);

/*
 * Options of pp_attach(). Zero means default; NULL means all defaults.
 * Fields are only ever appended.
 */
typedef struct pp_attach_opts {
	/* How a node is started when none owns the data directory (by this
	 * call or, later, by a re-spawn): node_path, sync_mode,
	 * sync_interval_ms, start_timeout_ms, max_body_bytes, the GC and
	 * store limits, the worker fields, metrics_address and token_file
	 * are used (the library copies the strings). data_dir, address,
	 * namespace_name and is_detached are ignored: the node owns the
	 * given directory, listens on an ipc address derived from it and
	 * never belongs to one process. is_memory is refused (PP_EINVAL).
	 * NULL: all defaults. */
	const pp_spawn_opts *node;
	/* How long pp_attach() may take to find or start the node, ms.
	 * 0: 10000. */
	uint32_t timeout_ms;
	/* Request timeout of the returned client, ms. 0: 60000. */
	uint32_t request_timeout_ms;
} pp_attach_opts;

/*
 * pp_attach - share the node of a data directory with sibling processes.
 * data_dir: in, the data directory (created if missing). opts: in, may be
 *   NULL. client: out.
 * Connects to the node that owns data_dir, or starts one (detached) when
 * none does; the data directory's lock decides which of several processes
 * attaching at once starts it, and the others connect to the winner (the
 * node writes its address into DIR/node.addr once it listens). A node
 * started this way stays up while any attached process lives, however it
 * ends (each holds a lease: a locked file in DIR/attach/), and stops
 * within about a second after the last one is gone; the process that
 * started it may exit first. If the node dies, the client starts a new one
 * (again, one process wins the lock) and its requests carry on: they wait
 * for the new node and are sent again, which is safe (reads change
 * nothing, commits and acks are applied once: DESIGN.md §10).
 * Returns 0, or:
 *   PP_EINVAL      client or data_dir is NULL, data_dir is empty, or
 *                  opts->node asks for is_memory;
 *   PP_EIO, PP_EPERM  the data directory or its lease cannot be created;
 *   PP_ESPAWN      no node could be started (the message says why);
 *   PP_ETIMEDOUT   no node was found or started within timeout_ms;
 *   any code of pp_spawn() or pp_connect() (PP_EAUTH, PP_ESTORE, ...).
 * On success *client belongs to the caller; release it with pp_close(),
 * which gives up the lease (the node stops if it was the last). On error
 * *client is unchanged. A client of pp_attach() runs one helper thread
 * that watches the connection. pp_shutdown() on it stops the node for
 * now and ends the client's lease; attached siblings that still live
 * start the node again.
 * Thread-safe; blocks up to timeout_ms.
 */
PP_API int pp_attach(const char *data_dir, const pp_attach_opts *opts,
    pp_client **client);

/* ------------------------------------------------------------------------
 * Commit
 * ------------------------------------------------------------------------ */

/* One log to commit. The library copies `topic` and `body`. */
typedef struct pp_record {
	const char *topic; /* [A-Za-z0-9_.-]{1,200} */
	const void *body;  /* opaque bytes; may be NULL when len is 0 */
	size_t      len;   /* bytes in body, at most the node's maximum */
} pp_record;

/*
 * pp_commit - append logs to topics, atomically.
 * records: in, `count` logs, possibly for different topics. ids: out, an
 *   array of `count` ids, filled in input order on success.
 * All logs become durable and visible together, or none does. They share
 * one millisecond; logs of one topic get consecutive sequences in input
 * order. Topics are created by their first commit. Concurrent calls from
 * threads sharing the client are coalesced into few requests.
 * Returns 0, or PP_EINVALID_TOPIC, PP_ETOOBIG, PP_EEMPTY (count is 0),
 * PP_EINVAL, PP_ESTORE_FULL, PP_ESTORE, PP_ESHUTDOWN, PP_ETIMEDOUT,
 * PP_ECLOSED, PP_ENOTCONN. Bad input is refused before anything is sent.
 * The library copies the records. On error `ids` is unchanged.
 * Thread-safe; blocks until the node answers (with PP_SYNC_ALWAYS, after
 * the data is on disk).
 */
PP_API int pp_commit(pp_client *client, const pp_record *records,
    size_t count, pp_id *ids);

/*
 * Completion of pp_commit_async(). status is 0 or a PP_E* code; on success
 * ids holds `count` ids in input order. `ids` is valid only during the call.
 */
typedef void (*pp_commit_cb)(
    void *arg, int status, const pp_id *ids, size_t count);

/*
 * pp_commit_async - queue an atomic commit and return at once.
 * records, count: as pp_commit(). cb: in, called exactly once with the
 *   outcome, on a library thread. arg: passed to cb.
 * Queued commits are coalesced into large requests (each call stays
 * atomic on its own). Callbacks of one client run in the order the calls
 * were made.
 * Returns 0 when queued (cb will be called), or an error and cb is never
 * called: PP_EINVALID_TOPIC, PP_ETOOBIG, PP_EEMPTY, PP_EINVAL, PP_ENOMEM,
 * PP_ECLOSED (after pp_shutdown), PP_ENOTCONN.
 * The library copies the records before returning.
 * Thread-safe; blocks only while the client's queue is full (64 MiB).
 */
PP_API int pp_commit_async(pp_client *client, const pp_record *records,
    size_t count, pp_commit_cb cb, void *arg);

/*
 * pp_flush - wait until every pp_commit_async() made so far on this
 * client has been answered and its callback has returned.
 * timeout_ms: -1 waits forever.
 * Returns 0, or PP_ETIMEDOUT. Thread-safe; blocks.
 */
PP_API int pp_flush(pp_client *client, int timeout_ms);

/* ------------------------------------------------------------------------
 * Commits with options: idempotent producers, conditional appends
 * ------------------------------------------------------------------------ */

#define PP_PRODUCER_MAX 200 /* bytes in a producer key */

/* A condition of pp_commit_with(): `topic` must be at `next_seq`. */
typedef struct pp_expect {
	const char *topic;    /* [A-Za-z0-9_.-]{1,200}; need not be written */
	uint64_t    next_seq; /* the sequence its next log would get: its
	                       * last log's seq + 1, or 0 for a topic that
	                       * does not exist (never created, or deleted) */
} pp_expect;

/*
 * Options of pp_commit_with(). Zero means "not used"; NULL means none.
 * Fields are only ever appended.
 *
 * Idempotent producer (producer != NULL): the node keeps, per key, the
 * highest producer_seq it applied, in the same transaction as the logs.
 * A commit whose producer_seq is not above it changes nothing and fails
 * with PP_EDUPLICATE ("already have it"); a higher one is applied and
 * becomes the key's new last sequence (gaps are allowed). A key idle for
 * longer than the node's dedupe window (pipeproc-node --dedupe-window,
 * default an hour) is forgotten: its next commit is applied whatever its
 * sequence.
 *
 * Conditional append (nexpects > 0): every listed topic must be at its
 * next_seq, or the whole commit fails with PP_ECONFLICT and changes
 * nothing. The duplicate check comes first: a resent commit is a
 * duplicate, not a conflict.
 */
typedef struct pp_commit_opts {
	const char      *producer;     /* key: 1..PP_PRODUCER_MAX bytes of
	                                * visible ASCII (0x21-0x7e) */
	uint64_t         producer_seq; /* >= 1 when producer is set */
	const pp_expect *expects;      /* nexpects conditions */
	size_t           nexpects;     /* at most 64 */
} pp_commit_opts;

/*
 * pp_commit_with - pp_commit() with options: a producer key and sequence
 *   (idempotent producer) and expected topic positions (conditional
 *   append).
 * records, count, ids: as pp_commit(). opts: in, may be NULL (then this
 *   is pp_commit()).
 * Returns 0, or the errors of pp_commit(), and:
 *   PP_EDUPLICATE: the key's last applied sequence is producer_seq or
 *     higher; nothing was changed (treat it as "already committed");
 *   PP_ECONFLICT: a topic was not at its expected next_seq (the message
 *     names the topic, the expected and the actual sequence); nothing was
 *     changed;
 *   PP_EINVAL: a bad key (empty, too long, not visible ASCII), a
 *     producer_seq of 0, more than 64 expects, or an expects array that
 *     is NULL; PP_EINVALID_TOPIC: a bad topic in expects.
 * The library copies the records and options. On error `ids` is
 * unchanged. Thread-safe; blocks as pp_commit().
 */
PP_API int pp_commit_with(pp_client *client, const pp_record *records,
    size_t count, const pp_commit_opts *opts, pp_id *ids);

/*
 * pp_commit_with_async - pp_commit_async() with the options of
 * pp_commit_with(); cb gets PP_EDUPLICATE and PP_ECONFLICT as statuses.
 * Returns as pp_commit_async(), plus the option errors of
 * pp_commit_with(). The library copies records and options before
 * returning. Thread-safe; blocks only while the queue is full.
 */
PP_API int pp_commit_with_async(pp_client *client, const pp_record *records,
    size_t count, const pp_commit_opts *opts, pp_commit_cb cb, void *arg);

/*
 * Completion of pp_commit_async_many(): status[i] is 0 when records[i]
 * was committed, with its id in ids[i], or the PP_E* code it failed with
 * (ids[i] is then {0, 0}). Both arrays hold `count` entries and are valid
 * only during the call.
 */
typedef void (*pp_commit_many_cb)(
    void *arg, const int *status, const pp_id *ids, size_t count);

/*
 * pp_commit_async_many - queue `count` independent one-log commits with
 *   one call and one completion.
 * records: in, `count` logs; each is committed as if by its own
 *   pp_commit_async(client, &records[i], 1, ...), in array order: each is
 *   atomic on its own and fails alone (a failing log does not hold back
 *   the others), and they are coalesced with other queued commits into
 *   few requests. cb: in, called exactly once, on a library thread, after
 *   the last of them is answered, with every log's status and id (see
 *   pp_commit_many_cb). arg: passed to cb.
 * What it saves over `count` pp_commit_async() calls: one allocation and
 * one lock for the whole array, and one callback instead of `count`.
 * Completions keep call order with the client's other asynchronous
 * commits; pp_flush() waits for this one too.
 * Returns 0 when queued (cb will be called), or an error and cb is never
 * called: every record is checked first, and one bad record refuses the
 * whole call with PP_EINVALID_TOPIC, PP_ETOOBIG or PP_EINVAL (the client's
 * message names its index); PP_EEMPTY (count is 0), PP_EINVAL (records or
 * cb is NULL), PP_ENOMEM, PP_ECLOSED (after pp_shutdown), PP_ENOTCONN.
 * Statuses in cb are those of pp_commit_async()'s callback (PP_ESTORE_FULL,
 * PP_ETIMEDOUT, PP_ECLOSED, ...).
 * The library copies the records before returning.
 * Thread-safe; blocks only while the client's queue is full (64 MiB).
 */
PP_API int pp_commit_async_many(pp_client *client, const pp_record *records,
    size_t count, pp_commit_many_cb cb, void *arg);

/* What the node remembers of a producer key (pp_producer()). */
typedef struct pp_producer_info {
	uint64_t last_seq;   /* highest sequence applied; 0: none (never
	                      * seen, or forgotten after the dedupe window) */
	uint64_t updated_ms; /* when it was applied; 0 when last_seq is 0 */
} pp_producer_info;

/*
 * pp_producer - what the node remembers of producer key `key`.
 * info: out.
 * Returns 0 (also for an unknown key: last_seq 0), or PP_EINVAL (a bad
 * key, info NULL), PP_ETIMEDOUT, PP_ECLOSED, PP_ENOTCONN.
 * On error *info is unchanged. Thread-safe; blocks for one round trip.
 */
PP_API int pp_producer(pp_client *client, const char *key,
    pp_producer_info *info);

/* ------------------------------------------------------------------------
 * Reads: range, revrange, length, stat, topics
 * ------------------------------------------------------------------------ */

/* A log returned by a read: a view into a pp_result. */
typedef struct pp_log {
	pp_id       id;
	const void *body;
	size_t      len;
} pp_log;

/*
 * Options of pp_range() and pp_revrange(). NULL means all defaults.
 * Bounds are id expressions: "T-S" (a full id, a point in id order),
 * "T" (the whole millisecond T) or ":S" (sequence S). NULL or "" leaves
 * that side open.
 */
typedef struct pp_range_opts {
	/* range: lower bound; revrange: upper bound (start >= end). */
	const char *start;
	/* range: upper bound; revrange: lower bound. */
	const char *end;
	/* Most logs to return. 0: no limit (the result is still cut into
	 * pages; see pp_result_has_more()). */
	size_t limit;
	/* Exclude the bounds themselves: the named log for "T-S" and ":S",
	 * the whole millisecond for "T". */
	bool is_exclusive;
} pp_range_opts;

typedef struct pp_result pp_result;

/*
 * pp_range - read logs of a topic in ascending id order.
 * topic: in. opts: in, may be NULL. result: out.
 * Returns at most `limit` logs, and never more than one page (about
 * 2 MiB of bodies); pp_result_has_more() tells whether the page cut the
 * result short; continue with start ":S+1" (range) or ":S-1" (revrange)
 * after the last log's sequence S, or use pp_iter_open(). An empty range
 * is an empty result, not an error.
 * To walk a whole topic without holding it in memory, use pp_iter_open().
 * Returns 0, or PP_EINVALID_TOPIC, PP_ENOTOPIC, PP_EINVALID_ID,
 * PP_ETIMEDOUT, PP_ECLOSED, PP_ENOTCONN, PP_ENOMEM.
 * On success *result belongs to the caller; free it with pp_result_free().
 * On error *result is unchanged.
 * Thread-safe; blocks for one round trip.
 */
PP_API int pp_range(pp_client *client, const char *topic,
    const pp_range_opts *opts, pp_result **result);

/*
 * pp_revrange - as pp_range(), in descending id order; `start` is the
 * upper bound and `end` the lower one. With a limit of 1 and no bounds it
 * returns the newest log.
 */
PP_API int pp_revrange(pp_client *client, const char *topic,
    const pp_range_opts *opts, pp_result **result);

/* pp_result_count - number of logs in the result. Never blocks. */
PP_API size_t pp_result_count(const pp_result *result);

/*
 * pp_result_log - the i-th log (0-based), or NULL when i is out of range.
 * The log and its body are valid until pp_result_free(result).
 */
PP_API const pp_log *pp_result_log(const pp_result *result, size_t i);

/*
 * pp_result_has_more - true when the node stopped at its page size before
 * reaching the bound or the limit: more logs follow the last one.
 */
PP_API bool pp_result_has_more(const pp_result *result);

/* pp_result_free - free a result and every log in it. Accepts NULL. */
PP_API void pp_result_free(pp_result *result);

typedef struct pp_iter pp_iter;

/*
 * pp_iter_open - start walking a range page by page.
 * topic, opts: as pp_range() (limit bounds the whole walk). is_reverse:
 *   walk as pp_revrange(). iter: out.
 * Nothing is sent until the first pp_iter_next(). Bad arguments are
 * reported here: PP_EINVALID_TOPIC, PP_EINVALID_ID, PP_EINVAL, PP_ENOMEM.
 * On success *iter belongs to the caller; free it with pp_iter_close().
 * The library copies topic and opts. Never blocks.
 */
PP_API int pp_iter_open(pp_client *client, const char *topic,
    const pp_range_opts *opts, bool is_reverse, pp_iter **iter);

/*
 * pp_iter_next - the next log of the walk.
 * log: out, valid until the next pp_iter_next() or pp_iter_close().
 * Returns 1 with *log set, 0 at the end, or an error as pp_range(); after
 * an error the same call may be retried and the walk resumes where it
 * stopped. Logs committed during the walk are included when they fall
 * inside the bounds. Blocks for a round trip once per page.
 */
PP_API int pp_iter_next(pp_iter *iter, const pp_log **log);

/* pp_iter_close - free an iterator. Accepts NULL. */
PP_API void pp_iter_close(pp_iter *iter);

/*
 * pp_length - the number of logs currently stored in a topic.
 * count: out.
 * Returns 0, or PP_EINVALID_TOPIC, PP_ENOTOPIC, PP_ETIMEDOUT, PP_ECLOSED,
 * PP_ENOTCONN. Thread-safe; blocks for one round trip.
 */
PP_API int pp_length(pp_client *client, const char *topic, uint64_t *count);

/* Statistics of one topic. Fields are only ever appended. */
typedef struct pp_topic_info {
	const char *name;       /* valid as long as what returned it */
	uint64_t    count;      /* logs stored now */
	uint64_t    bytes;      /* body bytes stored now */
	pp_id       first;      /* oldest stored log; valid if count > 0 */
	pp_id       last;       /* newest stored log; valid if count > 0 */
	uint64_t    next_seq;   /* sequence the next log will get */
	uint64_t    created_ms; /* time of the first commit */
} pp_topic_info;

/*
 * pp_topic_stat - statistics of one topic.
 * topic: in. info: out; info->name points to `topic`.
 * Returns 0, or PP_EINVALID_TOPIC, PP_ENOTOPIC, PP_ETIMEDOUT, PP_ECLOSED,
 * PP_ENOTCONN. On error *info is unchanged.
 * Thread-safe; blocks for one round trip.
 */
PP_API int pp_topic_stat(
    pp_client *client, const char *topic, pp_topic_info *info);

typedef struct pp_topic_list pp_topic_list;

/*
 * pp_topics - every topic with its statistics, in name order.
 * list: out.
 * Returns 0, or PP_ETIMEDOUT, PP_ECLOSED, PP_ENOTCONN, PP_ENOMEM.
 * On success *list belongs to the caller; free it with
 * pp_topic_list_free(). On error *list is unchanged.
 * Thread-safe; blocks for one round trip per 1,000 topics.
 */
PP_API int pp_topics(pp_client *client, pp_topic_list **list);

/* pp_topic_list_count - number of topics in the list. */
PP_API size_t pp_topic_list_count(const pp_topic_list *list);

/*
 * pp_topic_list_get - the i-th topic, or NULL when out of range. Valid
 * until pp_topic_list_free(list).
 */
PP_API const pp_topic_info *pp_topic_list_get(
    const pp_topic_list *list, size_t i);

/* pp_topic_list_free - free a topic list. Accepts NULL. */
PP_API void pp_topic_list_free(pp_topic_list *list);

/*
 * pp_backup - write a compacted, consistent copy of the node's store into
 * the directory `dir` on the node's host (LMDB's own copy: a snapshot of
 * one moment, taken while the node keeps serving). A node started with
 * --data on that directory serves the same logs and procs.
 * dir: in, a path as the node sees it; it must not exist yet, or be an
 * empty directory.
 * Returns 0, or PP_EEXIST (dir holds files), PP_EINVAL, PP_EPERM, PP_EIO,
 * PP_ESTORE_FULL, PP_ESTORE, PP_ETIMEDOUT, PP_ECLOSED, PP_ENOTCONN.
 * Thread-safe; blocks until the copy is complete (the request timeout
 * applies).
 */
PP_API int pp_backup(pp_client *client, const char *dir);

/*
 * pp_topic_config - set a topic's retention limits: logs older than
 * max_age_ms, beyond the newest max_count, or beyond max_bytes of bodies
 * are removed from the front, whether procs have read them or not. A
 * proc that loses unread logs this way shows how many in
 * pp_proc_info.lost. 0 means no limit. Enforced by the node about once a
 * second (or at the GC interval), in small transactions.
 * Returns 0, or PP_EINVALID_TOPIC, PP_ENOTOPIC, PP_ETIMEDOUT,
 * PP_ECLOSED, PP_ENOTCONN. The limits are persisted.
 * Thread-safe; blocks for one round trip and one sync.
 */
PP_API int pp_topic_config(pp_client *client, const char *topic,
    uint64_t max_age_ms, uint64_t max_count, uint64_t max_bytes);

/*
 * pp_topic_delete - delete a topic and its logs. The topic is gone at
 * once (reads get PP_ENOTOPIC, a new commit starts it afresh at sequence
 * 0); its logs are removed in the background in small transactions.
 * is_force: also destroy the procs that read it; without it a topic that
 * procs read is refused with PP_ETOPIC_IN_USE.
 * Returns 0, or PP_EINVALID_TOPIC, PP_ENOTOPIC, PP_ETOPIC_IN_USE,
 * PP_ETIMEDOUT, PP_ECLOSED, PP_ENOTCONN. Durable when it returns.
 * Thread-safe; blocks for one round trip and one sync.
 */
PP_API int pp_topic_delete(pp_client *client, const char *topic, bool is_force);

/* ------------------------------------------------------------------------
 * Procs: durable, named consumers of a topic
 * ------------------------------------------------------------------------ */

/*
 * What happens on the reclaim that reaches max_reclaims, the M-th in a
 * row for max_reclaims M (the reclaim itself succeeds and its logs are
 * released in every case).
 */
enum pp_on_max_reclaims {
	PP_ON_MAX_DISABLE = 0, /* the proc is disabled; resume hands the same
	                        * logs out again */
	PP_ON_MAX_CONTINUE,    /* nothing: the logs are claimed again */
	PP_ON_MAX_DEADLETTER   /* the claimed logs go to "<topic>.dead" and
	                        * the cursor moves past them, in one
	                        * transaction; each dead letter's body is a
	                        * msgpack map {proc, topic, id: [ms, seq],
	                        * attempts, error, body (bin)}. A topic whose
	                        * name is too long for ".dead" is disabled. */
};

/*
 * Options of a proc. Zero means default (NULL options, {0} and
 * PP_PROC_OPTS_INIT all mean the defaults). They are persisted when the
 * proc is created. A later pp_proc() on the proc uses the stored options
 * for every option it does not give, and an option it gives with another
 * value than the stored one is PP_EPROC_EXISTS, never silently ignored.
 * Which options are given: with `given` 0, those that are neither 0 nor
 * their default; otherwise exactly those whose PP_PROC_GIVEN_* bit is
 * set (their values taken as they are, 0 included; the others are their
 * defaults). Fields are only ever appended.
 */
typedef struct pp_proc_opts {
	/* Where a new proc starts: ">" the first stored log; "$>" only logs
	 * committed after its creation; "T-S" or ":S" after that log; "T"
	 * at the first log of millisecond T. NULL means ">". An offset
	 * beyond the end waits for logs, it is not an error. */
	const char *offset;
	/* Logs per claim, 1 to 100,000. Default 1. */
	uint32_t count;
	/* With max_reclaims M, the M-th reclaim in a row without an ack
	 * (pp_reclaim, the timeout, a failure of a systemProc's plugin or
	 * worker) applies on_max_reclaims, as PipeProc's reclaims >=
	 * maxReclaims: 1 applies it at the first reclaim (as does a given
	 * 0); -1: never. Default 10. */
	int32_t max_reclaims;
	/* A claim not acked after this many ms is reclaimed by the node's
	 * timer, even if no client calls. -1 means never; a given 0 is
	 * invalid. Default 10000. */
	int64_t reclaim_timeout_ms;
	enum pp_on_max_reclaims on_max_reclaims;
	/* PP_PROC_GIVEN_* bits: the options given explicitly, e.g. to
	 * insist on a default value (the CLI sets the bits of the options
	 * on its command line). 0: decided by value, as above. */
	uint32_t given;
} pp_proc_opts;

#define PP_PROC_OPTS_INIT { NULL, 1, 10, 10000, PP_ON_MAX_DISABLE, 0 }

/* Bits of pp_proc_opts.given. */
#define PP_PROC_GIVEN_OFFSET          0x01u
#define PP_PROC_GIVEN_COUNT           0x02u
#define PP_PROC_GIVEN_MAX_RECLAIMS    0x04u
#define PP_PROC_GIVEN_RECLAIM_TIMEOUT 0x08u
#define PP_PROC_GIVEN_ON_MAX          0x10u
#define PP_PROC_GIVEN_ALL             0x1fu

/* A claim: the logs handed to one consumer, and the token that acks it. */
typedef struct pp_claim pp_claim;

/*
 * pp_proc - create the proc `name` on `topic` if needed, then claim up to
 * its count of logs after its cursor.
 * topic, name: in; a name is 1 to 200 characters of [A-Za-z0-9_.-].
 * opts: in, may be NULL: a new proc gets the defaults, an existing one
 * keeps its stored options (see pp_proc_opts for which options a call
 * gives; another topic or a given option that differs from the stored
 * one is PP_EPROC_EXISTS). wait_ms: 0 returns at once;
 * > 0 waits up to that long for logs (woken by the commit itself);
 * -1 waits forever (the request timeout then does not apply). claim:
 * out. A claim released by the node's timer, an ack or a resume also
 * wakes a waiting call.
 * A claim with no logs means nothing was available (not an error). While
 * a claim is outstanding the proc hands out nothing else.
 * Returns 0, or PP_EINVALID_TOPIC, PP_EINVALID_NAME, PP_EINVALID_OPTION,
 * PP_EINVALID_ID (a bad offset; nothing is created), PP_EPROC_EXISTS,
 * PP_EPROC_DISABLED, PP_ETIMEDOUT, PP_ECLOSED, PP_ENOTCONN, PP_ENOMEM.
 * On success *claim belongs to the caller; free it with pp_claim_free().
 * On error *claim is unchanged. Thread-safe; blocks up to wait_ms plus a
 * round trip.
 */
PP_API int pp_proc(pp_client *client, const char *topic, const char *name,
    const pp_proc_opts *opts, int wait_ms, pp_claim **claim);

/*
 * pp_ack_proc - pp_ack(name, token) then pp_proc() in one round trip:
 * the ack is durable before the next claim is made. On an ack error
 * nothing is claimed.
 * Returns 0 or the errors of pp_ack() and pp_proc(). Ownership, threads
 * and blocking as pp_proc() (plus the ack's sync).
 */
PP_API int pp_ack_proc(pp_client *client, const char *topic, const char *name,
    uint64_t token, const pp_proc_opts *opts, int wait_ms, pp_claim **claim);

/* pp_claim_count - logs in the claim (0: nothing was available). */
PP_API size_t pp_claim_count(const pp_claim *claim);
/* pp_claim_log - the i-th log, or NULL; valid until pp_claim_free(). */
PP_API const pp_log *pp_claim_log(const pp_claim *claim, size_t i);
/* pp_claim_token - the token to pass to pp_ack(), pp_ack_commit() and
 * pp_reclaim(); 0 for a claim without logs. */
PP_API uint64_t pp_claim_token(const pp_claim *claim);
/* pp_claim_free - free a claim object (the claim itself stays with the
 * proc until acked or reclaimed). Accepts NULL. */
PP_API void pp_claim_free(pp_claim *claim);

/*
 * pp_ack - move the proc's cursor past its outstanding claim.
 * token: the claim's token, or 0 to ack whatever claim is outstanding.
 * acked: out, may be NULL; the last acked id.
 * Returns 0, or PP_ENOPROC, PP_ENOTHING_TO_ACK (no claim: nothing
 * changes), PP_ESTALE_CLAIM (the token is not the current claim's),
 * PP_ETIMEDOUT, PP_ECLOSED, PP_ENOTCONN. Durable once it returns 0.
 * Thread-safe; blocks for one round trip and one sync.
 */
PP_API int pp_ack(
    pp_client *client, const char *name, uint64_t token, pp_id *acked);

/*
 * pp_ack_commit - pp_ack() and pp_commit() in one transaction: both
 * happen or neither does.
 * records, count, ids: as pp_commit() (count >= 1).
 * Returns 0 or the errors of pp_ack() and pp_commit().
 * The library copies the records. Thread-safe; blocks as pp_ack().
 */
PP_API int pp_ack_commit(pp_client *client, const char *name,
    uint64_t token, const pp_record *records, size_t count, pp_id *ids);

/*
 * pp_reclaim - give the outstanding claim back: the same logs are handed
 * out again, and the proc's reclaim count grows (see max_reclaims).
 * token: as pp_ack(). error: in, may be NULL; kept for pp_proc_inspect().
 * Returns 0, or PP_ENOPROC, PP_EPROC_DISABLED, PP_ENOTHING_TO_RECLAIM,
 * PP_ESTALE_CLAIM, PP_ETIMEDOUT, PP_ECLOSED, PP_ENOTCONN.
 * Thread-safe; blocks for one round trip and one sync.
 */
PP_API int pp_reclaim(
    pp_client *client, const char *name, uint64_t token, const char *error);

/*
 * pp_available_proc - claim from whichever of the procs `names` has logs
 * (the call workers use). The procs are tried in turn, starting after the
 * one this node served last (round robin), and the first that has logs
 * is claimed. They must exist: create them with pp_proc().
 * names, count: in, 1 to 64 names. wait_ms: as pp_proc(). index: out,
 * which name the claim is from (set when it has logs). claim: out.
 * Returns as pp_proc(), and PP_ENOPROC when a name is unknown.
 * On success *claim belongs to the caller; free it with pp_claim_free().
 * Thread-safe; blocks as pp_proc().
 */
PP_API int pp_available_proc(pp_client *client, const char *const *names,
    size_t count, int wait_ms, size_t *index, pp_claim **claim);

/*
 * pp_wait_for_procs - wait until procs have nothing left to do: no
 * outstanding claim, and the cursor at the end of the topic (a proc that
 * never acked but has nothing to read counts as done; PEER §14).
 * names, count: in; NULL and 0 mean every active proc. Disabled procs are
 * not waited for: they cannot move. timeout_ms: -1 waits forever.
 * Returns 0 when all are done, PP_ETIMEDOUT when the time ran out first,
 * PP_ENOPROC for an unknown name, PP_EINVALID_NAME, PP_ECLOSED,
 * PP_ENOTCONN. Woken by the acks themselves, not by polling.
 * Thread-safe; blocks up to timeout_ms.
 */
PP_API int pp_wait_for_procs(pp_client *client, const char *const *names,
    size_t count, int timeout_ms);

/* A proc's state, as pp_proc_inspect() and pp_procs() report it. */
typedef struct pp_proc_info {
	const char  *name;  /* valid as long as what returned it */
	const char  *topic;
	const char  *offset;
	const char  *last_error; /* "" when none */
	pp_proc_opts opts;       /* opts.offset == offset */
	bool         is_disabled;
	bool         has_claim;
	pp_id        claim_first; /* these four: when has_claim */
	pp_id        claim_last;
	uint64_t     claim_token;
	uint64_t     claim_deadline_ms; /* 0: never */
	uint64_t     next_seq;    /* the cursor: first sequence not acked */
	uint32_t     reclaims;    /* in a row, since the last ack */
	uint64_t     created_ms;
	uint64_t     last_claimed_ms; /* 0: never */
	uint64_t     last_acked_ms;   /* 0: never */
	uint64_t     lag;             /* logs stored from the cursor on */
	uint64_t     oldest_unacked_ms; /* id ms of the first unacked log;
	                                 * 0 when there is none */
	uint64_t     lost; /* logs removed by topic retention before this
	                    * proc acked them (pp_topic_config) */
	const char  *system_proc; /* the systemProc it belongs to, or "" */
	const char  *plugin;      /* ... and that systemProc's plugin */
	/* The range of the last ack (PipeProc's lastAckedRange): its first
	 * and last ids; last_acked_last is the log before the cursor. Kept
	 * across restarts and after its logs are collected. A dead-lettered
	 * claim counts as acked. False until the first ack (and for procs
	 * whose last ack was stored by a node older than these fields). */
	bool         has_last_acked;
	pp_id        last_acked_first;
	pp_id        last_acked_last;
	/* The claim handed out before the latest one (PipeProc's
	 * previousClaimedRange), whether that one was acked or reclaimed;
	 * false until the proc's second claim. */
	bool         has_prev_claim;
	pp_id        prev_claim_first;
	pp_id        prev_claim_last;
} pp_proc_info;

typedef struct pp_proc_list pp_proc_list;

/*
 * pp_proc_inspect, pp_proc_disable, pp_proc_resume, pp_proc_destroy -
 * read, disable, resume (resetting reclaims) or destroy the proc `name`;
 * each returns the proc's state after the call (destroy: before it) in a
 * one-element list.
 * list: out, may be NULL.
 * Returns 0, or PP_ENOPROC, PP_EPROC_ALREADY_DISABLED (disable),
 * PP_EPROC_ALREADY_ACTIVE (resume), PP_ETIMEDOUT, PP_ECLOSED, PP_ENOTCONN.
 * A disabled proc keeps its outstanding claim; destroy removes exactly
 * this proc's records. On success *list belongs to the caller; free it
 * with pp_proc_list_free(). Thread-safe; blocks for one round trip.
 */
PP_API int pp_proc_inspect(
    pp_client *client, const char *name, pp_proc_list **list);
PP_API int pp_proc_disable(
    pp_client *client, const char *name, pp_proc_list **list);
PP_API int pp_proc_resume(
    pp_client *client, const char *name, pp_proc_list **list);
PP_API int pp_proc_destroy(
    pp_client *client, const char *name, pp_proc_list **list);

/*
 * pp_procs - every proc with its state and lag, in name order. Sources
 * are not procs: pp_sources() lists them with their lag.
 * Returns 0, or PP_ETIMEDOUT, PP_ECLOSED, PP_ENOTCONN, PP_ENOMEM.
 * On success *list belongs to the caller; free it with
 * pp_proc_list_free(). Thread-safe; blocks for one round trip.
 */
PP_API int pp_procs(pp_client *client, pp_proc_list **list);

/* pp_proc_list_count, pp_proc_list_get, pp_proc_list_free - as topics. */
PP_API size_t pp_proc_list_count(const pp_proc_list *list);
PP_API const pp_proc_info *pp_proc_list_get(
    const pp_proc_list *list, size_t i);
PP_API void pp_proc_list_free(pp_proc_list *list);

/* ------------------------------------------------------------------------
 * systemProcs: procs whose logs a plugin processes in the node's workers
 * ------------------------------------------------------------------------ */

/* What a systemProc is made of; see pp_system_proc(). */
typedef struct pp_system_proc_opts {
	const char *const *from; /* 1 to 16 topics to read */
	size_t             nfrom;
	const char *const *to; /* 0 to 16 topics the plugin's output goes to */
	size_t             nto;
	/* The plugin (pipeproc_plugin(7)): a path to a shared object,
	 * made absolute against the caller's working directory. */
	const char *plugin;
	/* Passed to the plugin's init(); NULL means "". At most 4096
	 * bytes. */
	const char *config;
	/* The options of every proc (offset, count, reclaims...); zero
	 * and options not given (pp_proc_opts.given) are defaults, and
	 * every option is compared with an existing systemProc's. */
	pp_proc_opts proc;
} pp_system_proc_opts;

/*
 * pp_system_proc - create the systemProc `name`: one proc per `from`
 * topic (named `name` when there is one, `name__TOPIC` for each when
 * there are several), run by the node's workers with the plugin. A
 * successful run of the plugin acks the claim and commits its output in
 * one transaction; a failure or a crash of the worker reclaims it.
 * Every option is persisted and survives restarts. Creating a systemProc
 * identical to an existing one returns the existing one; a different
 * one with the same name is PP_EPROC_EXISTS.
 * name: 1 to 200 characters of [A-Za-z0-9_.-]; opts: in. procs: out,
 * may be NULL; the state of its procs, in `from` order.
 * The plugin is loaded and checked in a separate process before
 * anything is created: a missing file, a missing descriptor, another ABI
 * version or a failing init() is PP_EPLUGIN with the reason.
 * Returns 0, or PP_EINVALID_NAME, PP_EINVALID_TOPIC, PP_EINVALID_OPTION,
 * PP_EINVALID_ID, PP_EINVAL, PP_EPLUGIN, PP_EPROC_EXISTS, PP_ETIMEDOUT,
 * PP_ECLOSED, PP_ENOTCONN, PP_ENOMEM. On success *procs belongs to the
 * caller; free it with pp_proc_list_free(). Thread-safe; blocks for one
 * round trip, the plugin check and one sync.
 */
PP_API int pp_system_proc(pp_client *client, const char *name,
    const pp_system_proc_opts *opts, pp_proc_list **procs);

/*
 * pp_system_proc_destroy - remove the systemProc `name` and its procs
 * (claims in flight in workers are dropped: their acks fail).
 * Returns 0, or PP_EINVALID_NAME, PP_ENOSYSPROC, PP_ETIMEDOUT,
 * PP_ECLOSED, PP_ENOTCONN. Thread-safe; blocks for one round trip and
 * one sync.
 */
PP_API int pp_system_proc_destroy(pp_client *client, const char *name);

/* ------------------------------------------------------------------------
 * Sources: a plugin in the node's workers that brings logs in from
 * outside (NATS JetStream, the `jetstream` plugin: pipeproc-jetstream(7))
 * ------------------------------------------------------------------------ */

/* What a source is made of; see pp_source(). Fields are only appended. */
typedef struct pp_source_opts {
	const char *const *to; /* 1 to 16 topics its logs go to */
	size_t             nto;
	/* The plugin, with a source() entry point (pipeproc_plugin(7)): a
	 * path to a shared object, made absolute against the caller's
	 * working directory. */
	const char *plugin;
	/* Passed to the plugin's init; NULL means "". At most 4096 bytes. */
	const char *config;
} pp_source_opts;

/*
 * pp_source - create the source `name`: every worker of the node runs
 * the plugin's source() over and over; it commits what it brings in to
 * the `to` topics as an idempotent producer, so a source that is run
 * twice, or again after a crash, commits each outside message once.
 * Persisted, survives restarts. Sources and systemProcs share one
 * namespace: creating an identical source again succeeds, a different
 * one (or a systemProc) with that name is PP_EPROC_EXISTS.
 * name: 1 to 200 characters of [A-Za-z0-9_.-]; opts: in.
 * The plugin is loaded, checked and init'd (as a source) in a separate
 * process before anything is created: a missing file, another ABI, no
 * source() or a failing init is PP_EPLUGIN with the reason.
 * Returns 0, or PP_EINVALID_NAME, PP_EINVALID_TOPIC, PP_EINVALID_OPTION,
 * PP_EINVAL, PP_EPLUGIN, PP_EPROC_EXISTS, PP_ETIMEDOUT, PP_ECLOSED,
 * PP_ENOTCONN, PP_ENOMEM. Thread-safe; blocks for one round trip, the
 * plugin check and one sync.
 */
PP_API int pp_source(pp_client *client, const char *name,
    const pp_source_opts *opts);

/*
 * pp_source_destroy - remove the source `name`; workers stop running it
 * after their current round. Returns 0, or PP_EINVALID_NAME,
 * PP_ENOSYSPROC (no source or systemProc of that name), PP_ETIMEDOUT,
 * PP_ECLOSED, PP_ENOTCONN. Thread-safe; blocks for one round trip and
 * one sync.
 */
PP_API int pp_source_destroy(pp_client *client, const char *name);

/*
 * A source and how far it is behind what it reads: pp_sources() and
 * pp_stats(). The plugin tells the node, while it runs, the newest
 * sequence upstream (for the `jetstream` plugin: the stream sequence of
 * the newest message its consumer can get) and the producer key it
 * commits as; the node compares that, when asked, with the last
 * sequence its producer table applied for the key. The reports live in
 * the node's memory only: until a source's first report since the node
 * started (or since the source was created) has_report is false and the
 * lag is unknown, not 0. A running jetstream source reports after every
 * batch and, when idle, about once a second; report_age_ms tells how
 * fresh the figure is (a stuck worker stops reporting). Fields are only
 * appended.
 */
typedef struct pp_source_info {
	const char *name;     /* valid as long as what returned it */
	const char *topic;    /* its first `to` topic */
	const char *plugin;
	const char *producer; /* the key it commits as; "" before a report */
	bool        has_report;   /* false: upstream_seq and lag unknown */
	uint64_t    upstream_seq; /* the newest sequence upstream, reported */
	uint64_t    stored_seq;   /* the producer key's last applied
	                           * sequence (pp_producer(); after the node
	                           * forgot an idle key, the last one it saw);
	                           * 0 before a report */
	uint64_t    lag;          /* upstream_seq - stored_seq, never below
	                           * 0; 0 when !has_report */
	uint64_t    reported_ms;   /* the node's clock at the last report */
	uint64_t    report_age_ms; /* how long ago that was */
} pp_source_info;

typedef struct pp_source_list pp_source_list;

/*
 * pp_sources - every source with its lag, in name order.
 * list: out.
 * Returns 0, or PP_EINVAL (list is NULL), PP_EPROTO (a node older than
 * source reports), PP_ETIMEDOUT, PP_ECLOSED, PP_ENOTCONN, PP_ENOMEM.
 * On success *list belongs to the caller; free it with
 * pp_source_list_free(). On error *list is unchanged. Thread-safe;
 * blocks for one round trip per 500 sources.
 */
PP_API int pp_sources(pp_client *client, pp_source_list **list);

/* pp_source_list_count, pp_source_list_get, pp_source_list_free - as
 * procs: get returns NULL when i is out of range, and what it returns is
 * valid until pp_source_list_free(), which accepts NULL. */
PP_API size_t pp_source_list_count(const pp_source_list *list);
PP_API const pp_source_info *pp_source_list_get(
    const pp_source_list *list, size_t i);
PP_API void pp_source_list_free(pp_source_list *list);

/* ------------------------------------------------------------------------
 * liveProcs: a callback in this process fed by a blocking claim
 * ------------------------------------------------------------------------ */

/* A running liveProc (the handle pp_live_proc() returns). */
typedef struct pp_live pp_live;

/* Where a liveProc starts. */
enum pp_live_mode {
	PP_LIVE_NEW = 0, /* only logs committed after its creation ("live") */
	PP_LIVE_ALL      /* from the first stored log ("all") */
};

/*
 * A liveProc callback: called in the liveProc's own thread with each
 * claim (at least one log). Inside it, pp_live_ack(),
 * pp_live_ack_commit() or pp_live_reclaim() settle the claim; if it
 * returns without settling, 0 acks and any other value reclaims (with
 * the error text "liveProc callback returned N"). After a reclaim the
 * liveProc pauses before claiming again, 50 ms doubling to 2 s until
 * the next ack. The claim is valid until the callback returns.
 * status is 0, or the error of a failed claim (claim NULL; the liveProc
 * retries with the same backoff; the return value is then ignored).
 * After PP_ENOPROC (the proc was destroyed elsewhere) or PP_ECLOSED
 * (pp_shutdown() on the client) it stops instead of retrying.
 * The callback may call pp_live_proc_cancel() on its own liveProc, not
 * pp_live_proc_free().
 */
typedef int (*pp_live_fn)(
    pp_live *live, const pp_claim *claim, int status, void *arg);

/* Options of pp_live_proc(); zero means the default. */
typedef struct pp_live_opts {
	enum pp_live_mode mode;
	uint32_t          count;              /* logs per claim; 0: 1 */
	int32_t           max_reclaims;       /* 0: 10; -1: never */
	int64_t           reclaim_timeout_ms; /* 0: 10000; -1: never */
} pp_live_opts;

/*
 * pp_live_proc - create a proc on `topic` (named liveproc-<32 random hex
 * digits>, offset "$>" or ">" by mode, on_max_reclaims continue) and a
 * thread that claims from it, blocking in the node until logs arrive
 * (woken by the commit itself, no polling), and calls fn for each claim.
 * The claim waits in the node for up to the client's request timeout at
 * a time, so a node that went away reaches fn as an error within about
 * twice that timeout.
 * opts: may be NULL. fn, arg: the callback and its last argument.
 * live: out.
 * Returns 0, or the errors of pp_proc() (PP_EINVALID_OPTION also for a
 * mode that is not a pp_live_mode), PP_EINVAL (fn or live NULL),
 * PP_ENOMEM; on error nothing is created and fn is never called.
 * On success *live belongs to the caller: pp_live_proc_free() it. The
 * client must outlive it (free liveProcs before pp_close()).
 * Thread-safe; blocks for one round trip (creating the proc).
 */
PP_API int pp_live_proc(pp_client *client, const char *topic,
    const pp_live_opts *opts, pp_live_fn fn, void *arg, pp_live **live);

/* pp_live_proc_name - the name of its proc (for pp_proc_inspect()). */
PP_API const char *pp_live_proc_name(const pp_live *live);

/*
 * pp_live_ack, pp_live_ack_commit, pp_live_reclaim - settle the claim
 * being handled, from inside the callback; as pp_ack(), pp_ack_commit()
 * and pp_reclaim() with its token. Outside a callback (also from
 * another thread while it runs), or a second time for one claim:
 * PP_ENOTHING_TO_ACK / PP_ENOTHING_TO_RECLAIM. A call that fails leaves
 * the claim unsettled, so the callback's return value still decides.
 * Block for one round trip and one sync.
 */
PP_API int pp_live_ack(pp_live *live);
PP_API int pp_live_ack_commit(pp_live *live, const pp_record *records,
    size_t count, pp_id *ids);
PP_API int pp_live_reclaim(pp_live *live, const char *error);

/*
 * pp_live_proc_cancel - stop the thread and destroy the proc. A callback
 * that is running finishes first and settles its claim as usual; a
 * claim that arrived but was not handed to the callback is given back.
 * A claim waiting in the node is woken at once (the proc is disabled
 * first, then destroyed once the thread has stopped). May be called
 * twice (the second call returns 0) and from inside the callback: it
 * then returns 0 at once, the thread stops and destroys the proc after
 * the callback returns, and the next call from outside waits for that
 * and returns its result.
 * Returns 0, or the error of destroying the proc (the thread is stopped
 * in any case), PP_EINVAL (live NULL). Thread-safe; blocks while the
 * callback runs, plus two round trips.
 */
PP_API int pp_live_proc_cancel(pp_live *live);

/* pp_live_proc_free - cancel if needed, then free. Accepts NULL. Not
 * from inside the callback. */
PP_API void pp_live_proc_free(pp_live *live);

/* ------------------------------------------------------------------------
 * Dead letters: the logs a proc gave up on (PP_ON_MAX_DEADLETTER)
 * ------------------------------------------------------------------------ */

/*
 * A dead letter read back: the envelope the node commits to
 * "<topic>.dead" for each log a proc with on_max_reclaims
 * PP_ON_MAX_DEADLETTER gave up on. Every pointer points into the same
 * allocation as the struct; the strings are NUL-terminated.
 */
typedef struct pp_deadletter {
	const char *proc;     /* the proc that gave up */
	const char *topic;    /* the topic the log was committed to */
	pp_id       id;       /* its id there */
	uint32_t    attempts; /* the proc's reclaims in a row by then */
	const char *error;    /* the last reclaim's error, "" for none */
	const void *body;     /* the original body, len bytes */
	size_t      len;
} pp_deadletter;

/*
 * pp_deadletter_decode - decode the body of a log of a "<topic>.dead"
 * topic (a msgpack map {proc, topic, id: [ms, seq], attempts, error,
 * body (bin)}, pp_proc(3)).
 * data, len: in, the log's body. dl: out.
 * Returns 0, or PP_EINVAL (data or dl NULL), PP_EINVALID_BODY (not a
 * dead-letter envelope: a field is missing or of another type),
 * PP_ENOMEM.
 * The library copies what it needs from data. On success *dl belongs to
 * the caller; free it with pp_deadletter_free(). On error *dl is
 * unchanged. Never blocks; thread-safe.
 */
PP_API int pp_deadletter_decode(
    const void *data, size_t len, pp_deadletter **dl);

/* pp_deadletter_free - free what pp_deadletter_decode() returned.
 * Accepts NULL. */
PP_API void pp_deadletter_free(pp_deadletter *dl);

/* ------------------------------------------------------------------------
 * Metrics: what the node has done and how its store, topics and procs
 * stand (pipeproc-node(8) --metrics serves the same over HTTP)
 * ------------------------------------------------------------------------ */

/* Buckets a pp_histogram can hold, the last one included. */
#define PP_HISTOGRAM_MAX 24

/*
 * A histogram as Prometheus keeps one: counts[i] observations were at
 * most le[i] (cumulative). The last bucket has le UINT64_MAX (+Inf), so
 * counts[nbuckets - 1] == count.
 */
typedef struct pp_histogram {
	size_t   nbuckets;
	uint64_t le[PP_HISTOGRAM_MAX];
	uint64_t counts[PP_HISTOGRAM_MAX];
	uint64_t count; /* observations */
	uint64_t sum;   /* their sum, in the histogram's unit */
} pp_histogram;

/*
 * Node-wide figures. Counters count since the node started; rates are
 * averages over the last rate_window_ms (up to 10 s). Fields are only
 * ever appended.
 */
typedef struct pp_node_stats {
	uint64_t now_ms;         /* the node's clock when measured */
	uint64_t started_ms;     /* when the node started */
	uint64_t write_requests; /* requests applied by the writer */
	uint64_t commits;        /* commit and ack_commit calls applied */
	uint64_t logs;           /* logs appended (dead letters included) */
	uint64_t bytes;          /* body bytes appended */
	uint64_t reclaims;       /* claims given back: pp_reclaim(), the
	                          * timer, a worker's death */
	uint64_t timer_reclaims; /* ... of which by the reclaim timer */
	uint64_t dead_letters;   /* logs moved to "<topic>.dead" */
	uint64_t worker_restarts;
	uint64_t gc_runs;           /* collection runs (GC or retention) */
	uint64_t gc_collected;      /* logs they removed, retention included */
	uint64_t retention_dropped; /* ... of which over a retention limit */
	uint64_t rate_window_ms;
	double   commits_per_s;
	double   logs_per_s;
	double   bytes_per_s;
	pp_histogram group_sizes;   /* write requests per group commit */
	pp_histogram write_latency_us; /* commit request: queued to durable */
	uint64_t store_file_bytes;  /* size of DIR/data.mdb */
	uint64_t store_used_bytes;  /* pages up to LMDB's high-water mark */
	uint64_t map_bytes;         /* LMDB map size now (grows on demand) */
	uint64_t max_store_bytes;   /* --max-store-size; 0: none */
	uint64_t waiting_requests;  /* claims and waits parked in the node
	                             * until logs arrive, now */
	char     node_id[33];       /* the store's stable id: 32 lowercase
	                             * hex digits, made at store creation */
} pp_node_stats;

/* One topic in pp_stats(). Fields are only ever appended. */
typedef struct pp_topic_stats {
	const char *name;
	uint64_t    count;    /* logs stored now */
	uint64_t    bytes;    /* body bytes stored now */
	pp_id       first;    /* valid if count > 0 */
	pp_id       last;     /* valid if count > 0 */
	uint64_t    next_seq; /* logs ever appended to it */
	uint64_t    created_ms;
	uint64_t    max_age_ms; /* retention limits (pp_topic_config); 0 */
	uint64_t    max_count;  /* means none */
	uint64_t    max_bytes;
} pp_topic_stats;

/* One proc in pp_stats(). Fields are only ever appended. */
typedef struct pp_proc_stats {
	const char *name;
	const char *topic;
	bool        is_disabled;
	bool        has_claim;
	uint64_t    lag;               /* logs stored from its cursor on */
	uint64_t    oldest_unacked_ms; /* id ms of the first unacked log;
	                                * 0 when there is none */
	uint64_t    oldest_unacked_age_ms; /* now_ms minus that; 0: none */
	uint32_t    reclaims;              /* in a row, since the last ack */
	uint64_t    lost; /* removed by retention before it acked them */
	uint64_t    last_acked_ms; /* 0: never */
} pp_proc_stats;

typedef struct pp_stats_report pp_stats_report;

/*
 * pp_stats - the node's metrics: node-wide counters, rates, histograms
 * and store size, every topic, every proc and every source with its
 * lag (pp_source_info; none from a node older than source reports).
 * stats: out.
 * Returns 0, or PP_EINVAL (stats is NULL), PP_ETIMEDOUT, PP_ECLOSED,
 * PP_ENOTCONN, PP_ENOMEM.
 * On success *stats belongs to the caller; free it with pp_stats_free().
 * On error *stats is unchanged.
 * Thread-safe; blocks for one round trip, plus one per 1,000 topics and
 * per 500 procs and sources.
 */
PP_API int pp_stats(pp_client *client, pp_stats_report **stats);

/* pp_stats_node - the node-wide figures; valid until pp_stats_free(). */
PP_API const pp_node_stats *pp_stats_node(const pp_stats_report *stats);

/* pp_stats_topic_count - the number of topics (in name order). */
PP_API size_t pp_stats_topic_count(const pp_stats_report *stats);

/* pp_stats_topic - the i-th topic, or NULL when out of range; valid until
 * pp_stats_free(). */
PP_API const pp_topic_stats *pp_stats_topic(const pp_stats_report *stats, size_t i);

/* pp_stats_proc_count - the number of procs (in name order). */
PP_API size_t pp_stats_proc_count(const pp_stats_report *stats);

/* pp_stats_proc - the i-th proc, or NULL when out of range; valid until
 * pp_stats_free(). */
PP_API const pp_proc_stats *pp_stats_proc(const pp_stats_report *stats, size_t i);

/* pp_stats_source_count - the number of sources (in name order; 0 from
 * a node older than source reports). */
PP_API size_t pp_stats_source_count(const pp_stats_report *stats);

/* pp_stats_source - the i-th source and its lag (pp_source_info), or
 * NULL when out of range; valid until pp_stats_free(). */
PP_API const pp_source_info *pp_stats_source(
    const pp_stats_report *stats, size_t i);

/*
 * pp_stats_json - the whole of `stats` as one JSON object (the format of
 * `pipeproc stats`, documented in pp_stats(3)), NUL-terminated, without
 * a newline.
 * json: out. Returns 0, or PP_EINVAL, PP_ENOMEM. On success *json
 * belongs to the caller; free it with free(). On error *json is
 * unchanged. Never blocks; use one report from one thread at a time.
 */
PP_API int pp_stats_json(const pp_stats_report *stats, char **json);

/* pp_stats_free - free what pp_stats() returned. Accepts NULL. */
PP_API void pp_stats_free(pp_stats_report *stats);

#ifdef __cplusplus
}
#endif

#endif /* PIPEPROC_H */
