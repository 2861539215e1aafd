/*
 * attach_util.h - fixtures of attach_test.c (pp_attach, issue 13 item 9).
 *
 * Helper processes take commands, one line each, on their input pipe and
 * answer one line each:
 *   attach      -> "ok PID" (the node's pid) or "err CODE"
 *   run N       -> commits N logs "hI-J" to topic "t", one at a time, and
 *                  appends each acknowledged body to ROOT/hI.acked -> "ok N"
 *   shutdown    -> pp_shutdown -> "ok 0" or "err CODE"
 *   exit        -> pp_close, then the process exits 0
 * Every helper attaches to g_attach_dir, ROOT/data.
 */
#ifndef PP_TEST_ATTACH_UTIL_H
#define PP_TEST_ATTACH_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "harness.h"

#define ATTACH_HELPERS 3

/* The data directory the helpers and the checks below use. */
extern char g_attach_dir[PP_T_PATH];

/* Sets g_attach_dir to ROOT/data and forks count (<= 3) helpers. */
void attach_fork_helpers(pp_t_child *h, int count);
/* Sends one command line. */
void attach_send(pp_t_child *h, const char *line);
/* Reads the helper's "ok V" and returns V; any other answer fails. */
long attach_expect_ok(pp_t_child *h, int timeout_ms);
/* "attach"; returns the node's pid. */
long attach_start(pp_t_child *h);
/* "exit"; the helper must exit 0. */
void attach_exit(pp_t_child *h);

/* Live pipeproc-node processes whose command line names the directory. */
int  attach_count_nodes(void);
/* Whether DIR/node.lock could be taken now. */
bool attach_is_lock_free(void);
/* Whether DIR/name exists. */
bool attach_exists(const char *name);
/* The node is gone, its lock free, node.addr withdrawn, and node.log
 * holds no sanitizer report. */
void attach_assert_stopped(pid_t node);

/* Every body helper index had acknowledged (each a malloc'd string). */
size_t attach_read_acked(int index, char ***out);
/* How many that is. */
size_t attach_acked_lines(int index);

#endif
