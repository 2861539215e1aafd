/*
 * bench_dir.c - scratch directories of pipeproc-bench: every node and
 * store a workload makes lives in a fresh directory below the scratch
 * directory (-d), removed again when the run ends.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "bench.h"

static unsigned dir_counter; /* makes every bench_dir_make() path new */

int
bench_dir_make(
    const bench_cfg *cfg, const char *tag, int run, char *path, size_t path_len)
{
	int n;

	n = snprintf(path, path_len, "%s/%s-%d-%u", cfg->scratch_dir, tag, run,
	    dir_counter++);
	if (n < 0 || (size_t)n >= path_len) {
		fprintf(stderr, "bench: scratch path too long: %s\n",
		    cfg->scratch_dir);
		return (-1);
	}
	if (mkdir(path, 0700) != 0) {
		fprintf(stderr, "bench: mkdir %s: %s\n", path, strerror(errno));
		return (-1);
	}
	return (0);
}

static int
remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	if (remove(path) != 0 && errno != ENOENT) {
		fprintf(
		    stderr, "bench: remove %s: %s\n", path, strerror(errno));
	}
	return (0);
}

void
bench_dir_remove(const char *path)
{
	(void)nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}
