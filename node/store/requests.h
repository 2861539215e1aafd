/*
 * requests.h - remembered replies inside a group commit (requests.c):
 * a resend is answered from the store, and a reply is remembered in the
 * transaction that applied its request.
 */
#ifndef PP_NODE_STORE_REQUESTS_H
#define PP_NODE_STORE_REQUESTS_H

#include "group.h"

/*
 * requests_replay - a request seen before gets its stored reply, and one
 * that overtook its predecessor gets PP_EORDER: then *is_answered and
 * nothing is to be applied. Requests without a client id (cid 0) are
 * never remembered. An MDB code.
 */
int requests_replay(group *g, const ppi_request *req, ppi_buf *reply,
    bool *is_answered);

/*
 * requests_remember - store req's reply for resends, and forget the
 * client's replies below its floor. An MDB/errno code.
 */
int requests_remember(group *g, const ppi_request *req, const ppi_buf *reply);

#endif
