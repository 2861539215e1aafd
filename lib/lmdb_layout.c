/*
 * lmdb_layout.c - encodings of the store's keys and topic record, and
 * the mapping of LMDB codes to PP_E* (lmdb_layout.h). The node writes
 * with them and both the node and a local client read with them, so the
 * two can never disagree on the layout.
 */
#include <errno.h>
#include <stdio.h>

#include "endian.h"
#include "lmdb_layout.h"
#include "pipeproc.h"

void
ppi_lmdb_topic_encode(const ppi_lmdb_topic *t, unsigned char *out)
{
	ppi_put_be32(out, t->tid);
	ppi_put_be32(out + 4, 0);
	ppi_put_be64(out + 8, t->next_seq);
	ppi_put_be64(out + 16, t->count);
	ppi_put_be64(out + 24, t->bytes);
	ppi_put_be64(out + 32, t->last_ms);
	ppi_put_be64(out + 40, t->created_ms);
	ppi_put_be64(out + 48, 0);
	ppi_put_be64(out + 56, t->max_age_ms);
	ppi_put_be64(out + 64, t->max_count);
	ppi_put_be64(out + 72, t->max_bytes);
}

bool
ppi_lmdb_topic_decode(const MDB_val *v, ppi_lmdb_topic *t)
{
	const unsigned char *p = v->mv_data;

	if (v->mv_size != PPI_LMDB_TOPIC_REC_SIZE &&
	    v->mv_size != PPI_LMDB_TOPIC_REC_SIZE_V0) {
		return false;
	}
	t->max_age_ms = t->max_count = t->max_bytes = 0;
	if (v->mv_size == PPI_LMDB_TOPIC_REC_SIZE) {
		t->max_age_ms = ppi_get_be64(p + 56);
		t->max_count  = ppi_get_be64(p + 64);
		t->max_bytes  = ppi_get_be64(p + 72);
	}
	t->tid        = ppi_get_be32(p);
	t->next_seq   = ppi_get_be64(p + 8);
	t->count      = ppi_get_be64(p + 16);
	t->bytes      = ppi_get_be64(p + 24);
	t->last_ms    = ppi_get_be64(p + 32);
	t->created_ms = ppi_get_be64(p + 40);
	return true;
}

void
ppi_lmdb_log_key(unsigned char *key, uint32_t tid, uint64_t seq)
{
	ppi_put_be32(key, tid);
	ppi_put_be64(key + 4, seq);
}

uint64_t
ppi_lmdb_key_seq(const MDB_val *k)
{
	return ppi_get_be64((const unsigned char *) k->mv_data + 4);
}

uint64_t
ppi_lmdb_val_ms(const MDB_val *v)
{
	return v->mv_size >= 8 ? ppi_get_be64(v->mv_data) : 0;
}

int
ppi_lmdb_error(int rc, const char *what, char *msg, size_t msglen)
{
	snprintf(msg, msglen, "%s: %s", what, mdb_strerror(rc));
	switch (rc) {
	case ENOSPC:
	case EDQUOT:
		snprintf(msg, msglen, "%s: the file system of the data "
		    "directory is full (%s)", what, mdb_strerror(rc));
		return PP_ESTORE_FULL;
	case MDB_MAP_FULL:
		return PP_ESTORE_FULL;
	case ENOMEM:
		return PP_ENOMEM;
	case EIO:
		return PP_EIO;
	case EACCES:
	case EPERM:
		return PP_EPERM;
	default:
		return PP_ESTORE;
	}
}
