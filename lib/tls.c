/*
 * tls.c - PEM checks and connection diagnosis for tls+tcp:// (see tls.h).
 *
 * Design notes: NNG reports a failed TLS connection as one of a handful of
 * codes (NNG_EPEERAUTH, NNG_ECRYPTO, NNG_ECONNSHUT, ...) that do not say
 * which certificate was at fault, and a plain client meeting a TLS port
 * (or the reverse) only sees the connection close. PEER §18 shows where
 * that leads: every such failure looked like a timeout. So material is
 * checked before it is used (ppi_tls_load). When a TLS handshake fails,
 * our engine (tls_engine.c) kept why, and ppi_tls_explain() says it. Only
 * when there is nothing to explain (a plain dialer, a connection closed
 * before any handshake) ppi_tls_diagnose() connects once more on its own
 * socket and looks:
 *   - a plain NNG listener sends its 8-byte SP header at once;
 *   - a TLS listener sends nothing until it gets a ClientHello;
 *   - a TLS handshake run here with verification "optional" completes
 *     even when the node's certificate is bad, so mbedTLS tells us which
 *     check failed; when the node refuses our certificate it says why in
 *     its alert.
 * None of this is on the request path.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "deadline.h"
#include "pipeproc.h"
#include "tls.h"

#define PEM_MAX (1u << 20)

/* Reads a whole (small) file as a NUL-terminated string. */
static int
read_text(const char *what, const char *path, char **out, char *msg,
    size_t msglen)
{
	FILE  *f;
	char  *buf;
	size_t n;

	if (path == NULL || path[0] == '\0') {
		snprintf(msg, msglen, "no %s file given", what);
		return PP_EINVAL;
	}
	if ((f = fopen(path, "rb")) == NULL) {
		snprintf(msg, msglen, "cannot read %s file %s: %s", what, path,
		    strerror(errno));
		return PP_ETLS;
	}
	if ((buf = malloc(PEM_MAX + 1)) == NULL) {
		fclose(f);
		return PP_ENOMEM;
	}
	n = fread(buf, 1, PEM_MAX, f);
	fclose(f);
	buf[n] = '\0';
	if (n == 0 || n == PEM_MAX) {
		snprintf(msg, msglen, "%s file %s is %s", what, path,
		    n == 0 ? "empty" : "too large");
		free(buf);
		return PP_ETLS;
	}
	*out = buf;
	return 0;
}

static void
when(const mbedtls_x509_time *t, char *buf, size_t len)
{
	snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d UTC", t->year,
	    t->mon, t->day, t->hour, t->min, t->sec);
}

/* Parses the material and checks what can be checked alone. */
static int
check_pem(const ppi_tls_pem *p, bool is_server, char *msg, size_t msglen)
{
	mbedtls_x509_crt ca, crt;
	mbedtls_pk_context key;
	const char        *who = is_server ? "node" : "client";
	char               date[40];
	int                rv = PP_ETLS, err;

	mbedtls_x509_crt_init(&ca);
	mbedtls_x509_crt_init(&crt);
	mbedtls_pk_init(&key);
	if (mbedtls_x509_crt_parse(&ca, (const unsigned char *) p->ca,
	        strlen(p->ca) + 1) != 0) {
		snprintf(msg, msglen, "CA file %s holds no valid PEM "
		    "certificate (corrupted?)", p->ca_file);
		goto out;
	}
	if (mbedtls_x509_crt_parse(&crt, (const unsigned char *) p->cert,
	        strlen(p->cert) + 1) != 0) {
		snprintf(msg, msglen, "%s certificate file %s holds no valid "
		    "PEM certificate (corrupted?)", who, p->cert_file);
		goto out;
	}
	if ((err = mbedtls_pk_parse_key(&key, (const unsigned char *) p->key,
	         strlen(p->key) + 1, NULL, 0)) != 0) {
		snprintf(msg, msglen, "%s key file %s holds no usable "
		    "unencrypted PEM private key (corrupted?)", who,
		    p->key_file);
		goto out;
	}
	if (mbedtls_x509_time_is_past(&crt.valid_to)) {
		when(&crt.valid_to, date, sizeof(date));
		snprintf(msg, msglen, "%s certificate %s expired on %s", who,
		    p->cert_file, date);
		goto out;
	}
	if (mbedtls_x509_time_is_future(&crt.valid_from)) {
		when(&crt.valid_from, date, sizeof(date));
		snprintf(msg, msglen, "%s certificate %s is not valid before "
		    "%s", who, p->cert_file, date);
		goto out;
	}
	if (mbedtls_pk_check_pair(&crt.pk, &key) != 0) {
		snprintf(msg, msglen, "%s key %s does not belong to "
		    "certificate %s", who, p->key_file, p->cert_file);
		goto out;
	}
	rv = 0;
out:
	mbedtls_pk_free(&key);
	mbedtls_x509_crt_free(&crt);
	mbedtls_x509_crt_free(&ca);
	return rv;
}

int
ppi_tls_load(const char *ca_file, const char *cert_file,
    const char *key_file, bool is_server, ppi_tls_pem *p, char *msg,
    size_t msglen)
{
	int rv;

	memset(p, 0, sizeof(*p));
	p->ca_file   = ca_file;
	p->cert_file = cert_file;
	p->key_file  = key_file;
	if ((rv = read_text("CA", ca_file, &p->ca, msg, msglen)) != 0 ||
	    (rv = read_text("certificate", cert_file, &p->cert, msg,
	         msglen)) != 0 ||
	    (rv = read_text("key", key_file, &p->key, msg, msglen)) != 0) {
		return rv;
	}
	return check_pem(p, is_server, msg, msglen);
}

void
ppi_tls_pem_fini(ppi_tls_pem *p)
{
	if (p->key != NULL) {
		mbedtls_platform_zeroize(p->key, strlen(p->key));
	}
	free(p->ca);
	free(p->cert);
	free(p->key);
	p->ca = p->cert = p->key = NULL;
}

/* ---- diagnosis ------------------------------------------------------------ */

/* A TCP connection to a->host:a->port within the deadline, or -1. */
static int
tcp_connect(const ppi_addr *a, long deadline, char *msg, size_t msglen)
{
	struct addrinfo  hints, *res = NULL, *ai;
	struct pollfd    pfd;
	char             port[8];
	socklen_t        len;
	int              fd = -1, err = 0, rv;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%u", a->port);
	if ((rv = getaddrinfo(a->host, port, &hints, &res)) != 0) {
		snprintf(msg, msglen, "cannot resolve %s: %s", a->host,
		    gai_strerror(rv));
		return -1;
	}
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family,
		    ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0) {
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 &&
		    errno != EINPROGRESS) {
			err = errno;
			close(fd);
			fd = -1;
			continue;
		}
		pfd = (struct pollfd) { fd, POLLOUT, 0 };
		len = sizeof(err);
		if (poll(&pfd, 1,
		        (int) (deadline -
		            (long) ppi_clock_ms(CLOCK_MONOTONIC))) <= 0) {
			err = ETIMEDOUT;
		} else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) <
		    0) {
			err = errno;
		}
		if (err != 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0) {
		snprintf(msg, msglen, "cannot connect to %s port %u: %s",
		    a->host, a->port, strerror(err != 0 ? err : ECONNREFUSED));
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

/* What the peer sends before we say anything. */
enum first_words { PEER_SILENT, PEER_SP, PEER_CLOSED, PEER_OTHER };

static enum first_words
listen_first(int fd, int wait_ms)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	unsigned char buf[8];
	ssize_t       n;

	if (poll(&pfd, 1, wait_ms) <= 0) {
		return PEER_SILENT;
	}
	n = recv(fd, buf, sizeof(buf), MSG_PEEK);
	if (n <= 0) {
		return PEER_CLOSED;
	}
	if (n >= 4 && buf[0] == 0 && buf[1] == 'S' && buf[2] == 'P' &&
	    buf[3] == 0) {
		return PEER_SP;
	}
	return PEER_OTHER;
}

/*
 * A node that refuses our certificate sends its alert and closes while
 * the rest of our flight is in transit, so a send may fail with EPIPE or
 * ECONNRESET with the alert already waiting to be read. Pretending the
 * send worked lets mbedTLS go on to read that alert.
 */
static int
bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	ssize_t n = send(*(int *) ctx, buf, len, MSG_NOSIGNAL);

	if (n < 0) {
		if (errno == EPIPE || errno == ECONNRESET) {
			return (int) len;
		}
		return errno == EAGAIN ? MBEDTLS_ERR_SSL_TIMEOUT
		                       : MBEDTLS_ERR_NET_SEND_FAILED;
	}
	return (int) n;
}

static int
bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	ssize_t n = recv(*(int *) ctx, buf, len, 0);

	if (n < 0) {
		return errno == EAGAIN ? MBEDTLS_ERR_SSL_TIMEOUT
		                       : MBEDTLS_ERR_NET_RECV_FAILED;
	}
	if (n == 0) {
		return MBEDTLS_ERR_SSL_CONN_EOF;
	}
	return (int) n;
}

static const char *
alert_text(int alert)
{
	switch (alert) {
	case MBEDTLS_SSL_ALERT_MSG_BAD_CERT:
		return "bad certificate (corrupted, or its signature does not "
		       "verify)";
	case MBEDTLS_SSL_ALERT_MSG_CERT_EXPIRED:
		return "certificate expired";
	case MBEDTLS_SSL_ALERT_MSG_UNKNOWN_CA:
		return "unknown CA (not signed by the node's CA, or its "
		       "signature is corrupted)";
	case MBEDTLS_SSL_ALERT_MSG_UNSUPPORTED_CERT:
		return "unsupported certificate (key usage?)";
	case MBEDTLS_SSL_ALERT_MSG_CERT_UNKNOWN:
		return "certificate not acceptable";
	case MBEDTLS_SSL_ALERT_MSG_NO_CERT:
	case MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE:
		return "handshake failure (no acceptable certificate)";
	case MBEDTLS_SSL_ALERT_MSG_PROTOCOL_VERSION:
		return "protocol version";
	default:
		return "refused";
	}
}

/* The node's certificate failed our checks: say which. */
static void
describe_flags(uint32_t flags, const ppi_addr *a, const ppi_tls_pem *p,
    char *msg, size_t msglen)
{
	char info[256];

	if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) {
		snprintf(msg, msglen, "the node's certificate is not signed "
		    "by CA %s (wrong CA, or a corrupted certificate)",
		    p->ca_file);
	} else if (flags & MBEDTLS_X509_BADCERT_EXPIRED) {
		snprintf(msg, msglen, "the node's certificate has expired");
	} else if (flags & MBEDTLS_X509_BADCERT_FUTURE) {
		snprintf(msg, msglen, "the node's certificate is not valid "
		    "yet");
	} else if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) {
		snprintf(msg, msglen, "the node's certificate is not issued "
		    "for %s", a->host);
	} else {
		mbedtls_x509_crt_verify_info(info, sizeof(info), "", flags);
		info[strcspn(info, "\n")] = '\0';
		snprintf(msg, msglen, "the node's certificate was refused: %s",
		    info);
	}
}

/*
 * The node hung up on our certificate without saying why: check it
 * against our own CA (usually the node's too) for a reason to give.
 */
static void
self_check(mbedtls_x509_crt *crt, mbedtls_x509_crt *ca, const ppi_tls_pem *p,
    char *msg, size_t msglen)
{
	uint32_t flags = 0;

	mbedtls_x509_crt_verify(crt, ca, NULL, NULL, &flags, NULL, NULL);
	if ((flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) &&
	    crt->issuer_raw.len == ca->subject_raw.len &&
	    memcmp(crt->issuer_raw.p, ca->subject_raw.p, ca->subject_raw.len) ==
	        0) {
		snprintf(msg, msglen, "the node refused our certificate %s: "
		    "its signature does not verify against CA %s "
		    "(corrupted)", p->cert_file, p->ca_file);
	} else if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) {
		snprintf(msg, msglen, "the node refused our certificate %s: "
		    "it is not signed by CA %s (the node trusts another CA?)",
		    p->cert_file, p->ca_file);
	} else if (strstr(msg, "refused our certificate") == NULL) {
		snprintf(msg, msglen, "the node closed the connection during "
		    "the TLS handshake: it refused our certificate %s (not "
		    "signed by the CA it trusts?)", p->cert_file);
	}
}

/* One handshake with verification optional; explains what failed. */
static int
handshake(int fd, const ppi_addr *a, const ppi_tls_pem *p, long deadline,
    char *msg, size_t msglen)
{
	mbedtls_entropy_context  entropy;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_ssl_config       conf;
	mbedtls_ssl_context      ssl;
	mbedtls_x509_crt         ca, crt;
	mbedtls_pk_context       key;
	struct timeval           tv;
	long                     left;
	uint32_t                 flags;
	unsigned char            ip[16];
	size_t                   iplen;
	bool                     is_ip = ppi_tls_name_ip(a->host, ip, &iplen);
	char                     err[160];
	int                      rv = 0, ret;

	left       = deadline - (long) ppi_clock_ms(CLOCK_MONOTONIC);
	tv.tv_sec  = left > 0 ? left / 1000 : 0;
	tv.tv_usec = left > 0 ? (left % 1000) * 1000 : 1000;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	mbedtls_ssl_config_init(&conf);
	mbedtls_ssl_init(&ssl);
	mbedtls_x509_crt_init(&ca);
	mbedtls_x509_crt_init(&crt);
	mbedtls_pk_init(&key);
	if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
	        NULL, 0) != 0 ||
	    mbedtls_x509_crt_parse(&ca, (const unsigned char *) p->ca,
	        strlen(p->ca) + 1) != 0 ||
	    mbedtls_x509_crt_parse(&crt, (const unsigned char *) p->cert,
	        strlen(p->cert) + 1) != 0 ||
	    mbedtls_pk_parse_key(&key, (const unsigned char *) p->key,
	        strlen(p->key) + 1, NULL, 0) != 0 ||
	    mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT,
	        MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT) !=
	        0) {
		goto out; /* checked before; nothing to add */
	}
	mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_OPTIONAL);
	mbedtls_ssl_conf_ca_chain(&conf, &ca, NULL);
	mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
	if (mbedtls_ssl_conf_own_cert(&conf, &crt, &key) != 0 ||
	    mbedtls_ssl_setup(&ssl, &conf) != 0 ||
	    (!is_ip && mbedtls_ssl_set_hostname(&ssl, a->host) != 0)) {
		goto out;
	}
	mbedtls_ssl_set_bio(&ssl, &fd, bio_send, bio_recv, NULL);
	while ((ret = mbedtls_ssl_handshake(&ssl)) ==
	        MBEDTLS_ERR_SSL_WANT_READ ||
	    ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
	}
	flags = mbedtls_ssl_get_verify_result(&ssl);
	/* An address is checked as our engine checks it (tls_name.c). */
	if (is_ip && flags != (uint32_t) -1 &&
	    mbedtls_ssl_get_peer_cert(&ssl) != NULL &&
	    !ppi_tls_cert_names_ip(mbedtls_ssl_get_peer_cert(&ssl), a->host)) {
		flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
	}
	if (flags != 0 && flags != (uint32_t) -1) {
		/* Our complaint comes first: the node may well have
		 * accepted us. */
		describe_flags(flags, a, p, msg, msglen);
		rv = PP_ETLS;
	} else if (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) {
		snprintf(msg, msglen, "the node refused our certificate %s: "
		    "%s", p->cert_file, alert_text(ssl.in_msg[1]));
		if (ssl.in_msg[1] == MBEDTLS_SSL_ALERT_MSG_UNKNOWN_CA ||
		    ssl.in_msg[1] == MBEDTLS_SSL_ALERT_MSG_BAD_CERT) {
			self_check(&crt, &ca, p, msg, msglen);
		}
		rv = PP_ETLS;
	} else if (ret == MBEDTLS_ERR_SSL_CONN_EOF ||
	    ret == MBEDTLS_ERR_NET_RECV_FAILED ||
	    ret == MBEDTLS_ERR_NET_SEND_FAILED) {
		self_check(&crt, &ca, p, msg, msglen);
		rv = PP_ETLS;
	} else if (ret == MBEDTLS_ERR_SSL_TIMEOUT) {
		snprintf(msg, msglen, "the TLS handshake did not finish in "
		    "time");
		rv = PP_ETIMEDOUT;
	} else if (ret != 0) {
		mbedtls_strerror(ret, err, sizeof(err));
		snprintf(msg, msglen, "TLS handshake failed: %s", err);
		rv = PP_ETLS;
	}
	if (ret == 0) {
		mbedtls_ssl_close_notify(&ssl);
	}
out:
	mbedtls_pk_free(&key);
	mbedtls_x509_crt_free(&crt);
	mbedtls_x509_crt_free(&ca);
	mbedtls_ssl_free(&ssl);
	mbedtls_ssl_config_free(&conf);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&entropy);
	return rv;
}

int
ppi_tls_explain(const ppi_tls_failure *f, const ppi_addr *a,
    const ppi_tls_pem *p, char *msg, size_t msglen)
{
	mbedtls_x509_crt ca, crt;
	char             err[160];

	if (!f->is_set || p == NULL) {
		return 0;
	}
	if (f->is_plain) {
		snprintf(msg, msglen, "%s port %u speaks plain tcp, not TLS (the "
		    "node listens on tcp://, so use tcp:// with an access token)",
		    a->host, a->port);
	} else if (f->flags != 0) {
		/* Our complaint comes first: the node may well have
		 * accepted us. */
		describe_flags(f->flags, a, p, msg, msglen);
	} else if (f->alert >= 0 ||
	    f->mbedtls_err == MBEDTLS_ERR_NET_RECV_FAILED ||
	    f->mbedtls_err == MBEDTLS_ERR_NET_SEND_FAILED) {
		if (f->alert >= 0) {
			snprintf(msg, msglen, "the node refused our certificate "
			    "%s: %s", p->cert_file, alert_text(f->alert));
		}
		if (f->alert < 0 || f->alert == MBEDTLS_SSL_ALERT_MSG_UNKNOWN_CA ||
		    f->alert == MBEDTLS_SSL_ALERT_MSG_BAD_CERT) {
			mbedtls_x509_crt_init(&ca);
			mbedtls_x509_crt_init(&crt);
			if (mbedtls_x509_crt_parse(&ca, (const unsigned char *) p->ca,
			        strlen(p->ca) + 1) == 0 &&
			    mbedtls_x509_crt_parse(&crt,
			        (const unsigned char *) p->cert,
			        strlen(p->cert) + 1) == 0) {
				self_check(&crt, &ca, p, msg, msglen);
			}
			mbedtls_x509_crt_free(&crt);
			mbedtls_x509_crt_free(&ca);
		}
	} else {
		mbedtls_strerror(f->mbedtls_err, err, sizeof(err));
		snprintf(msg, msglen, "TLS handshake failed: %s", err);
	}
	return PP_ETLS;
}

/* How long a peer may stay silent before we conclude it waits for us. */
#define SILENT_MS 300

int
ppi_tls_diagnose(const ppi_addr *a, const ppi_tls_pem *p,
    uint32_t timeout_ms, char *msg, size_t msglen)
{
	long deadline =
	    (long) ppi_clock_ms(CLOCK_MONOTONIC) + (long) timeout_ms;
	int  fd, rv = 0;

	if (a->kind == PPI_ADDR_IPC) {
		return 0;
	}
	if ((fd = tcp_connect(a, deadline, msg, msglen)) < 0) {
		return PP_ECONNREFUSED;
	}
	switch (listen_first(fd, SILENT_MS)) {
	case PEER_SP:
		if (p != NULL) {
			snprintf(msg, msglen, "%s port %u speaks plain tcp, "
			    "not TLS (the node listens on tcp://, so use "
			    "tcp:// with an access token)", a->host, a->port);
			rv = PP_ETLS;
		}
		break;
	case PEER_SILENT:
		if (p == NULL) {
			snprintf(msg, msglen, "%s port %u expects TLS (the "
			    "node listens on tls+tcp://: use that with a CA, "
			    "a certificate and a key)", a->host, a->port);
			rv = PP_ETLS;
		} else {
			rv = handshake(fd, a, p, deadline, msg, msglen);
		}
		break;
	case PEER_CLOSED:
		snprintf(msg, msglen, "%s port %u closed the connection at "
		    "once (connection limit reached?)", a->host, a->port);
		rv = PP_ECONNREFUSED;
		break;
	default:
		snprintf(msg, msglen, "%s port %u is not a pipeproc node",
		    a->host, a->port);
		rv = PP_EPROTO;
		break;
	}
	close(fd);
	return rv;
}
