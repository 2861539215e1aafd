/*
 * command.h - the exec plugin's config: the command line to run, the
 * settings it may start with, and a check that its program exists.
 */
#ifndef PP_EXEC_COMMAND_H
#define PP_EXEC_COMMAND_H

#include <stddef.h>
#include <stdint.h>

/* The default time a child has to answer one batch, ms: the default
 * reclaim timeout of a proc (pp_proc_opts). */
#define COMMAND_TIMEOUT_DEFAULT_MS 10000
#define COMMAND_TIMEOUT_MAX_MS 86400000
#define COMMAND_TIMEOUT_VAR "PIPEPROC_EXEC_TIMEOUT_MS"

/*
 * command_timeout - the answer timeout for `config`: a leading
 * "PIPEPROC_EXEC_TIMEOUT_MS=N" assignment in the command line (which the
 * shell then also puts in the child's environment), else the variable in
 * our environment, else COMMAND_TIMEOUT_DEFAULT_MS. Returns 0 and sets
 * *ms (1 to COMMAND_TIMEOUT_MAX_MS), or -1 with a message in err.
 */
int command_timeout(const char *config, int *ms, char *err, size_t errlen);

/*
 * command_check - refuse a config that cannot run: empty, or whose
 * program (the first word after leading NAME=VALUE assignments) is a
 * plain word that names no executable file (with a '/') or none in PATH
 * (without). A first word with shell syntax in it, or a shell builtin or
 * keyword, is left to the shell. Returns 0, or -1 with a message in err.
 */
int command_check(const char *config, char *err, size_t errlen);

#endif
