/*
 * exec_util.h - fixtures of the exec plugin tests (exec_*_test.c): the
 * plugin, command lines running test/exec_proc.py, waiting for a proc's
 * last error, and the pids the children wrote.
 */
#ifndef PP_TEST_EXEC_UTIL_H
#define PP_TEST_EXEC_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "system_util.h"

/* The exec plugin, absolute: $PIPEPROC_PLUGINS/exec.so. */
const char *exec_plugin(void);

/*
 * The config running test/exec_proc.py with `dir` as its directory and
 * `topic` (NULL: none) as its emit_to topic, after `prefix` (NULL: none;
 * e.g. "PIPEPROC_EXEC_TIMEOUT_MS=300"). Lives until the next call.
 */
const char *exec_config(const char *prefix, const char *dir,
    const char *topic);

/* Waits until proc `name`'s last error holds `needle`; returns it. */
const char *exec_wait_error_at(int line, pp_client *c, const char *name,
    const char *needle, int timeout_ms);
#define EXEC_WAIT_ERROR(c, name, needle, ms)                                   \
	exec_wait_error_at(__LINE__, (c), (name), (needle), (ms))

/* The pids in DIR/pids (one per child start); returns how many. */
size_t exec_child_pids(const char *dir, pid_t *pids, size_t max);

/* The pids in DIR/eofs (children that left at EOF on their stdin). */
size_t exec_eof_pids(const char *dir, pid_t *pids, size_t max);

/* True when pid is a live process (not gone, not a zombie). */
bool exec_pid_alive(pid_t pid);

#endif
