/*
 * cli_commit.c - `pipeproc commit [--producer KEY --seq N]
 * [--expect-seq N] TOPIC [BODY...]`.
 *
 * With BODY arguments, they are one atomic pp_commit(), one log each, and
 * the new ids are printed one per line in argument order. The options
 * (before TOPIC) make it a pp_commit_with(): an idempotent producer's key
 * and sequence, and the sequence TOPIC's next log must get; they need
 * BODY arguments (one commit).
 *
 * Without BODY, each line of standard input (without its newline; a last
 * line without one counts too) is one log. Lines are gathered into batches
 * of at most BATCH_LOGS logs or BATCH_BYTES body bytes, and each batch is
 * one pp_commit_async() call, atomic on its own; the library keeps several
 * batches in flight and coalesces them into large requests, so millions of
 * lines stream at the speed of group commit. A batch is also sent as soon
 * as no more input is ready, so `tail -f log | pipeproc commit t` commits
 * (and prints ids) as lines arrive, as a Kafka console producer would.
 *
 * Design notes: memory stays bounded whatever the input size. The batch
 * buffer is reused once pp_commit_async() has copied it, at most WINDOW
 * calls are in flight (the library's own 64 MiB queue bound is far larger
 * than needed to keep the node busy, and costs more than its bytes for
 * short lines), and ids are not collected: the completion callback prints
 * them straight away. Callbacks of one
 * client run one at a time in call order (pipeproc.h), so the ids come out
 * in input order; each callback flushes stdout, one write per batch. The
 * mutex guards the window count and the record of a failure. After a failed
 * batch no further batch is queued; ids of every batch that did commit are
 * still printed, and the failure names the lines of the batch that did not.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "pipeproc.h"

#define BATCH_LOGS  1000          /* logs per pp_commit_async() call */
#define BATCH_BYTES (1024 * 1024) /* body bytes per call (soft limit) */
#define READ_CHUNK  (64 * 1024)   /* first size of the input buffer */
#define WINDOW      16            /* calls in flight at most */

/* State shared by the main thread and the completion callbacks. */
struct commit_state {
	pthread_mutex_t mtx;
	pthread_cond_t  cv;         /* signalled when a call completes */
	size_t          in_flight;  /* calls queued, callback not yet run */
	int             status;     /* first failed call's code, or 0 */
	uint64_t        fail_first; /* its first and last input line */
	uint64_t        fail_last;
};

/* One queued call: the argument of its callback. */
struct commit_call {
	struct commit_state *state;
	uint64_t             first_line;
	uint64_t             last_line;
};

/*
 * Standard input as lines. buf[start, end) is read but not yet taken; the
 * buffer grows only when one line does not fit.
 */
struct line_reader {
	int    fd;
	char  *buf;
	size_t cap;
	size_t start;
	size_t end;
	bool   is_eof;
};

/* Lines gathered for the next call; bodies lie back to back in data. */
struct batch {
	pp_record records[BATCH_LOGS];
	size_t    count;
	char     *data;
	size_t    data_len;
	size_t    data_cap;
	uint64_t  first_line;
};

/* Completion of one batch: print its ids, or record the failure. */
static void
commit_done(void *arg, int status, const pp_id *ids, size_t count)
{
	struct commit_call  *call = arg;
	struct commit_state *state = call->state;
	size_t               k;

	pthread_mutex_lock(&state->mtx);
	state->in_flight--;
	pthread_cond_signal(&state->cv);
	if (status != 0) {
		if (state->status == 0) {
			state->status = status;
			state->fail_first = call->first_line;
			state->fail_last = call->last_line;
		}
	} else {
		for (k = 0; k < count; k++) {
			cli_print_id(ids[k]);
		}
		fflush(stdout);
	}
	pthread_mutex_unlock(&state->mtx);
	free(call);
}

/*
 * Take the next complete line from the buffer without reading; at end of
 * input a last line without a newline is complete too. Returns true with
 * *line (valid until reader_fill) and *len (newline excluded) set.
 */
static bool
reader_take(struct line_reader *r, const char **line, size_t *len)
{
	char *start;
	char *nl;

	if (r->start == r->end) {
		return false;
	}
	start = r->buf + r->start;
	nl = memchr(start, '\n', r->end - r->start);
	if (nl == NULL) {
		if (!r->is_eof) {
			return false;
		}
		nl = r->buf + r->end;
	}
	*line = start;
	*len = (size_t)(nl - start);
	r->start = nl < r->buf + r->end ? r->start + *len + 1 : r->end;
	return true;
}

/*
 * Read more input after moving the unfinished line to the front (growing
 * the buffer when that line fills it). Sets is_eof at end of input.
 * Returns 0 or an errno value.
 */
static int
reader_fill(struct line_reader *r)
{
	size_t  cap;
	char   *buf;
	ssize_t n;

	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->end == r->cap) {
		cap = r->cap > 0 ? r->cap * 2 : READ_CHUNK;
		if ((buf = realloc(r->buf, cap)) == NULL) {
			return ENOMEM;
		}
		r->buf = buf;
		r->cap = cap;
	}
	do {
		n = read(r->fd, r->buf + r->end, r->cap - r->end);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		return errno;
	}
	if (n == 0) {
		r->is_eof = true;
	}
	r->end += (size_t)n;
	return 0;
}

/* True when a read of `fd` would not block now. */
static bool
input_ready(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, 0) != 0;
}

/* Add one body to the batch. Returns 0 or PP_ENOMEM. */
static int
batch_add(struct batch *b, const char *topic, const char *body, size_t len)
{
	size_t cap = b->data_cap > 0 ? b->data_cap : 4096;
	char  *data;

	while (cap - b->data_len < len) {
		cap *= 2;
	}
	if (cap != b->data_cap) {
		if ((data = realloc(b->data, cap)) == NULL) {
			return PP_ENOMEM;
		}
		b->data = data;
		b->data_cap = cap;
	}
	memcpy(b->data + b->data_len, body, len);
	b->data_len += len;
	b->records[b->count].topic = topic;
	b->records[b->count].body = NULL; /* set by batch_submit */
	b->records[b->count].len = len;
	b->count++;
	return 0;
}

/*
 * Queue the batch as one pp_commit_async() call and empty it.
 * Returns 0 or the call's error (its callback then never runs).
 */
static int
batch_submit(pp_client *client, struct batch *b, struct commit_state *state)
{
	struct commit_call *call;
	size_t              offset = 0;
	size_t              k;
	int                 rv;

	if ((call = malloc(sizeof(*call))) == NULL) {
		return PP_ENOMEM;
	}
	call->state = state;
	call->first_line = b->first_line;
	call->last_line = b->first_line + b->count - 1;
	/* The buffer may have moved while growing: point bodies now. */
	for (k = 0; k < b->count; k++) {
		b->records[k].body = b->data + offset;
		offset += b->records[k].len;
	}
	pthread_mutex_lock(&state->mtx);
	while (state->in_flight >= WINDOW) {
		pthread_cond_wait(&state->cv, &state->mtx);
	}
	state->in_flight++;
	pthread_mutex_unlock(&state->mtx);
	rv = pp_commit_async(client, b->records, b->count, commit_done, call);
	if (rv != 0) {
		pthread_mutex_lock(&state->mtx);
		state->in_flight--;
		pthread_mutex_unlock(&state->mtx);
		free(call);
		return rv;
	}
	b->first_line += b->count;
	b->count = 0;
	b->data_len = 0;
	return 0;
}

/* The failure recorded by a callback, or 0. */
static int
failed_status(struct commit_state *state)
{
	int status;

	pthread_mutex_lock(&state->mtx);
	status = state->status;
	pthread_mutex_unlock(&state->mtx);
	return status;
}

/* Commit every line of stdin to `topic`. Returns the exit status. */
static int
commit_lines(struct cli_ctx *ctx, pp_client *client, const char *topic)
{
	struct commit_state state;
	struct line_reader  reader;
	struct batch       *b;
	const char         *line;
	size_t              len;
	int                 read_errno = 0;
	int                 rv = 0;
	int                 flush_rv;
	int                 status;

	if ((b = calloc(1, sizeof(*b))) == NULL) {
		return cli_report_fail(ctx, PP_ENOMEM, "%s", "");
	}
	b->first_line = 1;
	memset(&reader, 0, sizeof(reader));
	reader.fd = STDIN_FILENO;
	memset(&state, 0, sizeof(state));
	pthread_mutex_init(&state.mtx, NULL);
	pthread_cond_init(&state.cv, NULL);
	while (rv == 0 && failed_status(&state) == 0) {
		if (reader_take(&reader, &line, &len)) {
			rv = batch_add(b, topic, line, len);
			if (rv == 0
			    && (b->count == BATCH_LOGS
			        || b->data_len >= BATCH_BYTES)) {
				rv = batch_submit(client, b, &state);
			}
			continue;
		}
		if (reader.is_eof) {
			break;
		}
		/* Nothing more to read right now: send what we have. */
		if (b->count > 0 && !input_ready(reader.fd)) {
			if ((rv = batch_submit(client, b, &state)) != 0) {
				break;
			}
		}
		if ((read_errno = reader_fill(&reader)) != 0) {
			rv = read_errno == ENOMEM ? PP_ENOMEM : PP_EIO;
		}
	}
	if (rv == 0 && b->count > 0 && failed_status(&state) == 0) {
		rv = batch_submit(client, b, &state);
	}
	/* Every queued batch is answered (and printed) before we report. */
	flush_rv = pp_flush(client, -1);
	if (read_errno != 0) {
		status = cli_report_fail(ctx, rv, "reading standard input: %s",
		    strerror(read_errno));
	} else if (rv != 0) {
		status = cli_report_fail(ctx, rv,
		    "lines %" PRIu64 "-%" PRIu64 "%s%s", b->first_line,
		    b->first_line + b->count - 1,
		    pp_client_errmsg(client)[0] != '\0' ? ": " : "",
		    pp_client_errmsg(client));
	} else if (flush_rv != 0) {
		status = cli_report_fail(ctx, flush_rv, "waiting for commits");
	} else if (state.status != 0) {
		status = cli_report_fail(ctx, state.status,
		    "lines %" PRIu64 "-%" PRIu64 " were not committed",
		    state.fail_first, state.fail_last);
	} else {
		status = cli_report_output(ctx);
	}
	pthread_cond_destroy(&state.cv);
	pthread_mutex_destroy(&state.mtx);
	free(reader.buf);
	free(b->data);
	free(b);
	return status;
}

/* The options of a conditional or idempotent commit. */
struct commit_cond {
	const char *producer;
	uint64_t    seq;
	uint64_t    expect;
	bool        has_seq;
	bool        has_expect;
};

/* --seq, --expect-seq: an unsigned number. */
static int
set_cond_u64(
    struct cli_ctx *ctx, const cli_opt *opt, const char *value, void *dst)
{
	struct commit_cond *c = dst;
	char               *end;
	uint64_t            v;

	errno = 0;
	v     = strtoull(value, &end, 10);
	if (*value < '0' || *value > '9' || *end != '\0' || errno != 0) {
		return cli_report_usage_error(
		    ctx, "%s must be an unsigned number", opt->name);
	}
	if (strcmp(opt->name, "--seq") == 0) {
		c->seq     = v;
		c->has_seq = true;
	} else {
		c->expect     = v;
		c->has_expect = true;
	}
	return 0;
}

/* Commit the BODY arguments atomically. Returns the exit status. */
static int
commit_args(struct cli_ctx *ctx, pp_client *client, const char *topic,
    int count, char **bodies, const pp_commit_opts *opts)
{
	pp_record *records;
	pp_id     *ids;
	int        status;
	int        k;
	int        rv;

	records = calloc((size_t)count, sizeof(*records));
	ids = calloc((size_t)count, sizeof(*ids));
	if (records == NULL || ids == NULL) {
		free(records);
		free(ids);
		return cli_report_fail(ctx, PP_ENOMEM, "%s", "");
	}
	for (k = 0; k < count; k++) {
		records[k].topic = topic;
		records[k].body = bodies[k];
		records[k].len = strlen(bodies[k]);
	}
	if ((rv = pp_commit_with(client, records, (size_t)count, opts, ids)) !=
	    0) {
		status
		    = cli_report_fail(ctx, rv, "%s", pp_client_errmsg(client));
	} else {
		for (k = 0; k < count; k++) {
			cli_print_id(ids[k]);
		}
		status = cli_report_output(ctx);
	}
	free(records);
	free(ids);
	return status;
}

int
cli_commit_run(struct cli_ctx *ctx, int argc, char **argv)
{
	struct commit_cond cond;
	pp_commit_opts     o;
	pp_expect          expect;
	const char        *topic;
	pp_client         *client;
	pp_iter           *probe;
	cli_args           a;
	int                i;
	int                status;
	int                rv;
	cli_opt            opts[] = {
                { "--producer", true, cli_opts_str, &cond.producer },
                { "--seq", true, set_cond_u64, &cond },
                { "--expect-seq", true, set_cond_u64, &cond },
                { NULL, false, NULL, NULL },
	};

	/* Options come before TOPIC; the words after TOPIC are bodies,
	 * whatever they look like. */
	memset(&cond, 0, sizeof(cond));
	memset(&a, 0, sizeof(a));
	a.opts[0]         = opts;
	a.is_stop_at_word = true;
	if ((status = cli_opts_parse(ctx, argc, argv, &a)) != 0) {
		return status;
	}
	if ((i = a.next) >= argc) {
		return cli_report_usage_error(ctx, "missing TOPIC");
	}
	if ((cond.producer != NULL) != cond.has_seq) {
		return cli_report_usage_error(
		    ctx, "--producer and --seq go together");
	}
	topic = argv[i++];
	memset(&o, 0, sizeof(o));
	o.producer     = cond.producer;
	o.producer_seq = cond.seq;
	if (cond.has_expect) {
		expect.topic    = topic;
		expect.next_seq = cond.expect;
		o.expects       = &expect;
		o.nexpects      = 1;
	}
	if (i >= argc && (cond.has_seq || cond.has_expect)) {
		return cli_report_usage_error(ctx,
		    "--producer, --seq and --expect-seq need BODY arguments");
	}
	if ((status = cli_connect_open(ctx, &client)) != 0) {
		return status;
	}
	if (i < argc) {
		status = commit_args(
		    ctx, client, topic, argc - i, argv + i, &o);
		pp_close(client);
		return status;
	}
	/*
	 * Check the topic name before reading any input: opening an
	 * iterator validates it and sends nothing.
	 */
	if ((rv = pp_iter_open(client, topic, NULL, false, &probe)) != 0) {
		status
		    = cli_report_fail(ctx, rv, "%s", pp_client_errmsg(client));
	} else {
		pp_iter_close(probe);
		status = commit_lines(ctx, client, topic);
	}
	pp_close(client);
	return status;
}
