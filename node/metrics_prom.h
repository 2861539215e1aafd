/*
 * metrics_prom.h - the metrics as Prometheus text (metrics_prom.c).
 */
#ifndef PP_NODE_METRICS_PROM_H
#define PP_NODE_METRICS_PROM_H

#include "store/store.h"

/*
 * metrics_prom_write - append the whole exposition (node figures, every
 * topic, every proc) to out. Returns 0, PP_ENOMEM, or the store's PP_E*
 * code. Any thread; one short read transaction per page of the store.
 */
int metrics_prom_write(store *s, ppi_buf *out);

#endif
