/*
 * split.h - an array commit's records from two texts the wrapper made in
 * two calls (topics joined by "\n", the bodies by one JSON.stringify of
 * their array) instead of two strings per log: for 1,000-log commits the
 * per-log N-API calls and allocations were the binding's largest cost.
 */
#ifndef PPN_SPLIT_H
#define PPN_SPLIT_H

#include <stddef.h>

#include "runtime.h"

/*
 * Splits topics ("t\nt\n...t", cut in place: each "\n" becomes a NUL) and
 * bodies ("[b,b,...]", JSON as JSON.stringify writes it: no whitespace)
 * into recs[0..count): topic, body and len (bodies point into the text).
 * 0, or PP_EINVAL when either text does not hold exactly count records.
 */
int ppn_split_records(char *topics, const char *bodies, size_t blen,
    pp_record *recs, size_t count);

/*
 * Cuts text ("a\nb\n...z", exactly count lines) in place, each "\n"
 * becoming a NUL, into out[0..count). 0, or PP_EINVAL when the text does
 * not hold exactly count lines (count 0 included).
 */
int ppn_split_lines(char *text, char **out, size_t count);

#endif /* PPN_SPLIT_H */
