/*
 * admin.c - store administration from the library: pp_topic_config,
 * pp_topic_delete and pp_backup. Each is one request answered with a
 * bare status.
 */
#include <string.h>

#include "client.h"
#include "id.h"
#include "wire.h"

/* Sends a built request and decodes its status reply. */
static int
status_call(pp_client *c, ppi_buf *req)
{
	ppi_frame reply;
	char      msg[PPI_ERRMSG_MAX] = "";
	int       rv;

	rv = ppi_client_call(c, req, &reply);
	ppi_buf_fini(req);
	if (rv == 0) {
		rv = ppi_wire_decode_status(reply.data, reply.len, msg,
		    sizeof(msg));
		ppi_frame_free(&reply);
	}
	return rv != 0 ? ppi_client_fail(c, rv, "%s", msg) : 0;
}

static int
check_topic(pp_client *c, const char *topic)
{
	if (c == NULL) {
		return PP_ENOTCONN;
	}
	if (!ppi_topic_valid(topic, topic != NULL ? strlen(topic) : 0)) {
		return ppi_client_fail(c, PP_EINVALID_TOPIC,
		    "topic must match [A-Za-z0-9_.-]{1,200}");
	}
	return 0;
}

int
pp_topic_config(pp_client *c, const char *topic, uint64_t max_age_ms,
    uint64_t max_count, uint64_t max_bytes)
{
	ppi_buf req;
	int     rv;

	if ((rv = check_topic(c, topic)) != 0) {
		return rv;
	}
	ppi_buf_init(&req);
	ppi_wire_topic_config(&req, topic, max_age_ms, max_count, max_bytes);
	return status_call(c, &req);
}

int
pp_topic_delete(pp_client *c, const char *topic, bool is_force)
{
	ppi_buf req;
	int     rv;

	if ((rv = check_topic(c, topic)) != 0) {
		return rv;
	}
	ppi_buf_init(&req);
	ppi_wire_topic_delete(&req, topic, is_force);
	return status_call(c, &req);
}

int
pp_backup(pp_client *c, const char *dir)
{
	ppi_buf req;

	if (c == NULL) {
		return PP_ENOTCONN;
	}
	if (dir == NULL || dir[0] == '\0' || strlen(dir) > 4000) {
		return ppi_client_fail(c, PP_EINVAL, "dir must be a path");
	}
	ppi_buf_init(&req);
	ppi_wire_backup(&req, dir);
	return status_call(c, &req);
}
