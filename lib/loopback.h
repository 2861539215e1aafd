/*
 * loopback.h - plain tcp:// on a loopback address without ceremony, not
 * without protection (issue 11 item 5): a node that listens on
 * 127.0.0.0/8, [::1] or localhost without a configured token makes one
 * and leaves it, mode 0600, in its user's private runtime directory
 * (user.h) under a name derived from the address; a client of the same
 * user that dials that address without a token reads it from there.
 * Other local users cannot read it, so their requests get PP_EAUTH.
 */
#ifndef PP_LOOPBACK_H
#define PP_LOOPBACK_H

#include <stdbool.h>
#include <stddef.h>

#include "address.h"
#include "token.h"

/* ppi_loopback_is - a tcp:// address on 127.0.0.0/8, [::1] or localhost. */
bool ppi_loopback_is(const ppi_addr *a);

/*
 * ppi_loopback_token_path - RUNDIR/tcp-HOST-PORT.token for the loopback
 * address a ("localhost" counts as 127.0.0.1). With is_create the
 * runtime directory is made. Returns 0 or a PP_E* code with msg.
 */
int ppi_loopback_token_path(const ppi_addr *a, bool is_create, char *buf,
    size_t len, char *msg, size_t msglen);

/*
 * ppi_loopback_token_load - the client side: the token a node of our user
 * left for address a into *t. Returns 0 (t->len stays 0 when there is no
 * such file) or PP_EPERM / PP_EINVAL / PP_EIO for a file that is there
 * but unsafe or unreadable, with msg.
 */
int ppi_loopback_token_load(const ppi_addr *a, ppi_token *t, char *msg,
    size_t msglen);

/*
 * ppi_loopback_token_make - the node side: keep the token already left
 * for address a when there is a sound one, so clients survive a restart;
 * else, when t->len is 0, make a random one; write t to the file (mode
 * 0600, replaced atomically). Returns 0 or a PP_E* code with msg.
 */
int ppi_loopback_token_make(const ppi_addr *a, ppi_token *t, char *msg,
    size_t msglen);

#endif
