/*
 * command.c - reading the exec plugin's config (command.h).
 *
 * The config is a shell command line, run as /bin/sh -c CONFIG, so
 * whatever the shell accepts works. Two things are read from it before
 * that: a leading PIPEPROC_EXEC_TIMEOUT_MS=N, and the program, checked
 * when the systemProc is created (pipeproc-worker --check runs init) so
 * that a typo is a clear PP_EPLUGIN then, not a stream of reclaims later.
 * The check is deliberately shallow: it looks at the first word only
 * when it is plain (no quotes, variables or other shell syntax), and
 * says nothing about what the shell would do with the rest.
 */
#ifndef _GNU_SOURCE /* the fuzz build defines it for every file */
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "command.h"

#define WORD_MAX 4096

/* Shell words that are not programs on disk. */
static const char *const builtins[] = { "!", ".", ":", "[", "[[", "alias",
	"break", "case", "cd", "command", "continue", "eval", "exec", "exit",
	"export", "false", "for", "function", "if", "read", "readonly",
	"return", "set", "shift", "test", "time", "times", "trap", "true",
	"ulimit", "umask", "unset", "until", "wait", "while", "{", "(",
	"echo", "printf", "kill", "pwd", "type", "getopts", "hash", "jobs",
	"local", "select" };

static const char *
skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n') {
		s++;
	}
	return s;
}

/* Length of the word at s (up to a blank or the end). */
static size_t
word_len(const char *s)
{
	size_t n = 0;

	while (s[n] != '\0' && s[n] != ' ' && s[n] != '\t' && s[n] != '\n') {
		n++;
	}
	return n;
}

/* True when the n bytes at s are NAME=VALUE with a shell NAME. */
static bool
is_assignment(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !(isalpha((unsigned char) s[0]) || s[0] == '_')) {
		return false;
	}
	for (i = 1; i < n && s[i] != '='; i++) {
		if (!(isalnum((unsigned char) s[i]) || s[i] == '_')) {
			return false;
		}
	}
	return i < n;
}

/* True when the word holds nothing the shell would expand or parse. */
static bool
is_plain(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strchr("'\"\\$`|&;<>(){}*?[]~=#", s[i]) != NULL) {
			return false;
		}
	}
	return n > 0;
}

static int
parse_ms(const char *s, size_t n, int *ms, char *err, size_t errlen)
{
	char  buf[16], *end;
	long  v;

	if (n == 0 || n >= sizeof(buf)) {
		goto bad;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno  = 0;
	v      = strtol(buf, &end, 10);
	if (errno != 0 || *end != '\0' || !isdigit((unsigned char) buf[0]) ||
	    v < 1 || v > COMMAND_TIMEOUT_MAX_MS) {
		goto bad;
	}
	*ms = (int) v;
	return 0;
bad:
	snprintf(err, errlen, "exec: %s must be a number of ms from 1 to %d, "
	    "not '%.*s'", COMMAND_TIMEOUT_VAR, COMMAND_TIMEOUT_MAX_MS,
	    (int) (n > 40 ? 40 : n), s);
	return -1;
}

int
command_timeout(const char *config, int *ms, char *err, size_t errlen)
{
	const char *s = skip_space(config), *env;
	size_t      n, vlen = strlen(COMMAND_TIMEOUT_VAR);

	for (; (n = word_len(s)) > 0 && is_assignment(s, n);
	     s = skip_space(s + n)) {
		if (n > vlen && memcmp(s, COMMAND_TIMEOUT_VAR, vlen) == 0 &&
		    s[vlen] == '=') {
			return parse_ms(s + vlen + 1, n - vlen - 1, ms, err,
			    errlen);
		}
	}
	if ((env = getenv(COMMAND_TIMEOUT_VAR)) != NULL && env[0] != '\0') {
		return parse_ms(env, strlen(env), ms, err, errlen);
	}
	*ms = COMMAND_TIMEOUT_DEFAULT_MS;
	return 0;
}

static bool
is_executable_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    access(path, X_OK) == 0;
}

/* Searches PATH for the program; 0 when found. */
static int
find_in_path(const char *prog, char *err, size_t errlen)
{
	const char *path = getenv("PATH"), *p, *colon;
	char        full[WORD_MAX + 512];
	size_t      dlen;

	if (path == NULL || path[0] == '\0') {
		path = "/usr/local/bin:/usr/bin:/bin";
	}
	for (p = path;; p = colon + 1) {
		colon = strchr(p, ':');
		dlen  = colon != NULL ? (size_t) (colon - p) : strlen(p);
		if (dlen == 0) {
			snprintf(full, sizeof(full), "./%s", prog);
		} else {
			snprintf(full, sizeof(full), "%.*s/%s", (int) dlen, p,
			    prog);
		}
		if (is_executable_file(full)) {
			return 0;
		}
		if (colon == NULL) {
			break;
		}
	}
	snprintf(err, errlen, "exec: command '%.200s' not found in PATH "
	    "(%.300s)", prog, path);
	return -1;
}

int
command_check(const char *config, char *err, size_t errlen)
{
	const char *s = skip_space(config);
	char        prog[WORD_MAX + 1];
	size_t      n, i;

	while ((n = word_len(s)) > 0 && is_assignment(s, n)) {
		s = skip_space(s + n);
	}
	if (n == 0) {
		snprintf(err, errlen, "exec: the config must be the command "
		    "line of the processor to run, e.g. 'python3 proc.py'");
		return -1;
	}
	if (!is_plain(s, n) || n > WORD_MAX) {
		return 0; /* the shell's business */
	}
	memcpy(prog, s, n);
	prog[n] = '\0';
	for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++) {
		if (strcmp(prog, builtins[i]) == 0) {
			return 0;
		}
	}
	if (strchr(prog, '/') != NULL) {
		if (access(prog, F_OK) != 0) {
			snprintf(err, errlen, "exec: command '%.200s': %s",
			    prog, strerror(errno));
			return -1;
		}
		if (!is_executable_file(prog)) {
			snprintf(err, errlen, "exec: command '%.200s' is not "
			    "an executable file", prog);
			return -1;
		}
		return 0;
	}
	return find_in_path(prog, err, errlen);
}
