/*
 * spec.h - reading ahead for streaming range reads.
 *
 * When a reader answers a page of a walk (pp_iter marks its requests
 * "stream") and the page was cut short, the request for the next page is
 * predictable: the same bounds, starting after the last log. spec builds
 * that page on its own thread while the current one travels to the
 * client, so building and sending overlap. A reader that gets the
 * predicted request takes the prepared page instead of building it.
 */
#ifndef PP_NODE_SPEC_H
#define PP_NODE_SPEC_H

#include <stdbool.h>

#include "store/store.h"

typedef struct spec spec;

int  spec_start(store *s, spec **sp);
/* spec_stop - stop the thread and drop prepared pages. Accepts NULL. */
void spec_stop(spec *sp);

/*
 * spec_take - if the page `req` asks for is prepared (or being prepared,
 * then wait for it), copy its reply into `reply`, describe it in *page
 * and return true.
 */
bool spec_take(spec *sp, const ppi_request *req, ppi_buf *reply,
    store_page *page);

/* spec_after - `req` was answered with `page`: prepare the next page. */
void spec_after(spec *sp, const ppi_request *req, const store_page *page);

#endif
