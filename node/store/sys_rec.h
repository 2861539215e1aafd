/*
 * sys_rec.h - the systemProc record (sys_rec.c): decoding, reading,
 * writing and deleting it, the names of its procs, and which systemProc
 * a proc belongs to. Below the handlers (system.c), the writer's table
 * (systable.c) and the proc report (proc_rec.c).
 */
#ifndef PP_NODE_STORE_SYS_REC_H
#define PP_NODE_STORE_SYS_REC_H

#include "store_impl.h"

#define SYS_LIST_MAX 16
#define SYS_PLUGIN_MAX 4096
/* A systemProc's proc is "name" or, reading several topics,
 * "name__topic". */
#define SYS_NAME_SEP "__"
/* A stored systemProc, decoded; strings are malloc'd (sys_rec_free). */
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

/* sys_rec_free - free the strings of a decoded record. */
void sys_rec_free(sys_def *d);

/* sys_rec_decode - a stored record (false when malformed). */
bool sys_rec_decode(const MDB_val *k, const MDB_val *v, sys_def *d);

/* sys_rec_get - read a systemProc; MDB_NOTFOUND when there is none. */
int sys_rec_get(MDB_txn *txn, store *s, const char *name, size_t len,
    sys_def *d);

/*
 * sys_rec_put - write the record of a systemProc request, created at
 * now_ms, whose procs start at `offset`. An MDB code.
 */
int sys_rec_put(MDB_txn *txn, store *s, const ppi_request *req,
    const char *offset, uint64_t now_ms);

/* sys_rec_del - delete the record of systemProc `name`. An MDB code. */
int sys_rec_del(MDB_txn *txn, store *s, const char *name, size_t len);

/*
 * sys_rec_proc_name - the name of the proc of systemProc `name` that
 * reads `topic`, when it reads nfrom topics, into out (room for
 * PP_TOPIC_MAX + 1). False when it would be too long.
 */
bool sys_rec_proc_name(char *out, const char *name, size_t nfrom,
    const char *topic);

/*
 * sys_rec_lookup_proc - the systemProc that proc belongs to: its name
 * (room for PP_TOPIC_MAX + 1) and plugin. False when it is a plain proc.
 */
bool sys_rec_lookup_proc(MDB_txn *txn, store *s, const char *proc,
    char *name, char *plugin, size_t plugin_cap);

#endif
