/*
 * owners.h - which connection owns each proc that belongs to one
 * (liveProcs, `pipeproc tail -f`; issue 14 item 7), and since when the
 * owner is gone. The writer feeds it (claims with "eph", closed pipes,
 * destroys, the marked procs at start-up) and asks it which procs to
 * destroy (store_ephemeral_destroy). Writer thread only.
 */
#ifndef PP_NODE_OWNERS_H
#define PP_NODE_OWNERS_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

typedef struct owners {
	struct owner *v;
	size_t        n, cap;
} owners;

/* owners_claimed - proc `name` was claimed on connection `pipe`: it is
 * that connection's now (a client that reconnected keeps its proc). */
void owners_claimed(owners *o, const char *name, size_t len, uint32_t pipe);

/* owners_orphan - proc `name` has no connection since now_ms (start-up). */
void owners_orphan(owners *o, const char *name, uint64_t now_ms);

/* owners_forget - proc `name` was destroyed. */
void owners_forget(owners *o, const char *name, size_t len);

/* owners_pipe_closed - connection `pipe` is gone since now_ms. */
void owners_pipe_closed(owners *o, uint32_t pipe, uint64_t now_ms);

/*
 * owners_take_due - the procs whose connection has been gone for
 * grace_ms at now_ms, removed from o into *out (free(out->names)).
 * Returns how many.
 */
size_t owners_take_due(owners *o, uint64_t now_ms, uint64_t grace_ms,
    store_names *out);

/* owners_next_ms - when the next one becomes due; 0: none. */
uint64_t owners_next_ms(const owners *o, uint64_t grace_ms);

/* owners_fini - release the table. */
void owners_fini(owners *o);

#endif
