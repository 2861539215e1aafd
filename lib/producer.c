/*
 * producer.c - pp_producer: what the node remembers of an idempotent
 * producer's key (the highest sequence applied and when). The commits
 * themselves carry the key through pp_commit_with (commit.c).
 */
#include <string.h>

#include "client.h"
#include "wire.h"

int
ppi_client_check_producer_key(const pp_client *c, const char *key)
{
	if (key == NULL ||
	    !ppi_wire_producer_key_valid(
	        key, strnlen(key, PP_PRODUCER_MAX + 1))) {
		return ppi_client_fail(c, PP_EINVAL,
		    "producer key must be 1 to %d bytes of visible ASCII",
		    PP_PRODUCER_MAX);
	}
	return 0;
}

int
pp_producer(pp_client *c, const char *key, pp_producer_info *info)
{
	ppi_buf   req;
	ppi_frame reply;
	char      msg[PPI_ERRMSG_MAX] = "";
	int       rv;

	if (c == NULL) {
		return PP_ENOTCONN;
	}
	if (info == NULL) {
		return ppi_client_fail(c, PP_EINVAL, "info is NULL");
	}
	if ((rv = ppi_client_check_producer_key(c, key)) != 0) {
		return rv;
	}
	ppi_buf_init(&req);
	ppi_wire_producer(&req, key);
	rv = ppi_client_call(c, &req, &reply);
	ppi_buf_fini(&req);
	if (rv != 0) {
		return ppi_client_fail(c, rv, "%s", "");
	}
	rv = ppi_wire_decode_producer(
	    reply.data, reply.len, info, msg, sizeof(msg));
	ppi_frame_free(&reply);
	return rv != 0 ? ppi_client_fail(c, rv, "%s", msg) : 0;
}
