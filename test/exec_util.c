/*
 * exec_util.c - fixtures of the exec plugin tests. See exec_util.h.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_util.h"

const char *
exec_plugin(void)
{
	return (system_plugin("exec", 3));
}

const char *
exec_config(const char *prefix, const char *dir, const char *topic)
{
	static char cfg[PATH_MAX * 2 + 256];
	char        script[PATH_MAX];

	if (realpath("test/exec_proc.py", script) == NULL) {
		PP_FAIL_AT("test/exec_proc.py: %s (run from the repository "
		    "root)", strerror(errno));
	}
	pp_t_format(cfg, sizeof(cfg), "%s%spython3 %s %s%s%s",
	    prefix != NULL ? prefix : "", prefix != NULL ? " " : "", script,
	    dir, topic != NULL ? " " : "", topic != NULL ? topic : "");
	return (cfg);
}

const char *
exec_wait_error_at(int line, pp_client *c, const char *name,
    const char *needle, int timeout_ms)
{
	static system_info s;
	uint64_t end = pp_t_mono_ms() + (uint64_t) pp_t_scaled(timeout_ms);

	for (;;) {
		system_inspect_at(line, c, name, &s);
		if (strstr(s.last_error, needle) != NULL) {
			return (s.last_error);
		}
		if (pp_t_mono_ms() > end) {
			pp_t_fail(__FILE__, line, "the last error of %s is "
			    "\"%s\", not one with \"%s\", after %d ms", name,
			    s.last_error, needle, timeout_ms);
		}
		pp_t_nap();
		pp_t_nap();
	}
}

/* The pids listed in DIR/NAME, one a line. */
static size_t
read_pids(const char *dir, const char *name, pid_t *pids, size_t max)
{
	char  path[PATH_MAX];
	FILE *f;
	long  v;
	size_t n = 0;

	pp_t_format(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "r")) == NULL) {
		return (0);
	}
	while (n < max && fscanf(f, "%ld", &v) == 1) {
		pids[n++] = (pid_t) v;
	}
	fclose(f);
	return (n);
}

size_t
exec_child_pids(const char *dir, pid_t *pids, size_t max)
{
	return (read_pids(dir, "pids", pids, max));
}

size_t
exec_eof_pids(const char *dir, pid_t *pids, size_t max)
{
	return (read_pids(dir, "eofs", pids, max));
}

bool
exec_pid_alive(pid_t pid)
{
	char  path[64], buf[512], *p;
	FILE *f;
	bool  alive = false;

	pp_t_format(path, sizeof(path), "/proc/%d/stat", (int) pid);
	if ((f = fopen(path, "r")) == NULL) {
		return (false);
	}
	/* "pid (comm) S ...": the state follows the last ')'. */
	if (fgets(buf, sizeof(buf), f) != NULL &&
	    (p = strrchr(buf, ')')) != NULL && p[1] == ' ') {
		alive = p[2] != 'Z' && p[2] != 'X';
	}
	fclose(f);
	return (alive);
}
