/*
 * config.c - parsing the jetstream plugins' config and reading their
 * credentials file (see config.h).
 *
 * The credentials never appear in the config itself, which the node
 * stores and shows (pp_proc_inspect, `pipeproc system-procs`): the config
 * names a file of "user=", "password=" or "token=" lines, read by each
 * process that connects.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define TIMEOUT_DEFAULT_MS 5000
#define BATCH_DEFAULT 256
#define BATCH_MAX 100000
#define ACK_WAIT_DEFAULT_MS 30000
#define CREDS_MAX 4096

/* Trims blanks at both ends, in place. */
static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t' || *s == '\r') {
		s++;
	}
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) {
		*--e = '\0';
	}
	return s;
}

/* Replaces *slot with a copy of v; false when out of memory. */
static bool
set(char **slot, const char *v)
{
	free(*slot);
	return (*slot = strdup(v)) != NULL;
}

/* A decimal in [min, max]. */
static bool
number(const char *v, int64_t min, int64_t max, int64_t *out)
{
	char     *end;
	long long n;

	errno = 0;
	n     = strtoll(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < min || n > max) {
		return false;
	}
	*out = n;
	return true;
}

/* Splits "a,b,c" into c->servers. */
static int
servers(jsconf *c, char *v, char *err, size_t errlen)
{
	char *save = NULL, *tok;

	for (tok = strtok_r(v, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		tok = trim(tok);
		if (*tok == '\0') {
			continue;
		}
		if (c->nservers == JSCONF_SERVERS_MAX) {
			snprintf(err, errlen, "servers: at most %d",
			    JSCONF_SERVERS_MAX);
			return -1;
		}
		if (!set(&c->servers[c->nservers++], tok)) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	return 0;
}

/* Reads the credentials file: user=, password=, token= lines. */
static int
credentials(jsconf *c, const char *path, char *err, size_t errlen)
{
	char   buf[CREDS_MAX + 1], *line, *save = NULL, *eq, **slot;
	FILE  *f;
	size_t n;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "credentials %s: %s", path,
		    strerror(errno));
		return -1;
	}
	n = fread(buf, 1, CREDS_MAX + 1, f);
	fclose(f);
	if (n > CREDS_MAX) {
		snprintf(err, errlen, "credentials %s: larger than %d bytes",
		    path, CREDS_MAX);
		return -1;
	}
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		line = trim(line);
		if (*line == '\0' || *line == '#') {
			continue;
		}
		if ((eq = strchr(line, '=')) == NULL) {
			snprintf(err, errlen, "credentials %s: a line without "
			    "'=' (want user=, password= or token=)", path);
			return -1;
		}
		*eq++ = '\0';
		line  = trim(line);
		slot  = strcmp(line, "user") == 0 ? &c->user
		     : strcmp(line, "password") == 0 ? &c->password
		     : strcmp(line, "token") == 0    ? &c->token
		                                     : NULL;
		if (slot == NULL) {
			snprintf(err, errlen, "credentials %s: unknown key "
			    "'%s' (want user, password or token)", path, line);
			return -1;
		}
		if (!set(slot, trim(eq))) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	if ((c->user == NULL) != (c->password == NULL)) {
		snprintf(err, errlen, "credentials %s: user and password go "
		    "together", path);
		return -1;
	}
	if (c->user == NULL && c->token == NULL) {
		snprintf(err, errlen, "credentials %s: neither user/password "
		    "nor token", path);
		return -1;
	}
	return 0;
}

/* Applies one key=value entry. */
static int
entry(jsconf *c, char *key, char *v, char *err, size_t errlen)
{
	char **slot = NULL;

	if (strcmp(key, "servers") == 0) {
		return servers(c, v, err, errlen);
	}
	if (strcmp(key, "credentials") == 0) {
		return credentials(c, v, err, errlen);
	}
	if (strcmp(key, "timeout_ms") == 0) {
		if (!number(v, 1, 3600000, &c->timeout_ms)) {
			snprintf(err, errlen, "timeout_ms: want 1 to 3600000");
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "ack_wait_ms") == 0) {
		if (!number(v, 100, 3600000, &c->ack_wait_ms)) {
			snprintf(err, errlen,
			    "ack_wait_ms: want 100 to 3600000");
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "headers") == 0) {
		if (strcmp(v, "drop") != 0 && strcmp(v, "envelope") != 0) {
			snprintf(err, errlen, "headers: want drop or envelope");
			return -1;
		}
		c->is_envelope = strcmp(v, "envelope") == 0;
		return 0;
	}
	if (strcmp(key, "batch") == 0) {
		if (!number(v, 1, BATCH_MAX, &c->batch)) {
			snprintf(err, errlen, "batch: want 1 to %d", BATCH_MAX);
			return -1;
		}
		return 0;
	}
	slot = strcmp(key, "subject") == 0 ? &c->subject
	    : strcmp(key, "stream") == 0   ? &c->stream
	    : strcmp(key, "consumer") == 0 ? &c->consumer
	    : strcmp(key, "tls_ca") == 0   ? &c->tls_ca
	    : strcmp(key, "tls_cert") == 0 ? &c->tls_cert
	    : strcmp(key, "tls_key") == 0  ? &c->tls_key
	    : strcmp(key, "id_prefix") == 0 ? &c->id_prefix
	                                    : NULL;
	if (slot == NULL) {
		snprintf(err, errlen, "unknown key '%s' (known: servers, "
		    "subject, stream, consumer, credentials, tls_ca, "
		    "tls_cert, tls_key, id_prefix, timeout_ms, batch, "
		    "ack_wait_ms, headers)", key);
		return -1;
	}
	if (*v == '\0') {
		snprintf(err, errlen, "%s: empty", key);
		return -1;
	}
	if (!set(slot, v)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int
jsconf_parse(const char *text, jsconf *c, char *err, size_t errlen)
{
	char *copy, *save = NULL, *e, *eq;

	memset(c, 0, sizeof(*c));
	c->timeout_ms = TIMEOUT_DEFAULT_MS;
	c->batch      = BATCH_DEFAULT;
	c->ack_wait_ms = ACK_WAIT_DEFAULT_MS;
	if ((copy = strdup(text)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (e = strtok_r(copy, ";\n", &save); e != NULL;
	     e = strtok_r(NULL, ";\n", &save)) {
		e = trim(e);
		if (*e == '\0' || *e == '#') {
			continue;
		}
		if ((eq = strchr(e, '=')) == NULL) {
			snprintf(err, errlen, "'%s' is not key=value", e);
			goto fail;
		}
		*eq++ = '\0';
		if (entry(c, trim(e), trim(eq), err, errlen) != 0) {
			goto fail;
		}
	}
	free(copy);
	if (c->nservers == 0) {
		snprintf(err, errlen, "servers: required (nats://HOST:PORT, "
		    "comma-separated)");
		jsconf_fini(c);
		return -1;
	}
	if (c->stream == NULL) {
		snprintf(err, errlen, "stream: required");
		jsconf_fini(c);
		return -1;
	}
	if ((c->tls_cert == NULL) != (c->tls_key == NULL)) {
		snprintf(err, errlen, "tls_cert and tls_key go together");
		jsconf_fini(c);
		return -1;
	}
	return 0;

fail:
	free(copy);
	jsconf_fini(c);
	return -1;
}

void
jsconf_fini(jsconf *c)
{
	int i;

	for (i = 0; i < c->nservers; i++) {
		free(c->servers[i]);
	}
	free(c->subject);
	free(c->stream);
	free(c->consumer);
	free(c->user);
	free(c->password);
	free(c->token);
	free(c->tls_ca);
	free(c->tls_cert);
	free(c->tls_key);
	free(c->id_prefix);
	memset(c, 0, sizeof(*c));
}
