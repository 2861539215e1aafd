/*
 * spawner.c - one thread per exec plugin instance that forks its
 * children (spawner.h says why a thread of its own).
 *
 * Design notes: requests are handed over one at a time through `req`
 * under the mutex; a caller waits for `req` to be free, posts its
 * request, and waits for it to be done. The fork itself runs unlocked.
 */
#include <stdio.h>
#include <string.h>

#include "spawner.h"

struct spawn_req {
	child        *c;
	const char   *command;
	char *const  *env;
	char         *err;
	size_t        errlen;
	int           rv;
	bool          is_done;
};

static void *
spawner_main(void *arg)
{
	spawner   *s = arg;
	spawn_req *r;
	int        rv;

	pthread_mutex_lock(&s->mtx);
	for (;;) {
		while (s->req == NULL && !s->is_stopping) {
			pthread_cond_wait(&s->cv, &s->mtx);
		}
		if (s->req == NULL) {
			break; /* stopping, nothing left to do */
		}
		r = s->req;
		pthread_mutex_unlock(&s->mtx);
		rv = child_start(r->c, r->command, r->env, r->err, r->errlen);
		pthread_mutex_lock(&s->mtx);
		r->rv      = rv;
		r->is_done = true;
		s->req     = NULL;
		pthread_cond_broadcast(&s->cv);
	}
	pthread_mutex_unlock(&s->mtx);
	return NULL;
}

void
spawner_init(spawner *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->mtx, NULL);
	pthread_cond_init(&s->cv, NULL);
}

int
spawner_start_child(spawner *s, child *c, const char *command,
    char *const *env, char *err, size_t errlen)
{
	spawn_req r = { c, command, env, err, errlen, -1, false };
	int       rv;

	pthread_mutex_lock(&s->mtx);
	if (!s->is_running) {
		if ((rv = pthread_create(&s->thread, NULL, spawner_main, s)) !=
		    0) {
			pthread_mutex_unlock(&s->mtx);
			snprintf(err, errlen, "cannot start a thread: %s",
			    strerror(rv));
			return -1;
		}
		s->is_running = true;
	}
	while (s->req != NULL) {
		pthread_cond_wait(&s->cv, &s->mtx);
	}
	s->req = &r;
	pthread_cond_broadcast(&s->cv);
	while (!r.is_done) {
		pthread_cond_wait(&s->cv, &s->mtx);
	}
	pthread_mutex_unlock(&s->mtx);
	return r.rv;
}

void
spawner_fini(spawner *s)
{
	pthread_mutex_lock(&s->mtx);
	s->is_stopping = true;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mtx);
	if (s->is_running) {
		pthread_join(s->thread, NULL);
	}
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mtx);
}
