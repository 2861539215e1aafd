/*
 * sys_rec.c - the systemProc record: every option of a systemProc
 * persisted (PEER §12 with the fixes of §22-23), the names of its procs,
 * and which systemProc a proc belongs to. Creation and destruction are
 * system.c; the writer's table of systemProcs is systable.c.
 *
 *   state key: 0x04 name
 *   value (integers big-endian):
 *   +---------+--------+-------+--------+-------+-----+------------+
 *   | count:4 | maxr:4 | rto:8 | on_max | nfrom | nto | created:8  |
 *   +---------+--------+-------+--------+-------+-----+------------+
 *   then strings, each len:u16 + bytes: offset, plugin, config,
 *   from[nfrom], to[nto]
 *   A source (pp_source()) is a record with nfrom 0 and nto >= 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys_rec.h"

#define HEADER 28

static size_t
sys_key(unsigned char *key, const char *name, size_t len)
{
	key[0] = STATE_SYSTEM;
	memcpy(key + 1, name, len);
	return len + 1;
}

static unsigned char *
put_str(unsigned char *b, const char *s, size_t len)
{
	b[0] = (unsigned char) (len >> 8);
	b[1] = (unsigned char) len;
	memcpy(b + 2, s, len);
	return b + 2 + len;
}

/* Reads one string into a fresh allocation; NULL when malformed. */
static char *
get_str(const unsigned char **b, const unsigned char *end)
{
	size_t len;
	char  *s;

	if (end - *b < 2) {
		return NULL;
	}
	len = (size_t) ((*b)[0] << 8 | (*b)[1]);
	if ((size_t) (end - *b - 2) < len || (s = malloc(len + 1)) == NULL) {
		return NULL;
	}
	memcpy(s, *b + 2, len);
	s[len] = '\0';
	*b += 2 + len;
	return s;
}

void
sys_rec_free(sys_def *d)
{
	size_t i;

	if (d == NULL) {
		return;
	}
	for (i = 0; i < d->nfrom; i++) {
		free(d->from[i]);
		free(d->procs[i]);
	}
	for (i = 0; i < d->nto; i++) {
		free(d->to[i]);
	}
	free(d->name);
	free(d->offset);
	free(d->plugin);
	free(d->config);
	memset(d, 0, sizeof(*d));
}

/* The name of the proc reading `topic` for systemProc `name`. */
bool
sys_rec_proc_name(char *out, const char *name, size_t nfrom, const char *topic)
{
	int n = nfrom == 1
	    ? snprintf(out, PP_TOPIC_MAX + 1, "%s", name)
	    : snprintf(out, PP_TOPIC_MAX + 1, "%s" SYS_NAME_SEP "%s", name,
	          topic);

	return n > 0 && n <= PP_TOPIC_MAX;
}

bool
sys_rec_decode(const MDB_val *k, const MDB_val *v, sys_def *d)
{
	const unsigned char *h = v->mv_data, *end = h + v->mv_size, *b;
	char                 pname[PP_TOPIC_MAX + 1];
	size_t               nfrom, nto, i;

	memset(d, 0, sizeof(*d));
	if (v->mv_size < HEADER || k->mv_size < 2 ||
	    k->mv_size > PP_TOPIC_MAX + 1) {
		return false;
	}
	nfrom = h[17];
	nto   = h[18];
	if ((nfrom < 1 && nto < 1) || nfrom > SYS_LIST_MAX ||
	    nto > SYS_LIST_MAX) {
		return false;
	}
	d->count              = ppi_get_be32(h);
	d->max_reclaims       = (int32_t) ppi_get_be32(h + 4);
	d->reclaim_timeout_ms = (int64_t) ppi_get_be64(h + 8);
	d->on_max             = h[16];
	d->created_ms         = ppi_get_be64(h + 20);
	d->name = strndup((const char *) k->mv_data + 1, k->mv_size - 1);
	b       = h + HEADER;
	if (d->name == NULL || (d->offset = get_str(&b, end)) == NULL ||
	    (d->plugin = get_str(&b, end)) == NULL ||
	    (d->config = get_str(&b, end)) == NULL) {
		sys_rec_free(d);
		return false;
	}
	/* Counted as they are filled, so sys_rec_free() frees just those. */
	for (i = 0; i < nfrom; i++, d->nfrom++) {
		if ((d->from[i] = get_str(&b, end)) == NULL ||
		    !sys_rec_proc_name(pname, d->name, nfrom, d->from[i]) ||
		    (d->procs[i] = strdup(pname)) == NULL) {
			d->nfrom++;
			sys_rec_free(d);
			return false;
		}
	}
	for (i = 0; i < nto; i++, d->nto++) {
		if ((d->to[i] = get_str(&b, end)) == NULL) {
			sys_rec_free(d);
			return false;
		}
	}
	return true;
}

int
sys_rec_put(MDB_txn *txn, store *s, const ppi_request *req,
    const char *offset, uint64_t now_ms)
{
	unsigned char  key[1 + PP_TOPIC_MAX];
	unsigned char *b;
	MDB_val        k, v;
	size_t         size = HEADER, i;
	int            rc;

	size += 2 + strlen(offset) + 2 + req->plugin.len + 2 + req->config.len;
	for (i = 0; i < req->nnames; i++) {
		size += 2 + req->names[i].len;
	}
	for (i = 0; i < req->ntos; i++) {
		size += 2 + req->tos[i].len;
	}
	k.mv_data = key;
	k.mv_size = sys_key(key, req->name.ptr, req->name.len);
	v.mv_size = size;
	if ((rc = mdb_put(txn, s->state, &k, &v, MDB_RESERVE)) != 0) {
		return rc;
	}
	b = v.mv_data;
	memset(b, 0, HEADER);
	ppi_put_be32(b, (uint32_t) req->count);
	ppi_put_be32(b + 4, (uint32_t) req->max_reclaims);
	ppi_put_be64(b + 8, (uint64_t) req->reclaim_timeout);
	b[16] = (unsigned char) req->on_max;
	b[17] = (unsigned char) req->nnames;
	b[18] = (unsigned char) req->ntos;
	ppi_put_be64(b + 20, now_ms);
	b = put_str(b + HEADER, offset, strlen(offset));
	b = put_str(b, req->plugin.ptr, req->plugin.len);
	b = put_str(b, req->config.ptr, req->config.len);
	for (i = 0; i < req->nnames; i++) {
		b = put_str(b, req->names[i].ptr, req->names[i].len);
	}
	for (i = 0; i < req->ntos; i++) {
		b = put_str(b, req->tos[i].ptr, req->tos[i].len);
	}
	return 0;
}

int
sys_rec_get(MDB_txn *txn, store *s, const char *name, size_t len, sys_def *d)
{
	unsigned char key[1 + PP_TOPIC_MAX];
	MDB_val       k, v;
	int           rc;

	if (len == 0 || len > PP_TOPIC_MAX) {
		return MDB_NOTFOUND;
	}
	k.mv_data = key;
	k.mv_size = sys_key(key, name, len);
	if ((rc = mdb_get(txn, s->state, &k, &v)) != 0) {
		return rc;
	}
	return sys_rec_decode(&k, &v, d) ? 0 : MDB_CORRUPTED;
}

int
sys_rec_del(MDB_txn *txn, store *s, const char *name, size_t len)
{
	unsigned char key[1 + PP_TOPIC_MAX];
	MDB_val       k;

	k.mv_data = key;
	k.mv_size = sys_key(key, name, len);
	return mdb_del(txn, s->state, &k, NULL);
}

bool
sys_rec_lookup_proc(MDB_txn *txn, store *s, const char *proc, char *name,
    char *plugin, size_t plugin_cap)
{
	const char *at = proc;
	sys_def     d;
	size_t      len = strlen(proc), i;
	bool        found = false;

	/* The proc is "name" or "name__topic", and both parts may hold
	 * "__" themselves: try the whole name, then every split. */
	for (;;) {
		if (sys_rec_get(txn, s, proc, len, &d) == 0) {
			for (i = 0; i < d.nfrom && !found; i++) {
				found = strcmp(d.procs[i], proc) == 0;
			}
			if (found) {
				snprintf(name, PP_TOPIC_MAX + 1, "%s", d.name);
				snprintf(plugin, plugin_cap, "%s", d.plugin);
			}
			sys_rec_free(&d);
			if (found) {
				return true;
			}
		}
		if ((at = strstr(at, SYS_NAME_SEP)) == NULL) {
			return false;
		}
		len = (size_t) (at - proc);
		at += 1;
	}
}
