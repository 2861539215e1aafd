/*
 * spawner.h - the thread that forks an exec plugin instance's children.
 *
 * PR_SET_PDEATHSIG fires when the *thread* that forked a child dies, not
 * its process. A worker's claim threads end when it stops, before fini()
 * runs, so a child forked by one of them would be SIGKILLed instead of
 * getting the EOF on its stdin that fini() gives it. The spawner thread
 * lives from the first child to fini(), so a child dies with its worker
 * (kill -9 too) but leaves gently when the worker stops.
 */
#ifndef PP_EXEC_SPAWNER_H
#define PP_EXEC_SPAWNER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "child.h"

typedef struct spawn_req spawn_req;

typedef struct spawner {
	pthread_mutex_t mtx;
	pthread_cond_t  cv;
	pthread_t       thread;
	bool            is_running;  /* the thread was started */
	bool            is_stopping; /* spawner_fini() asked it to end */
	spawn_req      *req;         /* the request it works on, or NULL */
} spawner;

/* spawner_init - a spawner whose thread starts with the first request. */
void spawner_init(spawner *s);

/*
 * spawner_start_child - child_start(c, command, env) run by the spawner
 * thread; returns as child_start(), or -1 with a message in err when the
 * thread cannot start. Blocks until the fork is done. Thread-safe.
 */
int spawner_start_child(spawner *s, child *c, const char *command,
    char *const *env, char *err, size_t errlen);

/* spawner_fini - end the thread (after every child it started has been
 * stopped: they get SIGKILL when it ends) and free the rest. */
void spawner_fini(spawner *s);

#endif
