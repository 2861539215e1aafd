/*
 * reader.h - the reader threads (reader.c): range, length, stat, topics,
 * inspect, stats and backup, each from a short LMDB read transaction in
 * parallel with the writer; and the plugin check of a new systemProc.
 */
#ifndef PP_NODE_READER_H
#define PP_NODE_READER_H

#include "request.h"
#include "store/store.h"
#include "writer.h"

typedef struct reader reader;

/* reader_start - start nthreads readers on s. 0 or a PP_E* code. */
int reader_start(store *s, int nthreads, reader **r);
/* reader_set_system - where checked systemProcs go, and the program
 * that checks their plugins (before any request arrives). */
void reader_set_system(reader *rd, writer *w, const char *worker_path);
/* reader_submit - queue a read request; its reply comes through
 * request_done() from a reader thread (any thread). */
void reader_submit(reader *rd, request *r);
/* reader_stop - answer everything queued, then stop the threads. */
void reader_stop(reader *rd);

#endif
