/*
 * system_util.h - helpers shared by the systemProc and worker tests
 * (system_test.c, system_crash_test.c; issue 4 item 8): where the worker
 * and the plugins are, nodes with workers, numbered input logs and the
 * check that every input produced exactly one output, and finding the
 * worker processes of a node through /proc.
 *
 * Conventions: input i of a pipeline has the body "<prefix>-<i>" with i
 * written in 7 digits (system_input_body), so a pass-through plugin's
 * output names its input and outputs can be counted per input.
 */
#ifndef PP_TEST_SYSTEM_UTIL_H
#define PP_TEST_SYSTEM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "harness.h"

/* The pipeproc-worker program: $PIPEPROC_WORKER, else pipeproc-worker
 * next to the node program. */
const char *system_worker_path(void);

/* "$PIPEPROC_PLUGINS/NAME.so" (else build/plugins), made absolute; the
 * result lives until the next call with the same `slot` (0..3). */
const char *system_plugin(const char *name, int slot);

/* "$PIPEPROC_TEST_PLUGINS/NAME.so" (else build/test/plugins), absolute,
 * or NULL when that file does not exist (not built yet). */
const char *system_test_plugin(const char *name, int slot);

/* Spawn options with workers: count (PP_WORKERS_NONE for none),
 * concurrency and restart_after as pp_spawn_opts, worker_path set. */
pp_spawn_opts system_spawn_opts(
    int32_t workers, uint32_t concurrency, uint32_t restart_after);

/* Options of a systemProc reading `from` (nfrom) and writing to `to`
 * (nto) with the plugin at `plugin` and `config`; proc options from
 * PP_PROC_OPTS_INIT with max_reclaims -1 unless changed after. */
pp_system_proc_opts system_opts(const char *const *from, size_t nfrom,
    const char *const *to, size_t nto, const char *plugin, const char *config);

/* pp_system_proc that must succeed; returns the number of procs. */
size_t system_create_at(
    int line, pp_client *c, const char *name, const pp_system_proc_opts *o);
#define SYSTEM_CREATE(c, name, o) system_create_at(__LINE__, (c), (name), (o))

/* The state of proc `name`; strings copied into static storage that the
 * next call with the same `slot` (0..3) reuses. */
typedef struct system_info {
	pp_proc_info i;
	char         name[256];
	char         topic[256];
	char         offset[256];
	char         last_error[1024];
	char         system_proc[256];
	char         plugin[4200];
} system_info;
void system_inspect_at(
    int line, pp_client *c, const char *name, system_info *out);
#define SYSTEM_INSPECT(c, name, out)                                           \
	system_inspect_at(__LINE__, (c), (name), (out))

/* pp_length, 0 when the topic does not exist. */
uint64_t system_length(pp_client *c, const char *topic);

/* Writes "<prefix>-<i, 7 digits>" into buf (at least 64 bytes). */
size_t system_input_body(char *buf, const char *prefix, uint64_t i);

/* Commits inputs first..first+n-1 of `prefix` to `topic`, 1,000 per
 * commit; must succeed. */
void system_commit_inputs(pp_client *c, const char *topic, const char *prefix,
    uint64_t first, uint64_t n);

/* Waits (polling pp_length) until `topic` holds at least n logs. */
void system_wait_length_at(
    int line, pp_client *c, const char *topic, uint64_t n, int timeout_ms);
#define SYSTEM_WAIT_LENGTH(c, topic, n, ms)                                    \
	system_wait_length_at(__LINE__, (c), (topic), (n), (ms))

/* pp_wait_for_procs(names) that must succeed within timeout_ms (scaled). */
void system_wait_procs_at(int line, pp_client *c, const char *const *names,
    size_t count, int timeout_ms);
#define SYSTEM_WAIT_PROCS(c, names, count, ms)                                 \
	system_wait_procs_at(__LINE__, (c), (names), (count), (ms))

/*
 * Reads every log of `topic` and counts, per input number, the outputs
 * "<prefix>-<i>" (i < n) into counts[i] (n entries, zeroed first). A body
 * of another form fails the case unless `other` is not NULL, which then
 * counts them. Returns the number of logs read.
 */
uint64_t system_count_outputs(pp_client *c, const char *topic,
    const char *prefix, uint64_t n, uint32_t *counts, uint64_t *other);

/*
 * Checks exactly-once: counts[i] is 1 for every i < n except those in
 * `skip` (nskip, may be 0), which must be 0. Fails naming the first
 * inputs with no output or with several.
 */
void system_check_once_at(int line, const char *what, const uint32_t *counts,
    uint64_t n, const uint64_t *skip, size_t nskip);
#define SYSTEM_CHECK_ONCE(what, counts, n, skip, nskip)                        \
	system_check_once_at(__LINE__, (what), (counts), (n), (skip), (nskip))

/* The running worker processes of node `node_pid` (its children running
 * pipeproc-worker, plugin checks excluded); returns how many (<= max). */
size_t system_worker_pids(pid_t node_pid, pid_t *pids, size_t max);

/* pp_stats() node figures that must succeed. */
pp_node_stats system_node_stats(pp_client *c);

/* True when hay (len bytes) holds the NUL-terminated needle. */
bool system_has_bytes(const void *hay, size_t len, const char *needle);

#endif
