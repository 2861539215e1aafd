/*
 * remote.c - options and start-up checks for remote clients (remote.h).
 *
 * The rules (issue 6, SPEC §4):
 *   - tls+tcp:// listeners need --tls-ca, --tls-cert and --tls-key; the
 *     material is read and checked here (parse, expiry, key pair), so a
 *     bad file stops the node at start with a message naming it;
 *   - tcp:// (plain) listeners need --insecure-tcp and a token;
 *   - the token comes from --token-file (mode 0600) or from the
 *     environment variable named by --token-env, never from the command
 *     line itself, where every user could read it in ps;
 *   - a token guards every listener but the workers' private one.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeproc.h"
#include "address.h"
#include "number.h"
#include "loopback.h"
#include "remote.h"
#include "user.h"

#define DEFAULT_MAX_CONNS 256
#define DEFAULT_AUTH_TIMEOUT_MS 10000

static bool
parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	uint64_t v;

	if (!ppi_parse_u64(s, hi, &v) || v < lo) {
		return false;
	}
	*out = (uint32_t) v;
	return true;
}

int
remote_option(remote_config *c, const char *name, const char *val)
{
	if (strcmp(name, "--tls-ca") == 0) {
		c->tls_ca = val;
	} else if (strcmp(name, "--tls-cert") == 0) {
		c->tls_cert = val;
	} else if (strcmp(name, "--tls-key") == 0) {
		c->tls_key = val;
	} else if (strcmp(name, "--token-file") == 0) {
		c->token_file = val;
	} else if (strcmp(name, "--token-env") == 0) {
		c->token_env = val;
	} else if (strcmp(name, "--max-connections") == 0) {
		if (!parse_u32(val, 1, 65536, &c->max_conns)) {
			fprintf(stderr, "pipeproc-node: PP_EINVAL: bad --max-connections "
			    "'%s' (1 to 65536)\n", val);
			return -1;
		}
	} else if (strcmp(name, "--allow-uid") == 0 ||
	    strcmp(name, "--allow-gid") == 0) {
		return peer_option(&c->peers, name, val);
	} else if (strcmp(name, "--auth-timeout") == 0) {
		if (!parse_u32(val, 100, 3600000, &c->auth_timeout_ms)) {
			fprintf(stderr, "pipeproc-node: PP_EINVAL: bad --auth-timeout "
			    "'%s' (100 to 3600000 ms)\n", val);
			return -1;
		}
	} else {
		fprintf(stderr, "pipeproc-node: PP_EINVAL: unknown option %s\n", name);
		return -1;
	}
	return 0;
}

/* A 0700 directory of our own for the workers' socket. */
static int
private_listener(remote *r, char *msg, size_t msglen)
{
	const char *tmp = getenv("TMPDIR");

	if (tmp == NULL || tmp[0] == '\0') {
		tmp = "/tmp";
	}
	snprintf(r->worker_dir, sizeof(r->worker_dir), "%s/pipeproc-node.XXXXXX",
	    tmp);
	if (mkdtemp(r->worker_dir) == NULL) {
		snprintf(msg, msglen, "cannot create a directory in %s for the "
		    "workers' socket: %s", tmp, strerror(errno));
		r->worker_dir[0] = '\0';
		return PP_EIO;
	}
	snprintf(r->worker_addr, sizeof(r->worker_addr), "ipc://%s/workers",
	    r->worker_dir);
	return 0;
}

int
remote_worker_listener(remote *r, const char *data_dir, char *msg,
    size_t msglen)
{
	char dir[PATH_MAX];
	int  rv;

	if (!r->needs_private) {
		return 0;
	}
	/* A socket path must fit in sun_path (108 bytes). */
	if (realpath(data_dir, dir) != NULL &&
	    strlen(dir) + sizeof("/workers.sock") <= 100) {
		snprintf(r->worker_sock, sizeof(r->worker_sock),
		    "%s/workers.sock", dir);
		snprintf(r->worker_addr, sizeof(r->worker_addr), "ipc://%s",
		    r->worker_sock);
	} else if ((rv = private_listener(r, msg, msglen)) != 0) {
		return rv;
	}
	r->sec.worker_addr = r->worker_addr;
	return 0;
}

int
remote_prepare(const remote_config *c, const char *const *listen,
    size_t nlisten, remote *r, char *msg, size_t msglen)
{
	const char *ipc = NULL;
	bool        has_tls = false;
	ppi_addr    a;
	size_t      i;
	int         rv = 0;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < nlisten; i++) {
		if (ppi_address_parse(listen[i], &a) != 0) {
			snprintf(msg, msglen, "bad --listen '%s': expected "
			    "ipc://PATH, tls+tcp://HOST:PORT or tcp://HOST:PORT",
			    listen[i]);
			return PP_EADDR;
		}
		if (a.kind == PPI_ADDR_IPC && ipc == NULL) {
			ipc = listen[i];
		}
		/* A socket in the private runtime directory: make it, or
		 * refuse one that is not ours alone (issue 14 item 1). */
		if (a.kind == PPI_ADDR_IPC &&
		    (rv = ppi_user_rundir_guard(a.path, true, msg, msglen)) !=
		        0) {
			return rv;
		}
		if (a.kind == PPI_ADDR_TLS) {
			has_tls = true;
			if (c->tls_ca == NULL || c->tls_cert == NULL ||
			    c->tls_key == NULL) {
				snprintf(msg, msglen, "--listen %s needs "
				    "--tls-ca, --tls-cert and --tls-key",
				    listen[i]);
				return PP_EINVAL;
			}
		}
		/* Loopback needs no ceremony: a token is made for it
		 * below (issue 11 item 5, loopback.h). */
		if (a.kind == PPI_ADDR_TCP && !c->is_insecure_tcp &&
		    !ppi_loopback_is(&a)) {
			snprintf(msg, msglen, "--listen %s is plain tcp: "
			    "everything crosses the network in clear; use "
			    "tls+tcp://, or allow it with --insecure-tcp and "
			    "a token", listen[i]);
			return PP_EINVAL;
		}
	}
	if (c->token_file != NULL) {
		rv = ppi_token_read_file(&r->token, c->token_file, msg, msglen);
	} else if (c->token_env != NULL) {
		rv = ppi_token_read_env(&r->token, c->token_env, msg, msglen);
	}
	if (rv != 0) {
		return rv;
	}
	/* No token configured: loopback listeners get a generated one,
	 * left for our own user's clients (the same one for all). */
	for (i = 0; i < nlisten && c->token_file == NULL &&
	     c->token_env == NULL; i++) {
		if (ppi_address_parse(listen[i], &a) == 0 &&
		    ppi_loopback_is(&a) &&
		    (rv = ppi_loopback_token_make(&a, &r->token, msg,
		         msglen)) != 0) {
			return rv;
		}
	}
	for (i = 0; i < nlisten; i++) {
		if (strncmp(listen[i], "tcp://", 6) == 0 && r->token.len == 0) {
			snprintf(msg, msglen, "--listen %s is plain tcp: it "
			    "needs --token-file or --token-env", listen[i]);
			return PP_EINVAL;
		}
	}
	if (has_tls && (rv = ppi_tls_load(c->tls_ca, c->tls_cert, c->tls_key,
	                    true, &r->pem, msg, msglen)) != 0) {
		return rv;
	}
	r->needs_private   = ipc == NULL || r->token.len > 0;
	r->sec.pem         = has_tls ? &r->pem : NULL;
	r->sec.token       = &r->token;
	r->sec.worker_addr = ipc;
	r->sec.peers       = &c->peers;
	r->sec.max_conns = c->max_conns != 0 ? c->max_conns
	                                     : DEFAULT_MAX_CONNS;
	r->sec.auth_timeout_ms = c->auth_timeout_ms != 0
	    ? c->auth_timeout_ms
	    : DEFAULT_AUTH_TIMEOUT_MS;
	return 0;
}

void
remote_cleanup(remote *r)
{
	char path[700];

	ppi_token_wipe(&r->token);
	ppi_tls_pem_fini(&r->pem);
	if (r->worker_sock[0] != '\0') {
		unlink(r->worker_sock);
		r->worker_sock[0] = '\0';
	}
	if (r->worker_dir[0] != '\0') {
		snprintf(path, sizeof(path), "%s/workers", r->worker_dir);
		unlink(path);
		rmdir(r->worker_dir);
		r->worker_dir[0] = '\0';
	}
}
