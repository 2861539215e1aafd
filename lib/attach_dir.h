/*
 * attach_dir.h - what attached processes and their node share through the
 * data directory (pp_attach(3), docs/DESIGN.md §1): the node's lock (who
 * owns the directory), its published address, and the leases of attached
 * processes. Used by lib/attach.c on the client side and by the node.
 *
 *   DIR/node.lock          flock(LOCK_EX) by the node (node/datadir.c)
 *   DIR/node.addr          "ADDRESS\n", written by the node once it listens
 *   DIR/attach/PID.R.lease one per attached process, flock(LOCK_EX) held
 *                          for the life of its client
 *   DIR/node.sock          the socket of a node started by pp_attach, or,
 *                          for a long DIR, RUNDIR/attach.HASH
 */
#ifndef PP_ATTACH_DIR_H
#define PP_ATTACH_DIR_H

#include <stdbool.h>
#include <stddef.h>

#define PPI_ATTACH_ADDR_FILE "node.addr"
#define PPI_ATTACH_LEASE_DIR "attach"

/*
 * ppi_attach_dir_has_node - whether a node holds DIR/node.lock now. It
 * takes a shared lock for an instant to find out (a node starting at that
 * moment retries its lock: node/datadir.c).
 */
bool ppi_attach_dir_has_node(const char *dir);

/* The fallback socket's name in the runtime directory, before its hash. */
#define PPI_ATTACH_RUNDIR_SOCK "attach."

/*
 * ppi_attach_dir_address - the ipc address a node started by pp_attach
 * listens on: "ipc://DIR/node.sock" (dir absolute), or, when that path is
 * too long for a Unix socket, "ipc://RUNDIR/attach.HASH" in the user's
 * private runtime directory (user.h: $XDG_RUNTIME_DIR/pipeproc, else
 * $TMPDIR/pipeproc-UID; 0700, owner-checked) with HASH (16 hex digits)
 * from the directory's path. Returns 0 or PP_EADDR (no such path fits).
 */
int ppi_attach_dir_address(const char *dir, char *buf, size_t len);

/*
 * ppi_attach_dir_read_address - the address in DIR/node.addr. Returns 0,
 * or PP_ENOTCONN when there is none (no node, or it is starting).
 */
int ppi_attach_dir_read_address(const char *dir, char *buf, size_t len);

/*
 * ppi_attach_dir_publish - write DIR/node.addr (via a temporary file and
 * rename, so readers see all of it or nothing). Returns 0 or PP_EIO.
 */
int ppi_attach_dir_publish(const char *dir, const char *address);

/* ppi_attach_dir_withdraw - remove DIR/node.addr, if any. */
void ppi_attach_dir_withdraw(const char *dir);

/*
 * ppi_attach_dir_lease_open - create a lease file in DIR/attach/ and lock
 * it. Returns the descriptor (>= 0; close it to end the lease) and the
 * file's path in path, or PP_EIO / PP_EPERM with a reason in msg.
 */
int ppi_attach_dir_lease_open(const char *dir, char *path, size_t pathlen,
    char *msg, size_t msglen);

/* ppi_attach_dir_lease_close - remove the lease file and unlock it. */
void ppi_attach_dir_lease_close(int fd, const char *path);

/*
 * ppi_attach_dir_count_leases - how many leases in DIR/attach/ are held
 * by live processes. A lease nobody holds (its process is gone, even by
 * kill -9: the kernel drops the lock) is removed on the way.
 */
int ppi_attach_dir_count_leases(const char *dir);

#endif
