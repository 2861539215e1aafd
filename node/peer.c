/*
 * peer.c - the node's allow-list of local users (peer.h).
 *
 * Why check at all when the socket file is 0600: a socket of ours can
 * sit in a directory someone else made, and root passes any file mode,
 * so the mode alone does not say who connects. The kernel does
 * (SO_PEERCRED), and a refusal is answered with PP_EPEER on the
 * connection's requests, naming the node's user, so the client can say
 * what happened instead of timing out.
 */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeproc.h"
#include "number.h"
#include "peer.h"
#include "user.h"

/* One list element: a number, else a user or group name. */
static bool
parse_one(const char *s, bool is_gid, uint32_t *out)
{
	struct passwd *pw;
	struct group  *gr;
	uint64_t       v;

	if (ppi_parse_u64(s, UINT32_MAX - 1, &v)) {
		*out = (uint32_t) v;
		return true;
	}
	/* At start-up, one thread: the plain lookups are fine. */
	if (is_gid && (gr = getgrnam(s)) != NULL) {
		*out = (uint32_t) gr->gr_gid;
		return true;
	}
	if (!is_gid && (pw = getpwnam(s)) != NULL) {
		*out = (uint32_t) pw->pw_uid;
		return true;
	}
	return false;
}

int
peer_option(peer_config *c, const char *name, const char *val)
{
	bool     is_gid = strcmp(name, "--allow-gid") == 0;
	uint32_t *list  = is_gid ? c->gids : c->uids;
	size_t   *n     = is_gid ? &c->ngids : &c->nuids;
	char      item[256];
	size_t    len;

	while (*val != '\0') {
		len = strcspn(val, ",");
		if (len == 0 || len >= sizeof(item) || *n == PEER_ALLOW_MAX) {
			goto bad;
		}
		memcpy(item, val, len);
		item[len] = '\0';
		if (!parse_one(item, is_gid, &list[*n])) {
			goto bad;
		}
		(*n)++;
		val += len;
		if (*val == ',') {
			val++;
		}
	}
	return 0;
bad:
	fprintf(stderr, "pipeproc-node: bad %s '%s' (a comma-separated list "
	    "of at most %d %s numbers or names)\n", name, val,
	    PEER_ALLOW_MAX, is_gid ? "group" : "user");
	return -1;
}

/* Is the user uid a member of group gid (primary or supplementary)? */
static bool
user_in_group(uint64_t uid, uint32_t gid)
{
	struct passwd pw, *res = NULL;
	char          buf[2048];
	gid_t         groups[256];
	int           n = 256, i;

	if (getpwuid_r((uid_t) uid, &pw, buf, sizeof(buf), &res) != 0 ||
	    res == NULL) {
		return false;
	}
	if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &n) < 0) {
		return false;
	}
	for (i = 0; i < n; i++) {
		if ((uint32_t) groups[i] == gid) {
			return true;
		}
	}
	return false;
}

int
peer_check(const peer_config *c, uint64_t uid, uint64_t gid, char *msg,
    size_t msglen)
{
	char   me[300], them[300];
	size_t i;

	if (uid == (uint64_t) geteuid()) {
		return 0;
	}
	for (i = 0; c != NULL && i < c->nuids; i++) {
		if (c->uids[i] == uid) {
			return 0;
		}
	}
	for (i = 0; c != NULL && i < c->ngids; i++) {
		if (c->gids[i] == gid || user_in_group(uid, c->gids[i])) {
			return 0;
		}
	}
	ppi_user_describe(geteuid(), me, sizeof(me));
	ppi_user_describe(uid, them, sizeof(them));
	snprintf(msg, msglen, "this node belongs to %s and serves only its "
	    "own user; %s is not allowed (pipeproc-node --allow-uid or "
	    "--allow-gid)", me, them);
	return PP_EPEER;
}
