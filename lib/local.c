/*
 * local.c - the node's store opened read-only by a client on its host
 * (local.h): finding or opening the environment, checking it is the
 * node's, and lending read transactions to local_read.c.
 *
 * Design notes: `stores` lists every environment this process has open,
 * each with the clients using it (refs); stores_lock guards the list and
 * the counts. A client's ppi_local opens its store at the first read,
 * once (is_tried, under its own lock). A store's map_lock is held for
 * reading by every open transaction and for writing only to remap after
 * the node grew the map (MDB_MAP_RESIZED): mdb_env_set_mapsize() needs
 * every transaction of the process closed. Reset transactions wait in a
 * small pool (pool_lock) and are renewed, which costs a reader-slot
 * write instead of a slot search; a reset transaction holds its slot
 * but no snapshot, so it never keeps GC's freed pages from reuse.
 *
 * A store replaced under us: the node stops, its directory is removed
 * and a new node starts at the same path with other data. Our mapping
 * still shows the deleted file, and the client, whose socket simply
 * redials the same address, would go on reading it. So every read
 * transaction, once begun, checks that DIR/data.mdb is still the file we
 * mapped (device and inode, fstat'ed at open); if not (or it is gone),
 * the store is marked stale and this and every later read of each client
 * on it go to the node as requests, which answer with the new data (or
 * fail while there is no node), never the old. A client that connects
 * anew opens the new store (stale stores are never shared again). The
 * stat() (about 1.5 us, four times a small local read) is made only when
 * the client's connection to the node is not the one of the last check
 * (is_current), so a steady client pays an atomic load per read.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "endian.h"
#include "local_impl.h"

#define POOL_MAX 4
#define RESIZE_TRIES 8

typedef struct local_store {
	struct local_store *next;
	int                 refs; /* clients using it; stores_lock */
	pid_t               pid;  /* the process that opened it */
	dev_t               dev;  /* the directory, as stat() names it */
	ino_t               ino;
	char                node_id[33];
	MDB_env            *env;
	MDB_dbi             state;
	MDB_dbi             logs;
	pthread_rwlock_t    map_lock;
	pthread_mutex_t     pool_lock;
	MDB_txn            *pool[POOL_MAX];
	size_t              npool;
	dev_t               data_dev; /* DIR/data.mdb as we mapped it */
	ino_t               data_ino;
	bool                is_stale; /* atomic: another file is there now */
} local_store;

struct ppi_local {
	char           *dir;
	char           *data_path; /* DIR/data.mdb */
	uint64_t (*link)(void *arg); /* the client's connection number */
	void           *link_arg;
	uint64_t        checked_link; /* atomic: link of the last check */
	char            node_id[33];
	pthread_mutex_t lock;     /* guards the first open */
	bool            is_tried; /* atomic: store is final once set */
	local_store    *store;    /* NULL: read through requests */
};

static pthread_mutex_t stores_lock = PTHREAD_MUTEX_INITIALIZER;
static local_store    *stores;

ppi_local *
ppi_local_alloc(const char *dir, const char *node_id,
    uint64_t (*link)(void *link_arg), void *link_arg)
{
	ppi_local *l;

	if (strlen(node_id) != 32 || (l = calloc(1, sizeof(*l))) == NULL) {
		return NULL;
	}
	if ((l->dir = strdup(dir)) == NULL ||
	    (l->data_path = malloc(strlen(dir) + sizeof("/data.mdb"))) ==
	        NULL) {
		free(l->dir);
		free(l);
		return NULL;
	}
	strcpy(l->data_path, dir);
	strcat(l->data_path, "/data.mdb");
	memcpy(l->node_id, node_id, 33);
	l->link     = link;
	l->link_arg = link_arg;
	pthread_mutex_init(&l->lock, NULL);
	return l;
}

/* True when the meta key `key` (with its 0x00 prefix) holds `want`. */
static bool
meta_is(MDB_txn *txn, MDB_dbi state, const char *key, size_t keylen,
    const void *want, size_t wantlen)
{
	MDB_val k = { keylen, (void *) key }, v;

	return mdb_get(txn, state, &k, &v) == 0 && v.mv_size == wantlen &&
	    memcmp(v.mv_data, want, wantlen) == 0;
}

/*
 * Opens the databases and checks the schema and the node's id in one
 * read transaction: a store at this path that is not the node's (or of
 * another schema) is not read. An LMDB code, or -1 for a mismatch.
 */
static int
check_store(local_store *s, const char *node_id)
{
	unsigned char schema[4];
	MDB_txn      *txn;
	int           rc, tries;

	for (tries = 0;; tries++) {
		rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
		if (rc != MDB_MAP_RESIZED || tries == RESIZE_TRIES) {
			break;
		}
		mdb_env_set_mapsize(s->env, 0);
	}
	if (rc != 0) {
		return rc;
	}
	ppi_put_be32(schema, PPI_LMDB_SCHEMA);
	if ((rc = mdb_dbi_open(txn, "state", 0, &s->state)) != 0 ||
	    (rc = mdb_dbi_open(txn, "logs", 0, &s->logs)) != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	if (!meta_is(txn, s->state, "\0schema", 7, schema, 4) ||
	    !meta_is(txn, s->state, "\0node_id", 8, node_id, 32)) {
		mdb_txn_abort(txn);
		return -1;
	}
	/* Committing keeps the database handles for later transactions. */
	return mdb_txn_commit(txn);
}

/* Opens the environment at dir read-only; NULL when we cannot. */
static local_store *
store_open(const char *dir, const struct stat *st, const char *node_id)
{
	local_store *s;
	struct stat  data;
	int          fd;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		return NULL;
	}
	s->dev = st->st_dev;
	s->ino = st->st_ino;
	s->pid = getpid();
	memcpy(s->node_id, node_id, 33);
	/* MDB_RDONLY still registers us in the lock file's reader table,
	 * so the node's writer sees our snapshots; MDB_NOTLS lets any
	 * thread use any of our transactions (the pool). */
	if (mdb_env_create(&s->env) != 0) {
		free(s);
		return NULL;
	}
	if (mdb_env_set_maxdbs(s->env, 8) != 0 ||
	    mdb_env_open(s->env, dir, MDB_RDONLY | MDB_NOTLS, 0600) != 0 ||
	    mdb_env_set_mapsize(s->env, 0) != 0 ||
	    mdb_env_get_fd(s->env, &fd) != 0 || fstat(fd, &data) != 0 ||
	    check_store(s, node_id) != 0) {
		mdb_env_close(s->env);
		free(s);
		return NULL;
	}
	s->data_dev = data.st_dev;
	s->data_ino = data.st_ino;
	pthread_rwlock_init(&s->map_lock, NULL);
	pthread_mutex_init(&s->pool_lock, NULL);
	return s;
}

/* The process's store for dir, opened if needed; NULL when unreadable. */
static local_store *
store_get(const char *dir, const char *node_id)
{
	struct stat  st;
	local_store *s;

	/* Only our own user's store: the node's ipc socket is owner-only,
	 * and another user's store is none of our business. */
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != geteuid()) {
		return NULL;
	}
	pthread_mutex_lock(&stores_lock);
	/* An environment inherited across fork() must not be used (nor
	 * closed: that would clear its opener's reader slots); a child
	 * opens its own. */
	for (s = stores; s != NULL; s = s->next) {
		if (s->dev == st.st_dev && s->ino == st.st_ino &&
		    s->pid == getpid()) {
			break;
		}
	}
	if (s != NULL && (memcmp(s->node_id, node_id, 32) != 0 ||
	                     __atomic_load_n(&s->is_stale, __ATOMIC_ACQUIRE))) {
		/* Another store now lives there: with this directory's lock
		 * file still open in the stale environment, a second one on
		 * it could not be closed safely (local.h), so requests. */
		s = NULL;
	} else if (s != NULL) {
		s->refs++;
	} else if ((s = store_open(dir, &st, node_id)) != NULL) {
		s->refs  = 1;
		s->next  = stores;
		stores   = s;
	}
	pthread_mutex_unlock(&stores_lock);
	return s;
}

static void
store_put(local_store *s)
{
	local_store **p;
	size_t        i;

	pthread_mutex_lock(&stores_lock);
	if (--s->refs > 0) {
		pthread_mutex_unlock(&stores_lock);
		return;
	}
	for (p = &stores; *p != s; p = &(*p)->next) {
	}
	*p = s->next;
	pthread_mutex_unlock(&stores_lock);
	for (i = 0; i < s->npool; i++) {
		mdb_txn_abort(s->pool[i]);
	}
	mdb_env_close(s->env);
	pthread_mutex_destroy(&s->pool_lock);
	pthread_rwlock_destroy(&s->map_lock);
	free(s);
}

void
ppi_local_free(ppi_local *l)
{
	if (l == NULL) {
		return;
	}
	if (l->store != NULL) {
		store_put(l->store);
	}
	pthread_mutex_destroy(&l->lock);
	free(l->data_path);
	free(l->dir);
	free(l);
}

/* The client's store, opened at its first read; NULL: use requests. */
static local_store *
local_store_of(ppi_local *l)
{
	if (!__atomic_load_n(&l->is_tried, __ATOMIC_ACQUIRE)) {
		pthread_mutex_lock(&l->lock);
		if (!l->is_tried) {
			l->store = store_get(l->dir, l->node_id);
			__atomic_store_n(&l->is_tried, true, __ATOMIC_RELEASE);
		}
		pthread_mutex_unlock(&l->lock);
	}
	return l->store;
}

/* A reset transaction renewed, or a new one. An LMDB code. */
static int
txn_get(local_store *s, MDB_txn **txn)
{
	MDB_txn *t = NULL;
	int      rc;

	pthread_mutex_lock(&s->pool_lock);
	if (s->npool > 0) {
		t = s->pool[--s->npool];
	}
	pthread_mutex_unlock(&s->pool_lock);
	if (t == NULL) {
		return mdb_txn_begin(s->env, NULL, MDB_RDONLY, txn);
	}
	if ((rc = mdb_txn_renew(t)) != 0) {
		mdb_txn_abort(t);
		return rc;
	}
	*txn = t;
	return 0;
}

/*
 * True while DIR/data.mdb is the file s mapped. Checked with the
 * transaction open, so a store replaced before our snapshot began is
 * always seen; once false it stays false (is_stale).
 *
 * The stat() is skipped while the client's connection is the one that
 * was up at the last check that passed: a store is replaced only after
 * its node died, which drops that connection, and the node at the other
 * end of an unbroken connection keeps its store. Without a connection
 * (link 0) every read checks.
 */
static bool
is_current(ppi_local *l, local_store *s)
{
	struct stat st;
	uint64_t    link = l->link != NULL ? l->link(l->link_arg) : 0;

	if (__atomic_load_n(&s->is_stale, __ATOMIC_ACQUIRE)) {
		return false;
	}
	if (link != 0 &&
	    link == __atomic_load_n(&l->checked_link, __ATOMIC_ACQUIRE)) {
		return true;
	}
	if (stat(l->data_path, &st) == 0 && st.st_dev == s->data_dev &&
	    st.st_ino == s->data_ino) {
		__atomic_store_n(&l->checked_link, link, __ATOMIC_RELEASE);
		return true;
	}
	__atomic_store_n(&s->is_stale, true, __ATOMIC_RELEASE);
	return false;
}

int
ppi_local_txn_begin(ppi_local *l, ppi_local_txn *t)
{
	local_store *s = local_store_of(l);
	int          rc, tries;

	if (s == NULL || __atomic_load_n(&s->is_stale, __ATOMIC_ACQUIRE)) {
		return PPI_LOCAL_FALLBACK;
	}
	for (tries = 0;; tries++) {
		pthread_rwlock_rdlock(&s->map_lock);
		if ((rc = txn_get(s, &t->txn)) == 0) {
			t->state = s->state;
			t->logs  = s->logs;
			if (!is_current(l, s)) {
				ppi_local_txn_end(l, t);
				return PPI_LOCAL_FALLBACK;
			}
			return 0;
		}
		pthread_rwlock_unlock(&s->map_lock);
		if (rc != MDB_MAP_RESIZED || tries == RESIZE_TRIES) {
			return PPI_LOCAL_FALLBACK;
		}
		/* The node grew its map past ours: map what it wrote. */
		pthread_rwlock_wrlock(&s->map_lock);
		rc = mdb_env_set_mapsize(s->env, 0);
		pthread_rwlock_unlock(&s->map_lock);
		if (rc != 0) {
			return PPI_LOCAL_FALLBACK;
		}
	}
}

void
ppi_local_txn_end(ppi_local *l, ppi_local_txn *t)
{
	local_store *s = l->store;

	mdb_txn_reset(t->txn);
	pthread_mutex_lock(&s->pool_lock);
	if (s->npool < POOL_MAX) {
		s->pool[s->npool++] = t->txn;
		t->txn              = NULL;
	}
	pthread_mutex_unlock(&s->pool_lock);
	if (t->txn != NULL) {
		mdb_txn_abort(t->txn);
	}
	pthread_rwlock_unlock(&s->map_lock);
}
