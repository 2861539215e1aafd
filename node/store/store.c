/*
 * store.c - opening, closing and growing the LMDB environment, plus the
 * encodings every store_*.c file shares (see store_impl.h).
 *
 * The map starts small and doubles on MDB_MAP_FULL (store_grow). Growing
 * needs every transaction of this process closed, so readers hold
 * map_lock for reading while their transaction is open and the writer
 * takes it for writing to resize.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "store_impl.h"

#define MAP_SIZE_INITIAL (256ull << 20)

void
store_request_key(unsigned char *key, uint64_t cid, uint64_t rid)
{
	key[0] = STATE_REQUEST;
	ppi_put_be64(key + 1, cid);
	ppi_put_be64(key + 9, rid);
}

int
store_error(int rc, const char *what, char *msg, size_t msglen)
{
	return ppi_lmdb_error(rc, what, msg, msglen);
}

/*
 * Reads the store's id (meta "node_id": 32 lowercase hex digits), making
 * a random one when there is none: at creation, or in a store written
 * before ids existed. An MDB/errno code.
 */
static int
load_node_id(store *s, MDB_txn *txn)
{
	static const char hex[] = "0123456789abcdef";
	MDB_val           k = { 8, "\0node_id" }, v;
	unsigned char     r[16];
	size_t            i;
	int               rc;

	rc = mdb_get(txn, s->state, &k, &v);
	if (rc == 0 && v.mv_size == 32) {
		memcpy(s->node_id, v.mv_data, 32);
		s->node_id[32] = '\0';
		return 0;
	}
	if (rc != 0 && rc != MDB_NOTFOUND) {
		return rc;
	}
	if (getrandom(r, sizeof(r), 0) != (ssize_t) sizeof(r)) {
		return EIO;
	}
	for (i = 0; i < sizeof(r); i++) {
		s->node_id[2 * i]     = hex[r[i] >> 4];
		s->node_id[2 * i + 1] = hex[r[i] & 15];
	}
	s->node_id[32] = '\0';
	v.mv_size      = 32;
	v.mv_data      = s->node_id;
	return mdb_put(txn, s->state, &k, &v, 0);
}

const char *
store_node_id(const store *s)
{
	return s->node_id;
}

/* Creates the databases, checks the schema version, loads the id. */
static int
open_dbs(store *s, char *msg, size_t msglen)
{
	MDB_txn      *txn;
	MDB_val       k = { 7, "\0schema" }, v;
	unsigned char ver[4];
	int           rc;

	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0) {
		return store_error(rc, "begin", msg, msglen);
	}
	if ((rc = mdb_dbi_open(txn, "state", MDB_CREATE, &s->state)) != 0 ||
	    (rc = mdb_dbi_open(txn, "logs", MDB_CREATE, &s->logs)) != 0 ||
	    (rc = mdb_dbi_open(
	         txn, "producers", MDB_CREATE, &s->producers)) != 0) {
		mdb_txn_abort(txn);
		return store_error(rc, "open databases", msg, msglen);
	}
	rc = mdb_get(txn, s->state, &k, &v);
	if (rc == MDB_NOTFOUND) {
		ppi_put_be32(ver, STORE_SCHEMA);
		v.mv_data = ver;
		v.mv_size = sizeof(ver);
		rc        = mdb_put(txn, s->state, &k, &v, 0);
	} else if (rc == 0 &&
	    (v.mv_size != 4 || ppi_get_be32(v.mv_data) != STORE_SCHEMA)) {
		mdb_txn_abort(txn);
		snprintf(msg, msglen, "unsupported store schema");
		return PP_ESTORE;
	}
	if (rc == 0) {
		rc = load_node_id(s, txn);
	}
	if (rc != 0 || (rc = mdb_txn_commit(txn)) != 0) {
		if (rc != 0) {
			mdb_txn_abort(txn);
		}
		return store_error(rc, "schema", msg, msglen);
	}
	return 0;
}

int
store_open(const store_config *cfg, store **sp, char *msg, size_t msglen)
{
	store       *s;
	MDB_envinfo  info;
	unsigned int flags = MDB_NOTLS;
	uint64_t     map_initial;
	int          rc, rv;

	if (mkdir(cfg->dir, 0700) < 0 && errno != EEXIST) {
		snprintf(msg, msglen, "cannot create %s: %s", cfg->dir,
		    strerror(errno));
		return errno == EACCES ? PP_EPERM : PP_EIO;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		return PP_ENOMEM;
	}
	pthread_rwlock_init(&s->map_lock, NULL);
	/* The configured limit applies to commits; the map itself gets some
	 * slack so that deletes, acks and GC can still run on a full store
	 * (LMDB reuses pages freed by a transaction only in the ones after
	 * its successor, so freeing space itself needs a few new pages). */
	s->store_limit  = cfg->map_size_max;
	s->map_size_max = cfg->map_size_max == 0
	    ? 0
	    : cfg->map_size_max + (cfg->map_size_max / 16 > (1u << 20)
	                                  ? cfg->map_size_max / 16
	                                  : (1u << 20));
	s->max_body     = cfg->max_body;
	s->is_nosync    = cfg->is_nosync;
	if (cfg->is_nosync) {
		flags |= MDB_NOSYNC;
	}
	map_initial = cfg->map_size_initial != 0 ? cfg->map_size_initial
	                                         : MAP_SIZE_INITIAL;
	if (s->map_size_max != 0 && s->map_size_max < map_initial) {
		map_initial = s->map_size_max;
	}
	if ((rc = mdb_env_create(&s->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(s->env, 8)) != 0 ||
	    (rc = mdb_env_set_mapsize(s->env, map_initial)) != 0 ||
	    /* Local-read clients (lib/local.c) hold slots too. */
	    (rc = mdb_env_set_maxreaders(s->env, 1024)) != 0 ||
	    (rc = mdb_env_open(s->env, cfg->dir, flags, 0600)) != 0) {
		rv = store_error(rc, cfg->dir, msg, msglen);
		goto fail;
	}
	/* An existing store may be larger than our initial map. */
	mdb_env_info(s->env, &info);
	s->map_size = info.me_mapsize;
	if ((rv = open_dbs(s, msg, msglen)) != 0) {
		goto fail;
	}
	*sp = s;
	return 0;
fail:
	if (s->env != NULL) {
		mdb_env_close(s->env);
	}
	pthread_rwlock_destroy(&s->map_lock);
	free(s);
	return rv;
}

int
store_sync(store *s)
{
	char msg[128];
	int  rc;

	if ((rc = mdb_env_sync(s->env, 1)) != 0) {
		return store_error(rc, "sync", msg, sizeof(msg));
	}
	return 0;
}

void
store_close(store *s)
{
	if (s == NULL) {
		return;
	}
	mdb_env_sync(s->env, 1);
	mdb_env_close(s->env);
	pthread_rwlock_destroy(&s->map_lock);
	free(s);
}

int
store_grow(store *s)
{
	uint64_t next = s->map_size * 2;
	char     msg[128];
	int      rc;

	if (s->map_size_max != 0 && next > s->map_size_max) {
		if (s->map_size >= s->map_size_max) {
			return PP_ESTORE_FULL;
		}
		next = s->map_size_max;
	}
	pthread_rwlock_wrlock(&s->map_lock);
	rc = mdb_env_set_mapsize(s->env, next);
	pthread_rwlock_unlock(&s->map_lock);
	if (rc != 0) {
		return store_error(rc, "grow map", msg, sizeof(msg));
	}
	s->map_size = next;
	return 0;
}

/*
 * Pages in use: the file's high-water mark minus the pages on LMDB's
 * free list (each free-list record is a page list whose first word is
 * its length).
 */
static uint64_t
used_bytes(store *s, const MDB_envinfo *info, const MDB_stat *st)
{
	MDB_txn    *txn;
	MDB_cursor *cur;
	MDB_val     k, v;
	uint64_t    free_pages = 0;
	size_t      n;

	if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn) != 0) {
		return (info->me_last_pgno + 1) * st->ms_psize;
	}
	if (mdb_cursor_open(txn, 0 /* the free list */, &cur) == 0) {
		while (mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
			if (v.mv_size >= sizeof(n)) {
				memcpy(&n, v.mv_data, sizeof(n));
				free_pages += n;
			}
		}
		mdb_cursor_close(cur);
	}
	mdb_txn_abort(txn);
	return (info->me_last_pgno + 1 - free_pages) * st->ms_psize;
}

void
store_update_fullness(store *s)
{
	MDB_envinfo info;
	MDB_stat    st;
	bool        is_full = false;

	if (s->store_limit == 0) {
		return;
	}
	pthread_rwlock_rdlock(&s->map_lock);
	if (mdb_env_info(s->env, &info) == 0 && mdb_env_stat(s->env, &st) == 0 &&
	    (info.me_last_pgno + 1) * st.ms_psize > s->store_limit) {
		/* Past the high-water mark: count what is really used. */
		is_full = used_bytes(s, &info, &st) > s->store_limit;
	}
	pthread_rwlock_unlock(&s->map_lock);
	__atomic_store_n(&s->is_full, is_full, __ATOMIC_RELAXED);
}

bool
store_is_nosync(const store *s)
{
	return s->is_nosync;
}

/*
 * Free space, in bytes, below which a failed write is put down to a full
 * file system: LMDB writes pages with pwrite() and reports a short write
 * as EIO (mdb_page_flush), so ENOSPC never reaches us from a commit. A
 * group needs its own size in new pages plus some for the B-tree and the
 * free list; 4 MiB covers the branch pages of any tree we grow.
 */
#define DISK_SLACK_BYTES (4ull << 20)

int
store_write_error(store *s, int rc, uint64_t group_bytes)
{
	struct statvfs st;
	uint64_t       free_bytes;
	int            fd;

	if (rc != EIO || mdb_env_get_fd(s->env, &fd) != 0 ||
	    fstatvfs(fd, &st) != 0) {
		return rc;
	}
	free_bytes = (uint64_t) st.f_bavail * st.f_frsize;
	if (free_bytes < DISK_SLACK_BYTES + 2 * group_bytes) {
		return ENOSPC;
	}
	return rc;
}
