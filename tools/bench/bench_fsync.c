/*
 * bench_fsync.c - this disk's flush latency, for the ceiling of group
 * commit under --sync always (issue 15; docs/DESIGN.md §7.2): one thread
 * writes 4 KiB and calls fdatasync(), in a loop, on a file in the
 * scratch directory (the file system the nodes' stores live on).
 *
 * The writes overwrite a preallocated, already synced 1 MiB file in
 * turn, so each flush carries data only, as the second of LMDB's two
 * flushes (the meta page) and most of its first do. A store that grows
 * also journals its new size now and then; that is not counted here,
 * so the ceiling computed from this figure is an upper bound.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define FSYNC_BLOCK_BYTES 4096
#define FSYNC_FILE_BYTES  (1u << 20)

struct bench_fsync {
	char     dir[PATH_MAX];
	int      fd;
	unsigned next_block; /* the block the next write overwrites */
	char     block[FSYNC_BLOCK_BYTES];
};

static int
fsync_fail(bench_fsync *f, const char *what)
{
	fprintf(stderr, "bench: fsync probe %s: %s\n", what, strerror(errno));
	bench_fsync_close(f);
	return (-1);
}

int
bench_fsync_open(const bench_cfg *cfg, int run, bench_fsync **fp)
{
	bench_fsync *f;
	char         path[PATH_MAX + 16];
	size_t       off;

	if ((f = calloc(1, sizeof(*f))) == NULL) {
		return (-1);
	}
	f->fd = -1;
	if (bench_dir_make(cfg, "fsync", run, f->dir, sizeof(f->dir)) != 0) {
		free(f);
		return (-1);
	}
	snprintf(path, sizeof(path), "%s/probe", f->dir);
	if ((f->fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
	         0600)) < 0) {
		return (fsync_fail(f, "open"));
	}
	memset(f->block, 'f', sizeof(f->block));
	for (off = 0; off < FSYNC_FILE_BYTES; off += sizeof(f->block)) {
		if (pwrite(f->fd, f->block, sizeof(f->block), (off_t)off) !=
		    (ssize_t)sizeof(f->block)) {
			return (fsync_fail(f, "write"));
		}
	}
	if (fsync(f->fd) != 0) {
		return (fsync_fail(f, "fsync"));
	}
	*fp = f;
	return (0);
}

int
bench_fsync_slice(
    bench_fsync *f, double slice_s, double *syncs, double *elapsed_s)
{
	double start_s = bench_now_s(), deadline_s = start_s + slice_s;
	long   n = 0;
	off_t  off;

	while (bench_now_s() < deadline_s) {
		off = (off_t)f->next_block * FSYNC_BLOCK_BYTES;
		f->next_block = (f->next_block + 1) %
		    (FSYNC_FILE_BYTES / FSYNC_BLOCK_BYTES);
		f->block[0]++; /* never the same bytes twice in a row */
		if (pwrite(f->fd, f->block, sizeof(f->block), off) !=
		        (ssize_t)sizeof(f->block) ||
		    fdatasync(f->fd) != 0) {
			fprintf(stderr, "bench: fsync probe: %s\n",
			    strerror(errno));
			return (-1);
		}
		n++;
	}
	*elapsed_s += bench_now_s() - start_s;
	*syncs += (double)n;
	return (0);
}

void
bench_fsync_close(bench_fsync *f)
{
	if (f == NULL) {
		return;
	}
	if (f->fd >= 0) {
		close(f->fd);
	}
	bench_dir_remove(f->dir);
	free(f);
}
