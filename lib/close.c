/*
 * close.c - the end of a client: pp_shutdown (stop the node) and pp_close
 * (let go of it). Both answer the client's queued commits first
 * (commit.c), so they sit above the commit queue and the client handle
 * (client.c); a client that spawned its node also reaps it here.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "wire.h"

/*
 * Polls for the exit of our node child, escalating to SIGKILL. Returns 0
 * when it exited with status 0, -1 otherwise (also when there is none).
 */
static int
reap(pp_client *c, uint32_t timeout_ms)
{
	struct timespec nap = { 0, 2 * 1000 * 1000 };
	uint32_t        waited_ms;
	int             status = -1;
	pid_t           pid    = c->node_pid;

	if (pid <= 0) {
		return -1;
	}
	c->node_pid = 0;
	for (waited_ms = 0; waited_ms < timeout_ms; waited_ms += 2) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			return WIFEXITED(status) && WEXITSTATUS(status) == 0
			    ? 0
			    : -1;
		}
		nanosleep(&nap, NULL);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
	}
	return -1;
}

int
pp_shutdown(pp_client *c)
{
	ppi_buf   req;
	ppi_frame reply = { NULL, 0, NULL };
	char      msg[PPI_ERRMSG_MAX] = "";
	int       rv;

	if (c == NULL) {
		return PP_ENOTCONN;
	}
	/* An attached client must not start the node it stops again. */
	if (c->attach_stop != NULL) {
		c->attach_stop(c);
	}
	/* Answer our own queued commits first: they were accepted. */
	ppi_commitq_stop(c);
	ppi_buf_init(&req);
	ppi_wire_shutdown(&req);
	rv = ppi_client_call(c, &req, &reply);
	ppi_buf_fini(&req);
	if (rv == 0) {
		rv = ppi_wire_decode_status(reply.data, reply.len, msg, sizeof(msg));
		ppi_frame_free(&reply);
	}
	/* Hanging up tells the node its reply arrived, so it can exit. */
	__atomic_store_n(&c->is_closed, true, __ATOMIC_RELEASE);
	ppi_transport_hangup(c->transport);
	if (c->lifeline_fd >= 0) {
		close(c->lifeline_fd);
		c->lifeline_fd = -1;
	}
	/* A stopped client holds no lease: it wants no node any more. */
	if (c->attach_free != NULL) {
		c->attach_free(c);
		c->attach_stop = NULL;
		c->attach_free = NULL;
	}
	if (reap(c, c->request_timeout_ms) == 0 &&
	    (rv == PP_ECLOSED || rv == PP_ECONNREFUSED || rv == PP_ETIMEDOUT)) {
		/* Our own node exited cleanly: the reply was lost, not the
		 * shutdown. */
		rv = 0;
	}
	if (rv != 0) {
		return ppi_client_fail(
		    c, rv, "shutdown%s%s", msg[0] != '\0' ? ": " : "", msg);
	}
	return 0;
}

void
pp_close(pp_client *c)
{
	if (c == NULL) {
		return;
	}
	if (c->attach_stop != NULL) {
		c->attach_stop(c);
	}
	ppi_commitq_stop(c);
	ppi_transport_close(c->transport);
	/* The spawner owns its node: closing the lifeline stops it
	 * gracefully, and we reap it so no zombie is left behind. */
	if (c->lifeline_fd >= 0) {
		close(c->lifeline_fd);
		c->lifeline_fd = -1;
	}
	reap(c, c->request_timeout_ms);
	ppi_lane_free(c->lane);
	ppi_local_free(c->local);
	/* Last: the node may stop once our lease is gone. */
	if (c->attach_free != NULL) {
		c->attach_free(c);
	}
	free(c->address);
	free(c);
}
