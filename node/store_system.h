/*
 * store_system.h - systemProc records (store_system.c) and the writer's
 * table of them (store_system_table.c), shared with the proc report
 * (store_procs_rec.c).
 */
#ifndef PP_NODE_STORE_SYSTEM_H
#define PP_NODE_STORE_SYSTEM_H

#include "store_impl.h"

#define SYS_LIST_MAX 16
#define SYS_PLUGIN_MAX 4096

/* A stored systemProc, decoded; strings are malloc'd (sys_def_free). */
typedef struct sys_def {
	char    *name;
	char    *offset;
	char    *plugin;
	char    *config;
	char    *from[SYS_LIST_MAX];
	char    *procs[SYS_LIST_MAX]; /* the proc reading from[i] */
	size_t   nfrom;
	char    *to[SYS_LIST_MAX];
	size_t   nto;
	uint32_t count;
	int32_t  max_reclaims;
	int64_t  reclaim_timeout_ms;
	uint8_t  on_max;
	uint64_t created_ms;
} sys_def;

/* Which worker holds a systemProc proc's claim. */
typedef struct sys_owner {
	char     proc[PP_TOPIC_MAX + 1];
	uint32_t slot;
	uint64_t token;
} sys_owner;

void sys_def_free(sys_def *d);
bool sys_def_decode(const MDB_val *k, const MDB_val *v, sys_def *d);
/* sys_get - read a systemProc; MDB_NOTFOUND when there is none. */
int sys_get(MDB_txn *txn, store *s, const char *name, size_t len, sys_def *d);

/* sys_table_changed - a systemProc was created or destroyed in this
 * group: the writer reloads its table after it (store_system_table.c). */
void sys_table_changed(store *s);

/*
 * sys_lookup_proc - the systemProc that proc belongs to: its name (room
 * for PP_TOPIC_MAX + 1) and plugin. False when it is a plain proc.
 */
bool sys_lookup_proc(MDB_txn *txn, store *s, const char *proc, char *name,
    char *plugin, size_t plugin_cap);

#endif
