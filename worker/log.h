/*
 * log.h - the worker's messages on stderr, which the node passes on to
 * its own: one line each, prefixed with the worker's slot.
 */
#ifndef PP_WORKER_LOG_H
#define PP_WORKER_LOG_H

#include <stdint.h>

/* log_init - prefix later messages with "pipeproc-worker[SLOT]: ". */
void log_init(uint32_t slot);

/* log_msg - one line on stderr; thread-safe (one write per line). */
void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
