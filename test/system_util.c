/*
 * system_util.c - helpers of the systemProc and worker tests: program and
 * plugin paths, nodes with workers, numbered inputs, exactly-once counts
 * and worker pids from /proc. See system_util.h for the contract.
 */
#include "system_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define INPUT_BATCH 1000

/* ---- paths ------------------------------------------------------------------
 */

const char *
system_worker_path(void)
{
	static char path[PATH_MAX];
	const char *env = getenv("PIPEPROC_WORKER");
	char       *slash;

	if (path[0] != '\0') {
		return (path);
	}
	if (env != NULL && env[0] != '\0') {
		pp_t_format(path, sizeof(path), "%s", env);
		return (path);
	}
	pp_t_format(path, sizeof(path), "%s", pp_t_node_path());
	if ((slash = strrchr(path, '/')) != NULL) {
		slash[1] = '\0';
	} else {
		path[0] = '\0';
	}
	if (strlen(path) + sizeof("pipeproc-worker") > sizeof(path)) {
		PP_FAIL_AT("worker path too long");
	}
	strcat(path, "pipeproc-worker");
	return (path);
}

/* dir/NAME.so, absolute; "" when the file does not exist. */
static const char *
plugin_in(const char *env, const char *fallback, const char *name, int slot,
    bool must_exist)
{
	static char paths[2][4][PATH_MAX];
	const char *dir = getenv(env);
	char        rel[PATH_MAX];
	char       *out = paths[must_exist ? 0 : 1][slot & 3];

	if (dir == NULL || dir[0] == '\0') {
		dir = fallback;
	}
	pp_t_format(rel, sizeof(rel), "%s/%s.so", dir, name);
	if (realpath(rel, out) == NULL) {
		if (must_exist) {
			PP_FAIL_AT("plugin %s: %s (is it built? set %s)", rel,
			    strerror(errno), env);
		}
		return (NULL);
	}
	return (out);
}

const char *
system_plugin(const char *name, int slot)
{
	return (
	    plugin_in("PIPEPROC_PLUGINS", "build/plugins", name, slot, true));
}

const char *
system_test_plugin(const char *name, int slot)
{
	return (plugin_in(
	    "PIPEPROC_TEST_PLUGINS", "build/test/plugins", name, slot, false));
}

/* ---- nodes and systemProcs -------------------------------------------------
 */

pp_spawn_opts
system_spawn_opts(int32_t workers, uint32_t concurrency, uint32_t restart_after)
{
	pp_spawn_opts o;

	memset(&o, 0, sizeof(o));
	o.workers = workers;
	o.worker_concurrency = concurrency;
	o.worker_restart_after = restart_after;
	o.worker_path = system_worker_path();
	o.request_timeout_ms = (uint32_t)pp_t_scaled(60000);
	return (o);
}

pp_system_proc_opts
system_opts(const char *const *from, size_t nfrom, const char *const *to,
    size_t nto, const char *plugin, const char *config)
{
	pp_system_proc_opts o;
	pp_proc_opts        p = PP_PROC_OPTS_INIT;

	memset(&o, 0, sizeof(o));
	o.from = from;
	o.nfrom = nfrom;
	o.to = to;
	o.nto = nto;
	o.plugin = plugin;
	o.config = config;
	o.proc = p;
	o.proc.max_reclaims = -1;
	return (o);
}

size_t
system_create_at(
    int line, pp_client *c, const char *name, const pp_system_proc_opts *o)
{
	pp_proc_list *l = NULL;
	size_t        n;
	int           rv;

	if ((rv = pp_system_proc(c, name, o, &l)) != 0) {
		pp_t_fail(__FILE__, line,
		    "pp_system_proc(%s) returned %s (%s)%s%s", name,
		    pp_errname(rv), pp_strerror(rv),
		    pp_client_errmsg(c)[0] ? ": " : "", pp_client_errmsg(c));
	}
	n = pp_proc_list_count(l);
	pp_proc_list_free(l);
	return (n);
}

static void
copy_str(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src != NULL ? src : "(null)");
}

void
system_inspect_at(int line, pp_client *c, const char *name, system_info *out)
{
	pp_proc_list       *l = NULL;
	const pp_proc_info *i;
	int                 rv;

	if ((rv = pp_proc_inspect(c, name, &l)) != 0) {
		pp_t_fail(__FILE__, line, "pp_proc_inspect(%s) returned %s%s%s",
		    name, pp_errname(rv), pp_client_errmsg(c)[0] ? ": " : "",
		    pp_client_errmsg(c));
	}
	if (pp_proc_list_count(l) != 1) {
		pp_t_fail(__FILE__, line, "inspect %s: %zu entries", name,
		    pp_proc_list_count(l));
	}
	i = pp_proc_list_get(l, 0);
	memset(out, 0, sizeof(*out));
	out->i = *i;
	copy_str(out->name, sizeof(out->name), i->name);
	copy_str(out->topic, sizeof(out->topic), i->topic);
	copy_str(out->offset, sizeof(out->offset), i->offset);
	copy_str(out->last_error, sizeof(out->last_error), i->last_error);
	copy_str(out->system_proc, sizeof(out->system_proc), i->system_proc);
	copy_str(out->plugin, sizeof(out->plugin), i->plugin);
	/* The list's strings die with it. */
	out->i.name = out->name;
	out->i.topic = out->topic;
	out->i.offset = out->offset;
	out->i.opts.offset = out->offset;
	out->i.last_error = out->last_error;
	out->i.system_proc = out->system_proc;
	out->i.plugin = out->plugin;
	pp_proc_list_free(l);
}

uint64_t
system_length(pp_client *c, const char *topic)
{
	uint64_t n = 0;
	int      rv = pp_length(c, topic, &n);

	if (rv == PP_ENOTOPIC) {
		return (0);
	}
	if (rv != 0) {
		PP_FAIL_AT("pp_length(%s) returned %s: %s", topic,
		    pp_errname(rv), pp_client_errmsg(c));
	}
	return (n);
}

size_t
system_input_body(char *buf, const char *prefix, uint64_t i)
{
	return ((size_t)snprintf(buf, 64, "%s-%07" PRIu64, prefix, i));
}

void
system_commit_inputs(pp_client *c, const char *topic, const char *prefix,
    uint64_t first, uint64_t n)
{
	static char      body[INPUT_BATCH][64];
	static pp_record r[INPUT_BATCH];
	static pp_id     ids[INPUT_BATCH];
	uint64_t         done = 0, k, m;
	int              rv;

	while (done < n) {
		m = n - done < INPUT_BATCH ? n - done : INPUT_BATCH;
		for (k = 0; k < m; k++) {
			r[k].topic = topic;
			r[k].body = body[k];
			r[k].len = system_input_body(
			    body[k], prefix, first + done + k);
		}
		if ((rv = pp_commit(c, r, (size_t)m, ids)) != 0) {
			PP_FAIL_AT("commit to %s: %s: %s", topic,
			    pp_errname(rv), pp_client_errmsg(c));
		}
		done += m;
	}
}

void
system_wait_length_at(
    int line, pp_client *c, const char *topic, uint64_t n, int timeout_ms)
{
	uint64_t end = pp_t_mono_ms() + (uint64_t)pp_t_scaled(timeout_ms);
	uint64_t have;

	while ((have = system_length(c, topic)) < n) {
		if (pp_t_mono_ms() > end) {
			pp_t_fail(__FILE__, line,
			    "%s holds %" PRIu64 " logs, not %" PRIu64
			    " within %d ms",
			    topic, have, n, timeout_ms);
		}
		/* A few requests per millisecond would only load the
		 * node that is doing the work. */
		pp_t_nap();
		pp_t_nap();
	}
}

void
system_wait_procs_at(int line, pp_client *c, const char *const *names,
    size_t count, int timeout_ms)
{
	int rv = pp_wait_for_procs(c, names, count, pp_t_scaled(timeout_ms));

	if (rv != 0) {
		pp_t_fail(__FILE__, line,
		    "pp_wait_for_procs(%s%s) returned %s within %d ms%s%s",
		    count > 0 ? names[0] : "all", count > 1 ? ", ..." : "",
		    pp_errname(rv), timeout_ms,
		    pp_client_errmsg(c)[0] ? ": " : "", pp_client_errmsg(c));
	}
}

/* ---- outputs
 * ------------------------------------------------------------------ */

uint64_t
system_count_outputs(pp_client *c, const char *topic, const char *prefix,
    uint64_t n, uint32_t *counts, uint64_t *other)
{
	pp_iter      *it = NULL;
	const pp_log *log;
	size_t        plen = strlen(prefix), k;
	uint64_t      total = 0, v;
	const char   *b;
	int           rv;

	memset(counts, 0, (size_t)n * sizeof(*counts));
	if (other != NULL) {
		*other = 0;
	}
	if (system_length(c, topic) == 0) {
		return (0);
	}
	PP_PASS(pp_iter_open(c, topic, NULL, false, &it));
	while ((rv = pp_iter_next(it, &log)) == 1) {
		total++;
		b = log->body;
		v = 0;
		if (log->len == plen + 8 && memcmp(b, prefix, plen) == 0
		    && b[plen] == '-') {
			for (k = plen + 1; k < log->len; k++) {
				if (b[k] < '0' || b[k] > '9') {
					break;
				}
				v = v * 10 + (uint64_t)(b[k] - '0');
			}
			if (k == log->len && v < n) {
				counts[v]++;
				continue;
			}
		}
		if (other == NULL) {
			PP_FAIL_AT("%s: unexpected output \"%.*s\"", topic,
			    (int)(log->len > 80 ? 80 : log->len), b);
		}
		(*other)++;
	}
	if (rv != 0) {
		PP_FAIL_AT("pp_iter_next(%s): %s", topic, pp_errname(rv));
	}
	pp_iter_close(it);
	return (total);
}

static bool
is_skipped(uint64_t i, const uint64_t *skip, size_t nskip)
{
	size_t k;

	for (k = 0; k < nskip; k++) {
		if (skip[k] == i) {
			return (true);
		}
	}
	return (false);
}

void
system_check_once_at(int line, const char *what, const uint32_t *counts,
    uint64_t n, const uint64_t *skip, size_t nskip)
{
	uint64_t i, missing = 0, doubled = 0, first_missing = 0;
	uint64_t first_doubled = 0;

	for (i = 0; i < n; i++) {
		uint32_t want = is_skipped(i, skip, nskip) ? 0 : 1;

		if (counts[i] < want) {
			first_missing = missing++ == 0 ? i : first_missing;
		} else if (counts[i] > want) {
			first_doubled = doubled++ == 0 ? i : first_doubled;
		}
	}
	if (missing > 0 || doubled > 0) {
		pp_t_fail(__FILE__, line,
		    "%s: %" PRIu64
		    " inputs without their output (first %" PRIu64 "), %" PRIu64
		    " with too many (first %" PRIu64 ", %u)",
		    what, missing, first_missing, doubled, first_doubled,
		    doubled > 0 ? counts[first_doubled] : 0);
	}
}

/* ---- processes
 * ------------------------------------------------------------------ */

/* Reads a small /proc file into buf (NUL-terminated); its length or -1. */
static ssize_t
read_small(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int     fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		return (-1);
	}
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0) {
		return (-1);
	}
	buf[n] = '\0';
	return (n);
}

/* True when pid is a running worker of node_pid (not a --check). */
static bool
is_worker_of(pid_t pid, pid_t node_pid)
{
	char    path[64], buf[1024], *p, *open_paren;
	ssize_t n, k;
	int     ppid;
	char    state;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_small(path, buf, sizeof(buf)) <= 0
	    || (open_paren = strchr(buf, '(')) == NULL
	    || (p = strrchr(buf, ')')) == NULL) {
		return (false);
	}
	if (sscanf(p + 1, " %c %d", &state, &ppid) != 2 || ppid != node_pid
	    || state == 'Z' || state == 'X') {
		return (false);
	}
	*p = '\0';
	if (strcmp(open_paren + 1, "pipeproc-worker") != 0) {
		return (false);
	}
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if ((n = read_small(path, buf, sizeof(buf))) <= 0) {
		return (false);
	}
	for (k = 0; k < n; k += (ssize_t)strlen(buf + k) + 1) {
		if (strcmp(buf + k, "--slot") == 0) {
			return (true);
		}
	}
	return (false);
}

size_t
system_worker_pids(pid_t node_pid, pid_t *pids, size_t max)
{
	struct dirent *e;
	DIR           *d;
	size_t         n = 0;
	long           v;
	char          *end;

	if ((d = opendir("/proc")) == NULL) {
		PP_FAIL_AT("opendir /proc: %s", strerror(errno));
	}
	while ((e = readdir(d)) != NULL && n < max) {
		v = strtol(e->d_name, &end, 10);
		if (*end != '\0' || v <= 0) {
			continue;
		}
		if (is_worker_of((pid_t)v, node_pid)) {
			pids[n++] = (pid_t)v;
		}
	}
	closedir(d);
	return (n);
}

pp_node_stats
system_node_stats(pp_client *c)
{
	pp_stats_report *r = NULL;
	pp_node_stats    s;

	PP_PASS(pp_stats(c, &r));
	s = *pp_stats_node(r);
	pp_stats_free(r);
	return (s);
}

bool
system_has_bytes(const void *hay, size_t len, const char *needle)
{
	return (memmem(hay, len, needle, strlen(needle)) != NULL);
}
