/*
 * user.h - who we are, for the checks of issue 14 item 1: the private
 * per-user runtime directory that holds default sockets (and, for
 * loopback tcp, generated tokens), and user ids described by name in
 * refusals.
 */
#ifndef PP_USER_H
#define PP_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * ppi_user_rundir - the private runtime directory of the effective user
 * into buf: "$XDG_RUNTIME_DIR/pipeproc" when XDG_RUNTIME_DIR is set and
 * not empty, else "$TMPDIR/pipeproc-UID" ("/tmp" when TMPDIR is unset or
 * empty). With is_create the directory is made (mode 0700) when missing.
 * An existing directory must be a real directory (not a symlink) owned
 * by us that nobody else may enter (no group or other bits); otherwise
 * the call fails, naming the owner and the mode, so that another local
 * user cannot plant a socket or read a token there. Without is_create a
 * missing directory is not an error (nothing listens there).
 * Returns 0, PP_EPERM (not ours, or too open), PP_EADDR (path too long)
 * or PP_EIO, with the reason in msg.
 */
int ppi_user_rundir(bool is_create, char *buf, size_t len, char *msg,
    size_t msglen);

/* ppi_user_rundir_path - the path of that directory, unchecked; 0 or
 * PP_EADDR when it does not fit in len. */
int ppi_user_rundir_path(char *buf, size_t len);

/*
 * ppi_user_rundir_guard - when the socket file sock_path lies in the
 * runtime directory, ppi_user_rundir(is_create) on it; else 0. The node
 * calls it before it listens, the client before it dials.
 */
int ppi_user_rundir_guard(const char *sock_path, bool is_create, char *msg,
    size_t msglen);

/* ppi_user_describe - "uid 1001 (alice)", or "uid 1001" without a name. */
void ppi_user_describe(uint64_t uid, char *buf, size_t len);

/* ppi_group_describe - "gid 100 (users)", or "gid 100" without a name. */
void ppi_group_describe(uint64_t gid, char *buf, size_t len);

#endif
