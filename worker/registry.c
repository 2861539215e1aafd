/*
 * registry.c - the systemProc table a worker runs and the plugin
 * instances loaded for it.
 *
 * Design notes:
 * - Tables. The node answers a claim that names an old table version
 *   with its current table instead of a claim (lib/system.h). Each thread
 *   holds the table it named while its claim waits, because the claim
 *   that comes back indexes into that version; a table is freed when the
 *   last holder drops it. Only a table answering the current version is
 *   installed, so a slow thread never puts an older table back.
 * - Instances. A plugin is loaded (dlopen + init) the first time a claim
 *   needs it, once per (systemProc name, plugin path, config), and shared
 *   by the threads: init() and fini() run once per worker process with
 *   no process() in flight, as the ABI promises. `users` counts the
 *   threads inside process() or loading; an instance whose systemProc
 *   left the table is fini'd and unloaded when its last user leaves.
 * - Loading happens outside the lock (init may be slow); a second thread
 *   wanting the same instance waits for the first one's result. A failed
 *   load is not remembered: the next claim tries again, so a plugin file
 *   that comes back is picked up without restarting the worker.
 * - One mutex guards everything here; nothing slow runs under it.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"

enum inst_state { INST_UNLOADED, INST_LOADING, INST_LOADED };

struct registry_inst {
	registry_inst  *next;
	char           *name; /* the key: name, path, config */
	char           *path;
	char           *config;
	plugin         *p; /* set while INST_LOADED */
	enum inst_state state;
	unsigned        users;
	bool            is_live; /* its key is in the current table */
};

struct registry_table {
	ppi_systable *t;
	unsigned      refs; /* holders, plus one while current */
};

struct registry {
	pthread_mutex_t mtx;
	pthread_cond_t  loaded; /* an instance left INST_LOADING */
	registry_table *current;
	registry_inst  *insts;
	uint64_t        max_body; /* for the plugins' context */
};

int
registry_alloc(registry **out)
{
	registry *r;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		return PP_ENOMEM;
	}
	pthread_mutex_init(&r->mtx, NULL);
	pthread_cond_init(&r->loaded, NULL);
	*out = r;
	return 0;
}

void
registry_set_max_body(registry *r, uint64_t max_body)
{
	r->max_body = max_body;
}

static bool
same_key(const registry_inst *in, const ppi_sysproc *sp)
{
	return strcmp(in->name, sp->name) == 0 &&
	    strcmp(in->path, sp->plugin) == 0 &&
	    strcmp(in->config, sp->config) == 0;
}

/* True when the table holds a systemProc with the instance's key. */
static bool
in_table(const ppi_systable *t, const registry_inst *in)
{
	size_t i;

	for (i = 0; t != NULL && i < t->count; i++) {
		if (same_key(in, &t->items[i])) {
			return true;
		}
	}
	return false;
}

static void
inst_free(registry_inst *in)
{
	if (in == NULL) {
		return;
	}
	plugin_close(in->p);
	free(in->name);
	free(in->path);
	free(in->config);
	free(in);
}

static registry_inst *
inst_alloc(const ppi_sysproc *sp)
{
	registry_inst *in;

	if ((in = calloc(1, sizeof(*in))) == NULL ||
	    (in->name = strdup(sp->name)) == NULL ||
	    (in->path = strdup(sp->plugin)) == NULL ||
	    (in->config = strdup(sp->config)) == NULL) {
		inst_free(in);
		return NULL;
	}
	in->is_live = true;
	return in;
}

/* Unlinks `in` from the list; the caller frees it outside the lock. */
static void
unlink_inst(registry *r, registry_inst *in)
{
	registry_inst **pp;

	for (pp = &r->insts; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == in) {
			*pp = in->next;
			in->next = NULL;
			return;
		}
	}
}

/* Drops one reference to rt; returns the table to free, or NULL. */
static ppi_systable *
unref_table(registry_table *rt)
{
	ppi_systable *t;

	if (rt == NULL || --rt->refs > 0) {
		return NULL;
	}
	t = rt->t;
	free(rt);
	return t;
}

void
registry_free(registry *r)
{
	registry_inst *in, *next;

	if (r == NULL) {
		return;
	}
	for (in = r->insts; in != NULL; in = next) {
		next = in->next;
		inst_free(in);
	}
	/* A thread still parked in a claim may hold the current table; it
	 * never touches it again, but do not free it under its feet. */
	if (r->current != NULL && r->current->refs == 1) {
		ppi_systable_free(unref_table(r->current));
	}
	pthread_cond_destroy(&r->loaded);
	pthread_mutex_destroy(&r->mtx);
	free(r);
}

registry_table *
registry_hold(registry *r, uint64_t *version, const ppi_systable **table)
{
	registry_table *rt;

	pthread_mutex_lock(&r->mtx);
	if ((rt = r->current) != NULL) {
		rt->refs++;
	}
	pthread_mutex_unlock(&r->mtx);
	*version = rt != NULL ? rt->t->version : 0;
	*table   = rt != NULL ? rt->t : NULL;
	return rt;
}

void
registry_drop(registry *r, registry_table *held)
{
	ppi_systable *t;

	if (held == NULL) {
		return;
	}
	pthread_mutex_lock(&r->mtx);
	t = unref_table(held);
	pthread_mutex_unlock(&r->mtx);
	ppi_systable_free(t);
}

void
registry_install(registry *r, uint64_t known, ppi_systable *t)
{
	registry_table *rt;
	registry_inst  *in, *next, *dead = NULL;
	ppi_systable   *old;

	if ((rt = calloc(1, sizeof(*rt))) == NULL) {
		/* The next claim names the old version and gets it again. */
		ppi_systable_free(t);
		return;
	}
	rt->t    = t;
	rt->refs = 1;
	pthread_mutex_lock(&r->mtx);
	if ((r->current != NULL ? r->current->t->version : 0) != known) {
		pthread_mutex_unlock(&r->mtx);
		free(rt);
		ppi_systable_free(t);
		return;
	}
	old        = unref_table(r->current);
	r->current = rt;
	for (in = r->insts; in != NULL; in = next) {
		next        = in->next;
		in->is_live = in_table(t, in);
		if (!in->is_live && in->users == 0) {
			unlink_inst(r, in);
			in->next = dead;
			dead     = in;
		}
	}
	pthread_mutex_unlock(&r->mtx);
	ppi_systable_free(old);
	for (in = dead; in != NULL; in = next) {
		next = in->next;
		inst_free(in); /* fini + dlclose, outside the lock */
	}
}

/* The live instance for sp, created when sp is in the current table;
 * NULL when sp left the table. Called locked. */
static registry_inst *
find_inst(registry *r, const ppi_sysproc *sp, bool *is_nomem)
{
	registry_inst *in;
	registry_inst  probe;

	*is_nomem = false;
	for (in = r->insts; in != NULL; in = in->next) {
		if (same_key(in, sp)) {
			return in->is_live ? in : NULL;
		}
	}
	probe.name   = sp->name;
	probe.path   = sp->plugin;
	probe.config = sp->config;
	if (r->current == NULL || !in_table(r->current->t, &probe)) {
		return NULL;
	}
	if ((in = inst_alloc(sp)) == NULL) {
		*is_nomem = true;
		return NULL;
	}
	in->next = r->insts;
	r->insts = in;
	return in;
}

int
registry_acquire(registry *r, const ppi_sysproc *sp, registry_inst **inst,
    char *err, size_t errlen)
{
	registry_inst *in;
	plugin        *p = NULL;
	bool           is_nomem;
	int            rv;

	pthread_mutex_lock(&r->mtx);
	if ((in = find_inst(r, sp, &is_nomem)) == NULL) {
		pthread_mutex_unlock(&r->mtx);
		if (is_nomem) {
			snprintf(err, errlen, "plugin %s: out of memory",
			    sp->plugin);
		} else {
			snprintf(err, errlen, "systemProc %s was removed or "
			    "changed while its claim was made", sp->name);
		}
		return -1;
	}
	in->users++;
	while (in->state == INST_LOADING) {
		pthread_cond_wait(&r->loaded, &r->mtx);
	}
	if (in->state == INST_LOADED) {
		pthread_mutex_unlock(&r->mtx);
		*inst = in;
		return 0;
	}
	in->state = INST_LOADING;
	pthread_mutex_unlock(&r->mtx);

	rv = plugin_open(in->path, in->config, &p, err, errlen);
	if (rv == 0) {
		plugin_set_context(p, in->name, r->max_body);
	}

	pthread_mutex_lock(&r->mtx);
	in->state = rv == 0 ? INST_LOADED : INST_UNLOADED;
	in->p     = p;
	pthread_cond_broadcast(&r->loaded);
	pthread_mutex_unlock(&r->mtx);
	if (rv != 0) {
		registry_release(r, in);
		return -1;
	}
	*inst = in;
	return 0;
}

plugin *
registry_plugin(registry_inst *inst)
{
	return inst->p;
}

void
registry_release(registry *r, registry_inst *inst)
{
	bool is_dead;

	pthread_mutex_lock(&r->mtx);
	is_dead = --inst->users == 0 && !inst->is_live;
	if (is_dead) {
		unlink_inst(r, inst);
	}
	pthread_mutex_unlock(&r->mtx);
	if (is_dead) {
		inst_free(inst);
	}
}
