/*
 * harness.c - the case runner (fork per case, timeout, TAP), assertions
 * that print both sides, time, randomness and the case's private
 * directory. Process and node helpers are in harness_node.c. See harness.h
 * for the contract.
 *
 * Design notes: the runner process never calls into libpipeproc or NNG, so
 * every case process starts with a clean library. A case process writes
 * the reason of its first failure into a CLOEXEC pipe that the runner
 * reads after the case ended.
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PP_T_DEFAULT_TIMEOUT_S 60
#define PP_T_MAX_DIRS 128

static char       g_root[PP_T_PATH];
static char       g_node_path[PATH_MAX];
static int        g_reason_fd = -1;
static atomic_int g_has_failed;
static char       g_dirs[PP_T_MAX_DIRS][PP_T_PATH];
static int        g_dir_count;
static pid_t      g_tracked[16];
static int        g_ntracked;
static pid_t      g_case_pid;

/* ---- assertions ------------------------------------------------------------ */

void
pp_t_diag(const char *fmt, ...)
{
	char    buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "# %s\n", buf);
}

void
pp_t_fail(const char *file, int line, const char *fmt, ...)
{
	char        msg[2048];
	char        reason[2200];
	const char *base = strrchr(file, '/');
	va_list     ap;
	int         n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	base = base ? base + 1 : file;
	fprintf(stderr, "# FAIL %s:%d: %s\n", base, line, msg);
	fflush(stderr);
	if (getpid() == g_case_pid) {
		for (n = 0; n < g_ntracked; n++) {
			kill(g_tracked[n], SIGKILL);
		}
	}
	/* Only the first failure (of any thread or helper) is the reason. */
	if (atomic_exchange(&g_has_failed, 1) == 0 && g_reason_fd >= 0) {
		n = snprintf(reason, sizeof(reason), "%s:%d: %s\n", base, line,
		    msg);
		if (n > (int)sizeof(reason) - 1) {
			n = (int)sizeof(reason) - 1;
		}
		if (write(g_reason_fd, reason, (size_t)n) < 0) {
			/* Nothing more we can do; stderr has the detail. */
		}
	}
	_exit(1);
}

bool
pp_t_str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL) {
		return (a == b);
	}
	return (strcmp(a, b) == 0);
}

static void
hex_window(char *out, size_t outlen, const unsigned char *p, size_t len,
    size_t from)
{
	size_t i, used = 0;

	out[0] = '\0';
	for (i = from; i < len && i < from + 12 && used + 4 < outlen; i++) {
		used += (size_t)snprintf(out + used, outlen - used, "%02x ",
		    p[i]);
	}
}

void
pp_t_mem_eq(const char *file, int line, const char *an, const void *a,
    size_t alen, const char *bn, const void *b, size_t blen)
{
	const unsigned char *pa = a, *pb = b;
	size_t               i, n = alen < blen ? alen : blen, from;
	char                 ha[64], hb[64];

	if (alen == blen && (n == 0 || memcmp(a, b, n) == 0)) {
		return;
	}
	for (i = 0; i < n && pa[i] == pb[i]; i++) {
	}
	from = i > 4 ? i - 4 : 0;
	hex_window(ha, sizeof(ha), pa, alen, from);
	hex_window(hb, sizeof(hb), pb, blen, from);
	pp_t_fail(file, line,
	    "%s == %s: lengths %zu vs %zu, first difference at %zu; "
	    "from %zu: [%s] vs [%s]",
	    an, bn, alen, blen, i, from, ha, hb);
}

const char *
pp_t_errdetail(void)
{
	const char *m = pp_last_errmsg();

	return (m ? m : "");
}

/* ---- time, randomness, files ------------------------------------------------ */

uint64_t
pp_t_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

uint64_t
pp_t_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

int
pp_t_scaled(int timeout_ms)
{
	static int  scale;
	const char *s;

	if (scale == 0) {
#if defined(__SANITIZE_ADDRESS__)
		scale = 3;
#else
		scale = 1;
#endif
		if ((s = getenv("PP_TEST_TIMEOUT_SCALE")) != NULL &&
		    atoi(s) > 0) {
			scale = atoi(s);
		}
	}
	return (timeout_ms * scale);
}

void
pp_t_nap(void)
{
	struct timespec ts = { 0, 1000000 };

	nanosleep(&ts, NULL);
}

uint64_t
pp_t_seed(void)
{
	static uint64_t seed;
	static bool     is_set;
	const char     *s;

	if (!is_set) {
		s    = getenv("PP_TEST_SEED");
		seed = s ? strtoull(s, NULL, 0) : 0x5eedf00dULL;
		is_set = true;
		pp_t_diag("seed %" PRIu64 " (set PP_TEST_SEED to repeat)", seed);
	}
	return (seed);
}

uint64_t
pp_t_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

uint64_t
pp_t_rand_below(uint64_t *state, uint64_t n)
{
	return (pp_t_rand(state) % n);
}

void
pp_t_format(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int     n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len) {
		PP_FAIL_AT("text does not fit in %zu bytes: %s", len, buf);
	}
}

const char *
pp_t_root(void)
{
	return (g_root);
}

const char *
pp_t_mkdir(const char *tag)
{
	char *d;

	if (g_dir_count >= PP_T_MAX_DIRS) {
		PP_FAIL_AT("too many directories in one case");
	}
	d = g_dirs[g_dir_count];
	pp_t_format(d, PP_T_PATH, "%s/%s%d", g_root, tag, g_dir_count);
	g_dir_count++;
	if (mkdir(d, 0700) != 0) {
		PP_FAIL_AT("mkdir %s: %s", d, strerror(errno));
	}
	return (d);
}

const char *
pp_t_node_path(void)
{
	return (g_node_path);
}

void
pp_t_track_pid(pid_t pid)
{
	if (pid > 0 && g_ntracked < 16) {
		g_tracked[g_ntracked++] = pid;
	}
}

/* ---- runner ------------------------------------------------------------------ */

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return (0);
}

static void
make_root(void)
{
	const char *tmp = getenv("TMPDIR");

	/* ipc paths must fit in sun_path (108 bytes): keep the root short. */
	if (tmp == NULL || tmp[0] == '\0' || strlen(tmp) > 40) {
		tmp = "/tmp";
	}
	snprintf(g_root, sizeof(g_root), "%s/pp-XXXXXX", tmp);
	if (mkdtemp(g_root) == NULL) {
		fprintf(stderr, "# mkdtemp %s: %s\n", g_root, strerror(errno));
		exit(2);
	}
}

static void
one_line(char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\n' || *s == '\r') {
			*s = (s[1] == '\0') ? '\0' : ' ';
		}
	}
}

/* Runs one case in a child; prints its TAP line; returns 1 when it passed. */
static int
run_case(const pp_test_case *tc, int number)
{
	int      rfd[2], st = 0, timeout_s, is_timed_out = 0;
	char     reason[2300] = "", why[2400];
	uint64_t start, end;
	pid_t    pid, r;
	ssize_t  n;

	timeout_s = tc->timeout_s > 0 ? tc->timeout_s : PP_T_DEFAULT_TIMEOUT_S;
	timeout_s = pp_t_scaled(timeout_s);
	make_root();
	if (pipe2(rfd, O_CLOEXEC) != 0) {
		perror("pipe");
		exit(2);
	}
	fflush(stdout);
	fflush(stderr);
	start = pp_t_mono_ms();
	if ((pid = fork()) < 0) {
		perror("fork");
		exit(2);
	}
	if (pid == 0) {
		setpgid(0, 0);
		close(rfd[0]);
		g_reason_fd = rfd[1];
		g_case_pid  = getpid();
		prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
		signal(SIGPIPE, SIG_IGN);
		if (tc->node_fn != NULL) {
			pp_t_node_case_run(tc->node_fn);
		} else {
			tc->fn();
		}
		fflush(stdout);
		fflush(stderr);
		exit(0);
	}
	setpgid(pid, pid);
	close(rfd[1]);
	end = start + (uint64_t)timeout_s * 1000u;
	for (;;) {
		r = waitpid(pid, &st, WNOHANG);
		if (r == pid) {
			break;
		}
		if (pp_t_mono_ms() > end) {
			is_timed_out = 1;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			break;
		}
		pp_t_nap();
	}
	/* Whatever the case left behind in its group goes too. */
	kill(-pid, SIGKILL);
	fcntl(rfd[0], F_SETFL, O_NONBLOCK);
	n = read(rfd[0], reason, sizeof(reason) - 1);
	reason[n > 0 ? n : 0] = '\0';
	close(rfd[0]);
	one_line(reason);
	nftw(g_root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);

	if (!is_timed_out && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		printf("ok %d - %s\n", number, tc->name);
		if (pp_t_mono_ms() - start > 5000) {
			printf("# %s took %.1f s\n", tc->name,
			    (double)(pp_t_mono_ms() - start) / 1000.0);
		}
		fflush(stdout);
		return (1);
	}
	if (is_timed_out) {
		snprintf(why, sizeof(why), "timed out after %d s%s%s",
		    timeout_s, reason[0] ? "; " : "", reason);
	} else if (WIFSIGNALED(st)) {
		snprintf(why, sizeof(why), "killed by signal %d (%s)%s%s",
		    WTERMSIG(st), strsignal(WTERMSIG(st)),
		    reason[0] ? "; " : "", reason);
	} else if (reason[0] != '\0') {
		snprintf(why, sizeof(why), "%s", reason);
	} else {
		snprintf(why, sizeof(why), "exit status %d", WEXITSTATUS(st));
	}
	printf("not ok %d - %s # %s\n", number, tc->name, why);
	fflush(stdout);
	return (0);
}

static void
usage(const char *prog, const pp_test_case *cases)
{
	int i;

	fprintf(stderr, "usage: %s [-l] [-t \"case name\"]\ncases:\n", prog);
	for (i = 0; cases[i].name != NULL; i++) {
		fprintf(stderr, "  %s\n", cases[i].name);
	}
}

int
pp_test_main(int argc, char **argv, const pp_test_case *cases)
{
	const char *only = NULL, *env;
	int         i, total = 0, passed = 0, number = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-t") == 0 && i + 1 < argc) {
			only = argv[++i];
		} else if (strcmp(argv[i], "-l") == 0) {
			for (i = 0; cases[i].name != NULL; i++) {
				printf("%s\n", cases[i].name);
			}
			return (0);
		} else {
			usage(argv[0], cases);
			return (2);
		}
	}
	env = getenv("PIPEPROC_NODE");
	if (env == NULL || env[0] == '\0') {
		env = "build/bin/pipeproc-node";
	}
	if (realpath(env, g_node_path) == NULL) {
		/* Keep the name: pp_spawn will report it. */
		snprintf(g_node_path, sizeof(g_node_path), "%s", env);
	}
	for (i = 0; cases[i].name != NULL; i++) {
		if (only == NULL || strcmp(only, cases[i].name) == 0) {
			total++;
		}
	}
	if (total == 0) {
		fprintf(stderr, "%s: no case named \"%s\"\n", argv[0], only);
		usage(argv[0], cases);
		return (2);
	}
	printf("1..%d\n", total);
	fflush(stdout);
	for (i = 0; cases[i].name != NULL; i++) {
		if (only != NULL && strcmp(only, cases[i].name) != 0) {
			continue;
		}
		passed += run_case(&cases[i], ++number);
	}
	return (passed == total ? 0 : 1);
}
