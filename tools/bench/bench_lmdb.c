/*
 * bench_lmdb.c - raw LMDB baselines: what the node's storage costs with
 * no process, wire or library in between.
 *
 * The data has the node's shape (DESIGN §3): a named database "logs", key
 * tid:u32 seq:u64 big-endian (12 bytes), value ms:u64 big-endian then a
 * 100-byte body. Each run opens a fresh environment in its own scratch
 * directory with default flags, so every mdb_txn_commit() syncs as the
 * node's `--sync always` does, and removes it when done. Puts come in
 * timed slices (bench.h) that the caller alternates with the node's.
 *
 *   key   +--------+----------------+   value  +----------------+------+
 *         | tid=1  | seq            |          | ms             | body |
 *         +--------+----------------+          +----------------+------+
 *          0        4               12          0                8    108
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lmdb.h>

#include "bench.h"
#include "deadline.h"

#define KEY_BYTES    12
#define VALUE_BYTES  (8 + BENCH_BODY_BYTES)
#define MAP_BYTES    ((size_t)4 << 30) /* sparse; never filled here */
#define FILL_PER_TXN 10000             /* puts per txn when preloading */

/* Written by the scan so the compiler keeps the loads. */
static volatile unsigned scan_sink;

static void
put_be(uint8_t *p, uint64_t v, int bytes)
{
	int i;

	for (i = bytes - 1; i >= 0; i--) {
		p[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
}

static int
lmdb_fail(const char *what, int rv)
{
	fprintf(stderr, "bench: lmdb %s: %s\n", what, mdb_strerror(rv));
	return (-1);
}

/* Opens an env in `dir` with `flags` and the "logs" database. */
static int
env_open(const char *dir, unsigned flags, MDB_env **env, MDB_dbi *dbi)
{
	MDB_txn *txn;
	int      rv;

	if ((rv = mdb_env_create(env)) != 0) {
		return (lmdb_fail("env_create", rv));
	}
	if ((rv = mdb_env_set_mapsize(*env, MAP_BYTES)) != 0
	    || (rv = mdb_env_set_maxdbs(*env, 4)) != 0
	    || (rv = mdb_env_open(*env, dir, flags, 0600)) != 0) {
		mdb_env_close(*env);
		return (lmdb_fail("env_open", rv));
	}
	if ((rv = mdb_txn_begin(*env, NULL, 0, &txn)) != 0) {
		mdb_env_close(*env);
		return (lmdb_fail("txn_begin", rv));
	}
	if ((rv = mdb_dbi_open(txn, "logs", MDB_CREATE, dbi)) != 0) {
		mdb_txn_abort(txn);
		mdb_env_close(*env);
		return (lmdb_fail("dbi_open", rv));
	}
	if ((rv = mdb_txn_commit(txn)) != 0) {
		mdb_env_close(*env);
		return (lmdb_fail("txn_commit", rv));
	}
	return (0);
}

/*
 * Puts logs seq .. seq+count-1 in one write transaction and commits it
 * (which syncs unless the env has MDB_NOSYNC). Returns 0 or -1.
 */
static int
put_txn(MDB_env *env, MDB_dbi dbi, uint64_t seq, size_t count)
{
	uint8_t  key[KEY_BYTES];
	uint8_t  value[VALUE_BYTES];
	MDB_val  k = { sizeof(key), key };
	MDB_val  v = { sizeof(value), value };
	MDB_txn *txn;
	size_t   i;
	int      rv;

	if ((rv = mdb_txn_begin(env, NULL, 0, &txn)) != 0) {
		return (lmdb_fail("txn_begin", rv));
	}
	put_be(key, 1, 4);
	put_be(value, ppi_clock_ms(CLOCK_REALTIME), 8);
	for (i = 0; i < count; i++) {
		put_be(key + 4, seq + i, 8);
		bench_body_fill((char *)value + 8, BENCH_BODY_BYTES, seq + i);
		if ((rv = mdb_put(txn, dbi, &k, &v, 0)) != 0) {
			mdb_txn_abort(txn);
			return (lmdb_fail("put", rv));
		}
	}
	if ((rv = mdb_txn_commit(txn)) != 0) {
		return (lmdb_fail("txn_commit", rv));
	}
	return (0);
}

struct bench_lmdb {
	char     dir[PATH_MAX];
	MDB_env *env;
	MDB_dbi  dbi;
	uint64_t next_seq; /* sequence of the next put */
};

int
bench_lmdb_open(
    const bench_cfg *cfg, const char *tag, int run, bench_lmdb **dbp)
{
	bench_lmdb *db;

	if ((db = calloc(1, sizeof(*db))) == NULL) {
		fprintf(stderr, "bench: out of memory\n");
		return (-1);
	}
	if (bench_dir_make(cfg, tag, run, db->dir, sizeof(db->dir)) != 0) {
		free(db);
		return (-1);
	}
	if (env_open(db->dir, 0, &db->env, &db->dbi) != 0) {
		bench_dir_remove(db->dir);
		free(db);
		return (-1);
	}
	*dbp = db;
	return (0);
}

int
bench_lmdb_put_slice(bench_lmdb *db, size_t puts_per_txn, double slice_s,
    double *ops, double *elapsed_s)
{
	double start_s = bench_now_s();
	double took_s;
	size_t puts = 0;
	int    rv;

	do {
		rv = put_txn(db->env, db->dbi, db->next_seq, puts_per_txn);
		if (rv != 0) {
			return (-1);
		}
		db->next_seq += puts_per_txn;
		puts += puts_per_txn;
		took_s = bench_now_s() - start_s;
	} while (took_s < slice_s);
	*ops += (double)puts;
	*elapsed_s += took_s;
	return (0);
}

void
bench_lmdb_close(bench_lmdb *db)
{
	if (db == NULL) {
		return;
	}
	mdb_env_close(db->env);
	bench_dir_remove(db->dir);
	free(db);
}

/* Walks the whole "logs" database once; returns entries seen or -1. */
static long
scan(MDB_env *env, MDB_dbi dbi)
{
	MDB_txn    *txn;
	MDB_cursor *cur;
	MDB_val     k;
	MDB_val     v;
	unsigned    sum = 0;
	long        n = 0;
	int         rv;

	if ((rv = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) != 0) {
		return (lmdb_fail("txn_begin", rv));
	}
	if ((rv = mdb_cursor_open(txn, dbi, &cur)) != 0) {
		mdb_txn_abort(txn);
		return (lmdb_fail("cursor_open", rv));
	}
	while ((rv = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
		sum += ((const uint8_t *)v.mv_data)[v.mv_size - 1];
		n++;
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	if (rv != MDB_NOTFOUND) {
		return (lmdb_fail("cursor_get", rv));
	}
	scan_sink = sum;
	return (n);
}

int
bench_lmdb_scan_rate(
    const bench_cfg *cfg, int run, size_t count, double *ops_per_s)
{
	char     dir[PATH_MAX];
	MDB_env *env;
	MDB_dbi  dbi;
	size_t   done;
	size_t   n;
	double   start_s;
	double   elapsed_s;
	long     seen;
	int      rv;

	if (bench_dir_make(cfg, "lmdb-scan", run, dir, sizeof(dir)) != 0) {
		return (-1);
	}
	/* The preload is not measured: no sync per txn, one at the end. */
	if (env_open(dir, MDB_NOSYNC, &env, &dbi) != 0) {
		bench_dir_remove(dir);
		return (-1);
	}
	for (done = 0; done < count; done += n) {
		n = count - done < FILL_PER_TXN ? count - done : FILL_PER_TXN;
		if (put_txn(env, dbi, done, n) != 0) {
			goto fail;
		}
	}
	if ((rv = mdb_env_sync(env, 1)) != 0) {
		lmdb_fail("env_sync", rv);
		goto fail;
	}

	start_s = bench_now_s();
	seen = scan(env, dbi);
	elapsed_s = bench_now_s() - start_s;
	if (seen < 0) {
		goto fail;
	}
	if ((size_t)seen != count) {
		fprintf(stderr, "bench: lmdb scan saw %ld of %zu entries\n",
		    seen, count);
		goto fail;
	}
	mdb_env_close(env);
	bench_dir_remove(dir);
	*ops_per_s = (double)seen / elapsed_s;
	fprintf(stderr, "bench:   lmdb scan %ld entries: %.0f entries/s\n",
	    seen, *ops_per_s);
	return (0);

fail:
	mdb_env_close(env);
	bench_dir_remove(dir);
	return (-1);
}
