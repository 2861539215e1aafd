/*
 * probe.c - SP handshake probe of an ipc socket (see probe.h).
 *
 * The SP header both sides send first on an NNG ipc connection:
 *   +------+-----+-----+------+-----------------+----------+
 *   | 0x00 | 'S' | 'P' | 0x00 | protocol:u16 BE | 0x0000   |
 *   +------+-----+-----+------+-----------------+----------+
 * We claim req0 (0x30), the peer protocol of the node's rep0 socket.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "probe.h"

#define SP_REQ0 0x30

/* Reads exactly len bytes before the deadline; false otherwise. */
static bool
read_full(int fd, unsigned char *buf, size_t len, long deadline)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	size_t        got = 0;
	ssize_t       n;
	long          left;

	while (got < len) {
		left = deadline - (long) ppi_clock_ms(CLOCK_MONOTONIC);
		if (left <= 0 || poll(&pfd, 1, (int) left) <= 0) {
			return false;
		}
		n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return false;
		}
		got += (size_t) n;
	}
	return true;
}

enum probe_result
probe_ipc(const char *path, int timeout_ms)
{
	static const unsigned char hello[8] = { 0, 'S', 'P', 0, 0, SP_REQ0, 0,
		0 };
	struct sockaddr_un addr;
	unsigned char      answer[8];
	long               deadline;
	bool               is_live;
	int                fd;

	deadline = (long) ppi_clock_ms(CLOCK_MONOTONIC) + timeout_ms;
	if (strlen(path) >= sizeof(addr.sun_path)) {
		return PROBE_ABSENT;
	}
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	memcpy(addr.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		return PROBE_ABSENT;
	}
	if (connect(fd, (struct sockaddr *) &addr, sizeof(addr)) < 0) {
		close(fd);
		return PROBE_ABSENT;
	}
	is_live = write(fd, hello, sizeof(hello)) == (ssize_t) sizeof(hello) &&
	    read_full(fd, answer, sizeof(answer), deadline) && answer[0] == 0 &&
	    answer[1] == 'S' && answer[2] == 'P';
	close(fd);
	return is_live ? PROBE_LIVE : PROBE_STUCK;
}
