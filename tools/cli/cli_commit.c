/*
 * cli_commit.c - `pipeproc commit [OPTIONS] TOPIC [--] [BODY...]`.
 *
 * With BODY arguments, they are one atomic pp_commit(), one log each, and
 * the new ids are printed one per line in argument order. Options may
 * come anywhere before "--"; an unknown one is a usage error (never a
 * body), and a body that starts with '-' goes after "--". The options
 * are one table (commit_parse), so a new one is one entry.
 *
 * --producer KEY --seq N and --expect-seq N make the commit a
 * pp_commit_with(): an idempotent producer's key and sequence, and the
 * sequence TOPIC's next log must get. They need one commit: BODY
 * arguments or -f.
 *
 * With -f, the words after TOPIC are files ("-" is standard input), each
 * read whole as one log, all in one atomic pp_commit(): bodies with any
 * bytes, newlines and NULs included.
 *
 * Without BODY, each line of standard input (without its newline; a last
 * line without one counts too) is one log; -D DELIM splits the input at
 * DELIM (one or more bytes, with the escapes of parse_delim) instead, and
 * -0 at NUL bytes, as kcat's -D does, so binary bodies stream too. Lines
 * are gathered into batches of at most BATCH_LOGS logs or BATCH_BYTES
 * body bytes, and each batch is
 * one pp_commit_async() call, atomic on its own; the library keeps several
 * batches in flight and coalesces them into large requests, so millions of
 * lines stream at the speed of group commit. A batch is also sent as soon
 * as no more input is ready, so `tail -f log | pipeproc commit t` commits
 * (and prints ids) as lines arrive, as a Kafka console producer would.
 *
 * Bounds: no input is read without limit. A piece
 * of the stream, and a file of -f, may be at most the node's maximum body
 * (pp_client_max_body, --max-body of the node): reading stops there and
 * the command fails with PP_ETOOBIG naming the limit, since a log cannot
 * be split. The files of one -f commit together may be at most the node's
 * request size (pp_client_max_request), else PP_ETOOLARGE; so
 * `commit -f /dev/zero` or an endless line ends with an error, not with
 * all of memory.
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
#include <fcntl.h>
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
 * Standard input as pieces ended by `delim` (a newline unless -D or -0).
 * buf[start, end) is read but not yet taken; the buffer grows only when
 * one piece does not fit, and never beyond max_len bytes (0: no limit).
 */
struct line_reader {
	int         fd;
	const char *delim;
	size_t      delim_len;
	size_t      max_len;
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
 * Take the next complete piece from the buffer without reading; at end of
 * input a last piece without a delimiter is complete too. Returns true
 * with *line (valid until reader_fill) and *len (delimiter excluded) set.
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
	nl = memmem(start, r->end - r->start, r->delim, r->delim_len);
	if (nl == NULL) {
		if (!r->is_eof) {
			return false;
		}
		nl = r->buf + r->end;
	}
	*line = start;
	*len = (size_t)(nl - start);
	r->start = nl < r->buf + r->end ? r->start + *len + r->delim_len
	                                : r->end;
	return true;
}

/*
 * Read more input after moving the unfinished line to the front (growing
 * the buffer when that line fills it). Sets is_eof at end of input.
 * Returns 0 or an errno value: EFBIG when the unfinished piece already
 * fills max_len bytes (it cannot be a body the node accepts).
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
		if (r->max_len != 0 && r->cap >= r->max_len) {
			return EFBIG;
		}
		cap = r->cap > 0 ? r->cap * 2 : READ_CHUNK;
		if (r->max_len != 0 && cap > r->max_len) {
			cap = r->max_len;
		}
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

/* The options of a conditional or idempotent commit. */
struct commit_cond {
	const char *producer;
	uint64_t    seq;
	uint64_t    expect;
	bool        has_seq;
	bool        has_expect;
};

/* What the command line of commit asks for. */
struct commit_args {
	const char *topic;
	char      **words; /* after TOPIC: bodies, or files with -f */
	int         nwords;
	const char *delim_opt; /* -D as given, or NULL */
	char        delim[64]; /* ... decoded */
	size_t      delim_len;
	bool        is_nul;   /* -0 */
	bool        is_files; /* -f */
	struct commit_cond cond; /* --producer, --seq, --expect-seq */
	pp_commit_opts     opts; /* ... as pp_commit_with() takes them */
	pp_expect          expect;
};

/* Commit every piece of stdin to `topic`. Returns the exit status. */
static int
commit_lines(struct cli_ctx *ctx, pp_client *client,
    const struct commit_args *ca)
{
	const char *topic = ca->topic;
	const char *unit = ca->delim_len == 1 && ca->delim[0] == '\n'
	    ? "lines"
	    : "bodies";
	struct commit_state state;
	struct line_reader  reader;
	struct batch       *b;
	const char         *line;
	size_t              len;
	uint64_t            max_body = pp_client_max_body(client);
	uint64_t            big_line = 0; /* the piece over max_body, or 0 */
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
	reader.delim = ca->delim;
	reader.delim_len = ca->delim_len;
	/* A piece of max_body bytes and its delimiter fit; more cannot be a
	 * log (SIZE_MAX guards a 32-bit size_t; 0 would mean no limit). */
	reader.max_len = max_body < SIZE_MAX - sizeof(ca->delim)
	    ? (size_t)max_body + ca->delim_len
	    : SIZE_MAX;
	memset(&state, 0, sizeof(state));
	pthread_mutex_init(&state.mtx, NULL);
	pthread_cond_init(&state.cv, NULL);
	while (rv == 0 && failed_status(&state) == 0) {
		if (reader_take(&reader, &line, &len)) {
			if (len > max_body) {
				big_line = b->first_line + b->count;
				break;
			}
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
		if ((read_errno = reader_fill(&reader)) == EFBIG) {
			read_errno = 0;
			big_line = b->first_line + b->count;
			break;
		}
		if (read_errno != 0) {
			rv = read_errno == ENOMEM ? PP_ENOMEM : PP_EIO;
		}
	}
	/* The pieces before one too long still commit, as a stream up to a
	 * failure does; the long one and the rest do not. */
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
		    "%s %" PRIu64 "-%" PRIu64 "%s%s", unit, b->first_line,
		    b->first_line + b->count - 1,
		    pp_client_errmsg(client)[0] != '\0' ? ": " : "",
		    pp_client_errmsg(client));
	} else if (flush_rv != 0) {
		status = cli_report_fail(ctx, flush_rv, "waiting for commits");
	} else if (state.status != 0) {
		status = cli_report_fail(ctx, state.status,
		    "%s %" PRIu64 "-%" PRIu64 " were not committed", unit,
		    state.fail_first, state.fail_last);
	} else if (big_line != 0) {
		status = cli_report_fail(ctx, PP_ETOOBIG,
		    "%s %" PRIu64 " is over the node's maximum body of %" PRIu64
		    " bytes (pipeproc node --max-body); it and the rest of the "
		    "input were not committed",
		    ca->delim_len == 1 && ca->delim[0] == '\n' ? "line"
		                                                 : "body",
		    big_line, max_body);
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

/*
 * Commit `count` bodies atomically, one log each, and print their ids.
 * Returns the exit status.
 */
static int
commit_bodies(struct cli_ctx *ctx, pp_client *client,
    const struct commit_args *ca, int count, char *const *bodies,
    const size_t *lens)
{
	const char *topic = ca->topic;
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
		records[k].len = lens != NULL ? lens[k] : strlen(bodies[k]);
	}
	if ((rv = pp_commit_with(
	         client, records, (size_t)count, &ca->opts, ids))
	    != 0) {
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

/*
 * Read the whole of `path` ("-": standard input) into *data (malloc'd)
 * and *len, at most max_len bytes. Returns 0 or an errno value: EFBIG
 * when there is more than max_len (reading stops there).
 */
static int
read_file(const char *path, size_t max_len, char **data, size_t *len)
{
	struct line_reader r;
	int                fd;
	int                rv = 0;

	fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY);
	if (fd < 0) {
		return errno;
	}
	memset(&r, 0, sizeof(r));
	r.fd = fd;
	/* One byte more than allowed tells "exactly max_len" from "more". */
	r.max_len = max_len < SIZE_MAX ? max_len + 1 : SIZE_MAX;
	while (!r.is_eof && (rv = reader_fill(&r)) == 0) {
	}
	if (rv == 0 && r.end > max_len) {
		rv = EFBIG;
	}
	if (fd != STDIN_FILENO) {
		close(fd);
	}
	if (rv != 0) {
		free(r.buf);
		return rv;
	}
	*data = r.buf;
	*len = r.end;
	return 0;
}

/*
 * -f: each file one log, all in one commit. Each file is read up to the
 * node's maximum body, and all of them up to its request size (less the
 * framing of one log each), so memory stays bounded whatever the files
 * are. Returns the exit status.
 */
static int
commit_files(
    struct cli_ctx *ctx, pp_client *client, const struct commit_args *ca)
{
	char    **bodies = calloc((size_t)ca->nwords, sizeof(*bodies));
	size_t   *lens = calloc((size_t)ca->nwords, sizeof(*lens));
	uint64_t  max_body = pp_client_max_body(client);
	uint64_t  max_request = pp_client_max_request(client);
	uint64_t  total = 0;
	uint64_t  left;
	int       status = CLI_EXIT_OK;
	int       k;
	int       err;

	if (bodies == NULL || lens == NULL) {
		status = cli_report_fail(ctx, PP_ENOMEM, "%s", "");
	}
	for (k = 0; status == CLI_EXIT_OK && k < ca->nwords; k++) {
		left = max_request - total;
		err = read_file(ca->words[k],
		    (size_t)(max_body < left ? max_body : left), &bodies[k],
		    &lens[k]);
		if (err == EFBIG && max_body < left) {
			status = cli_report_fail(ctx, PP_ETOOBIG,
			    "%s: over the node's maximum body of %" PRIu64
			    " bytes (pipeproc node --max-body)",
			    ca->words[k], max_body);
		} else if (err == EFBIG) {
			status = cli_report_fail(ctx, PP_ETOOLARGE,
			    "%s: the files together are over the node's "
			    "request size of %" PRIu64 " bytes; commit them "
			    "in several calls",
			    ca->words[k], max_request);
		} else if (err != 0) {
			status = cli_report_fail(ctx,
			    err == ENOMEM ? PP_ENOMEM : PP_EIO, "%s: %s",
			    ca->words[k], strerror(err));
		} else {
			total += lens[k];
		}
	}
	if (status == CLI_EXIT_OK) {
		status = commit_bodies(
		    ctx, client, ca, ca->nwords, bodies, lens);
	}
	for (k = 0; bodies != NULL && k < ca->nwords; k++) {
		free(bodies[k]);
	}
	free(bodies);
	free(lens);
	return status;
}

/*
 * Decode a -D delimiter: \n \r \t \0 \\ and \xHH stand for their byte,
 * every other byte for itself. Returns 0, or -1 when it is empty, too
 * long or has a bad escape.
 */
static int
parse_delim(const char *text, char *out, size_t cap, size_t *len)
{
	const char *p = text;
	unsigned    hex;
	int         used;

	*len = 0;
	while (*p != '\0') {
		if (*len == cap) {
			return -1;
		}
		if (*p != '\\') {
			out[(*len)++] = *p++;
			continue;
		}
		switch (p[1]) {
		case 'n':
			out[(*len)++] = '\n';
			break;
		case 'r':
			out[(*len)++] = '\r';
			break;
		case 't':
			out[(*len)++] = '\t';
			break;
		case '0':
			out[(*len)++] = '\0';
			break;
		case '\\':
			out[(*len)++] = '\\';
			break;
		case 'x':
			if (sscanf(p + 2, "%2x%n", &hex, &used) != 1
			    || used != 2) {
				return -1;
			}
			out[(*len)++] = (char)hex;
			p += 2;
			break;
		default:
			return -1;
		}
		p += 2;
	}
	return *len > 0 ? 0 : -1;
}

/* --seq, --expect-seq: an unsigned number (dst: commit_cond). */
static int
set_cond_u64(
    struct cli_ctx *ctx, const cli_opt *opt, const char *value, void *dst)
{
	struct commit_cond *c = dst;
	char               *end;
	uint64_t            v;

	errno = 0;
	v = strtoull(value, &end, 10);
	if (*value < '0' || *value > '9' || *end != '\0' || errno != 0) {
		return cli_report_usage_error(
		    ctx, "%s must be an unsigned number", opt->name);
	}
	if (strcmp(opt->name, "--seq") == 0) {
		c->seq = v;
		c->has_seq = true;
	} else {
		c->expect = v;
		c->has_expect = true;
	}
	return 0;
}

/* TOPIC, then the bodies or files (dst: commit_args). */
static int
take_word(struct cli_ctx *ctx, cli_args *a, const char *w)
{
	struct commit_args *ca = a->arg;

	(void)ctx;
	if (ca->topic == NULL) {
		ca->topic = w;
	} else {
		ca->words[ca->nwords++] = (char *)w;
	}
	return 0;
}

/*
 * Parse the arguments of commit into *ca (ca->words has room for argc
 * words). Returns 0 or an exit status (already reported).
 */
static int
commit_parse(
    struct cli_ctx *ctx, int argc, char **argv, struct commit_args *ca)
{
	const cli_opt opts[] = {
		{ "-D", true, cli_opts_str, &ca->delim_opt },
		{ "--delimiter", true, cli_opts_str, &ca->delim_opt },
		{ "-0", false, cli_opts_flag, &ca->is_nul },
		{ "-f", false, cli_opts_flag, &ca->is_files },
		{ "--files", false, cli_opts_flag, &ca->is_files },
		{ "--producer", true, cli_opts_str, &ca->cond.producer },
		{ "--seq", true, set_cond_u64, &ca->cond },
		{ "--expect-seq", true, set_cond_u64, &ca->cond },
		{ NULL, false, NULL, NULL },
	};
	cli_args a;
	int      status;

	memset(&a, 0, sizeof(a));
	a.opts[0] = opts;
	a.word = take_word;
	a.arg = ca;
	if ((status = cli_opts_parse(ctx, argc, argv, &a)) != 0) {
		return status;
	}
	if (ca->topic == NULL) {
		return cli_report_usage_error(ctx, "missing TOPIC");
	}
	if ((ca->delim_opt != NULL) + ca->is_nul + ca->is_files > 1) {
		return cli_report_usage_error(
		    ctx, "-D, -0 and -f exclude each other");
	}
	if (ca->is_files && ca->nwords == 0) {
		return cli_report_usage_error(ctx, "-f needs a FILE");
	}
	if ((ca->delim_opt != NULL || ca->is_nul) && ca->nwords > 0) {
		return cli_report_usage_error(ctx,
		    "-D and -0 split standard input: no BODY arguments");
	}
	if ((ca->cond.producer != NULL) != ca->cond.has_seq) {
		return cli_report_usage_error(
		    ctx, "--producer and --seq go together");
	}
	if ((ca->cond.has_seq || ca->cond.has_expect) && ca->nwords == 0) {
		return cli_report_usage_error(ctx,
		    "--producer, --seq and --expect-seq need BODY arguments "
		    "(or -f FILE...)");
	}
	ca->opts.producer = ca->cond.producer;
	ca->opts.producer_seq = ca->cond.seq;
	if (ca->cond.has_expect) {
		ca->expect.topic = ca->topic;
		ca->expect.next_seq = ca->cond.expect;
		ca->opts.expects = &ca->expect;
		ca->opts.nexpects = 1;
	}
	if (ca->is_nul) {
		ca->delim[0] = '\0';
		ca->delim_len = 1;
	} else if (ca->delim_opt == NULL) {
		ca->delim[0] = '\n';
		ca->delim_len = 1;
	} else if (parse_delim(ca->delim_opt, ca->delim, sizeof(ca->delim),
	               &ca->delim_len)
	    != 0) {
		return cli_report_usage_error(ctx,
		    "bad -D delimiter '%s' (1 to %zu bytes; escapes \\n \\r "
		    "\\t \\0 \\\\ \\xHH)",
		    ca->delim_opt, sizeof(ca->delim));
	}
	return 0;
}

int
cli_commit_run(struct cli_ctx *ctx, int argc, char **argv)
{
	struct commit_args ca;
	pp_client         *client;
	pp_iter           *probe;
	int                status;
	int                rv;

	memset(&ca, 0, sizeof(ca));
	if ((ca.words = calloc((size_t)argc, sizeof(*ca.words))) == NULL) {
		return cli_report_fail(ctx, PP_ENOMEM, "%s", "");
	}
	if ((status = commit_parse(ctx, argc, argv, &ca)) != 0) {
		free(ca.words);
		return status;
	}
	if ((status = cli_connect_open(ctx, &client)) != 0) {
		free(ca.words);
		return status;
	}
	if (ca.is_files) {
		status = commit_files(ctx, client, &ca);
	} else if (ca.nwords > 0) {
		status = commit_bodies(
		    ctx, client, &ca, ca.nwords, ca.words, NULL);
	} else if ((rv = pp_iter_open(client, ca.topic, NULL, false, &probe))
	    != 0) {
		/* The topic name is checked before any input is read:
		 * opening an iterator validates it and sends nothing. */
		status
		    = cli_report_fail(ctx, rv, "%s", pp_client_errmsg(client));
	} else {
		pp_iter_close(probe);
		status = commit_lines(ctx, client, &ca);
	}
	pp_close(client);
	free(ca.words);
	return status;
}
