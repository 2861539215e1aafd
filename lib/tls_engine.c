/*
 * tls_engine.c - the TLS under tls+tcp://: our own engine for NNG's TLS
 * framework (nng/supplemental/tls/engine.h), on mbedTLS.
 *
 * NNG's framework keeps the TCP stream, the buffers and the aios; an
 * engine turns bytes into records and back. Debian's NNG 1.5.2 comes with
 * an mbedTLS engine of its own; ours replaces it for three reasons:
 *   - names: a certificate that names its host only as an iPAddress
 *     subjectAltName is accepted for that address (tls_name.c; mbedTLS
 *     2.28 compares dNSName and the common name only);
 *   - bounds on the node's side: a connection that has not finished its
 *     handshake within the node's --auth-timeout is dropped at its next
 *     byte, and every accepted TLS connection, handshaking or not, counts
 *     toward --max-connections, so a flood of half-open connections
 *     cannot hold the node's file descriptors (NNG itself drops a
 *     connection that says nothing for 10 s);
 *   - one handshake: the reasons of a failed handshake are known here.
 *
 * Threads: NNG calls a connection's operations under that connection's
 * lock, one at a time. The random generator is shared by every
 * connection, so it has a lock of its own. The limits are atomics.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_crl.h>

#include <nng/nng.h>
#include <nng/supplemental/tls/engine.h>

#include "deadline.h"
#include "tls.h"

/* NNG 1.5.2's TLS framework buffers this much for the TCP stream
 * (NNG_TLS_MAX_SEND_SIZE in tls_common.c). */
#define FRAMEWORK_SEND_MAX 16384

/* Certificates of our own one configuration may hold (RSA and EC, say). */
#define OWN_MAX 4

struct nng_tls_engine_config {
	nng_tls_mode       mode;
	mbedtls_ssl_config conf;
	mbedtls_x509_crt   ca;
	mbedtls_x509_crl   crl;
	mbedtls_x509_crt   certs[OWN_MAX];
	mbedtls_pk_context keys[OWN_MAX];
	int                nown;
	char              *server_name; /* client: the host we dialed */
	bool               is_ip_name;  /* ... an address, checked by us */
	pthread_mutex_t    fail_mu;     /* guards fail */
	ppi_tls_failure    fail;        /* client: the last failed handshake */
};

struct nng_tls_engine_conn {
	void                  *tls; /* the framework's, for its send/recv */
	nng_tls_engine_config *cfg;
	mbedtls_ssl_context    ssl;
	uint64_t               deadline_ms; /* handshake over by then; 0 */
	bool                   is_counted;  /* in g_live */
	unsigned char          first[4];    /* the peer's first bytes */
	size_t                 nfirst;
};

/* The configuration config_init() made last on this thread (see
 * ppi_tls_engine_last_config()). */
static __thread nng_tls_engine_config *t_last_config;

/* Shared by every connection: the random bits and the node's limits. */
static mbedtls_entropy_context  g_entropy;
static mbedtls_ctr_drbg_context g_drbg;
static pthread_mutex_t          g_drbg_mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_uint              g_max_conns, g_handshake_ms, g_live;

static int
locked_random(void *arg, unsigned char *out, size_t len)
{
	int rv;

	(void) arg;
	pthread_mutex_lock(&g_drbg_mu);
	rv = mbedtls_ctr_drbg_random(&g_drbg, out, len);
	pthread_mutex_unlock(&g_drbg_mu);
	return rv;
}

/* mbedTLS's answer as NNG's: "again", a refused peer, or a broken one. */
static int
nng_error(int rv)
{
	switch (rv) {
	case MBEDTLS_ERR_SSL_WANT_READ:
	case MBEDTLS_ERR_SSL_WANT_WRITE:
		return NNG_EAGAIN;
	case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
		return NNG_ECLOSED;
	case MBEDTLS_ERR_X509_CERT_VERIFY_FAILED:
	case MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE:
	case MBEDTLS_ERR_SSL_PEER_VERIFY_FAILED:
	case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE:
		return NNG_EPEERAUTH;
	case MBEDTLS_ERR_NET_SEND_FAILED:
	case MBEDTLS_ERR_NET_RECV_FAILED:
	case MBEDTLS_ERR_NET_CONN_RESET:
		return NNG_ECONNRESET;
	case MBEDTLS_ERR_SSL_ALLOC_FAILED:
		return NNG_ENOMEM;
	default:
		return NNG_ECRYPTO;
	}
}

/* The framework's stream under the records, as mbedTLS's BIO. */
static int
bio_send(void *arg, const unsigned char *buf, size_t len)
{
	nng_tls_engine_conn *c = arg;
	size_t               n = len;
	int                  rv = nng_tls_engine_send(c->tls, buf, &n);

	if (rv == NNG_EAGAIN) {
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	}
	return rv != 0 ? MBEDTLS_ERR_NET_SEND_FAILED : (int) n;
}

static int
bio_recv(void *arg, unsigned char *buf, size_t len)
{
	nng_tls_engine_conn *c = arg;
	size_t               n = len, i;
	int                  rv = nng_tls_engine_recv(c->tls, buf, &n);

	if (rv == NNG_EAGAIN || (rv == 0 && n == 0)) {
		return MBEDTLS_ERR_SSL_WANT_READ;
	}
	/* Kept to tell a plain NNG listener (it greets with "\0SP\0")
	 * from a TLS one when the handshake fails. */
	for (i = 0; rv == 0 && i < n && c->nfirst < sizeof(c->first); i++) {
		c->first[c->nfirst++] = buf[i];
	}
	return rv != 0 ? MBEDTLS_ERR_NET_RECV_FAILED : (int) n;
}

/*
 * Called by mbedTLS for each certificate of the peer's chain, after its
 * own checks. For an address, the name check is ours (tls_name.c).
 */
static int
verify_name(void *arg, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	nng_tls_engine_config *cfg = arg;

	if (depth == 0 && cfg->is_ip_name &&
	    !ppi_tls_cert_names_ip(crt, cfg->server_name)) {
		*flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
	}
	return 0;
}

/* ---- connections ----------------------------------------------------- */

static int
conn_init(nng_tls_engine_conn *c, void *tls, nng_tls_engine_config *cfg)
{
	unsigned max = atomic_load(&g_max_conns), hs_ms;
	int      rv;

	c->tls = tls;
	c->cfg = cfg;
	if (cfg->mode == NNG_TLS_MODE_SERVER) {
		/* Counted from the accept on, not from the handshake's end:
		 * half-open connections take descriptors too. */
		if (atomic_fetch_add(&g_live, 1) >= max && max != 0) {
			atomic_fetch_sub(&g_live, 1);
			return NNG_EBUSY;
		}
		c->is_counted = true;
		if ((hs_ms = atomic_load(&g_handshake_ms)) != 0) {
			c->deadline_ms = ppi_clock_ms(CLOCK_MONOTONIC) + hs_ms;
		}
	}
	mbedtls_ssl_init(&c->ssl);
	if ((rv = mbedtls_ssl_setup(&c->ssl, &cfg->conf)) != 0 ||
	    (cfg->mode == NNG_TLS_MODE_CLIENT && cfg->server_name != NULL &&
	        !cfg->is_ip_name &&
	        (rv = mbedtls_ssl_set_hostname(&c->ssl, cfg->server_name)) !=
	            0)) {
		mbedtls_ssl_free(&c->ssl);
		if (c->is_counted) {
			atomic_fetch_sub(&g_live, 1);
		}
		return nng_error(rv);
	}
	mbedtls_ssl_set_bio(&c->ssl, c, bio_send, bio_recv, NULL);
	return 0;
}

static void
conn_fini(nng_tls_engine_conn *c)
{
	mbedtls_ssl_free(&c->ssl);
	if (c->is_counted) {
		atomic_fetch_sub(&g_live, 1);
		c->is_counted = false;
	}
}

static void
conn_close(nng_tls_engine_conn *c)
{
	(void) mbedtls_ssl_close_notify(&c->ssl);
}

/* A client's handshake failed: keep why, for ppi_tls_engine_failure(). */
static void
remember_failure(nng_tls_engine_conn *c, int rv)
{
	static const unsigned char sp[] = { 0, 'S', 'P', 0 };
	ppi_tls_failure            f;
	uint32_t                   flags = mbedtls_ssl_get_verify_result(&c->ssl);

	memset(&f, 0, sizeof(f));
	f.is_set      = true;
	f.mbedtls_err = rv;
	f.flags       = flags != (uint32_t) -1 ? flags : 0;
	/* mbedTLS 2.28 keeps the alert it got in its input record. */
	f.alert = rv == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE
	    ? c->ssl.in_msg[1]
	    : -1;
	f.is_plain = c->nfirst == sizeof(sp) &&
	    memcmp(c->first, sp, sizeof(sp)) == 0;
	pthread_mutex_lock(&c->cfg->fail_mu);
	c->cfg->fail = f;
	pthread_mutex_unlock(&c->cfg->fail_mu);
}

static int
conn_handshake(nng_tls_engine_conn *c)
{
	int rv;

	if (c->deadline_ms != 0 &&
	    ppi_clock_ms(CLOCK_MONOTONIC) > c->deadline_ms) {
		return NNG_ETIMEDOUT;
	}
	if ((rv = mbedtls_ssl_handshake(&c->ssl)) == 0) {
		c->deadline_ms = 0;
		return 0;
	}
	if (rv != MBEDTLS_ERR_SSL_WANT_READ && rv != MBEDTLS_ERR_SSL_WANT_WRITE &&
	    c->cfg->mode == NNG_TLS_MODE_CLIENT) {
		remember_failure(c, rv);
	}
	return nng_error(rv);
}

static int
conn_recv(nng_tls_engine_conn *c, uint8_t *buf, size_t *size)
{
	int rv = mbedtls_ssl_read(&c->ssl, buf, *size);

	if (rv > 0) {
		*size = (size_t) rv;
		return 0;
	}
	return rv == 0 ? NNG_ECLOSED : nng_error(rv);
}

static int
conn_send(nng_tls_engine_conn *c, const uint8_t *buf, size_t *size)
{
	int    expansion = mbedtls_ssl_get_record_expansion(&c->ssl);
	size_t len       = *size;
	int    rv;

	/* One whole record per call that fits the framework's 16 KiB send
	 * buffer with its header and tag: it then leaves in one TCP send
	 * instead of being split across two. */
	if (expansion > 0 && len > FRAMEWORK_SEND_MAX - (size_t) expansion) {
		len = FRAMEWORK_SEND_MAX - (size_t) expansion;
	}
	rv = mbedtls_ssl_write(&c->ssl, buf, len);

	if (rv > 0) {
		*size = (size_t) rv;
		return 0;
	}
	return nng_error(rv);
}

static bool
conn_verified(nng_tls_engine_conn *c)
{
	return mbedtls_ssl_get_peer_cert(&c->ssl) != NULL &&
	    mbedtls_ssl_get_verify_result(&c->ssl) == 0;
}

/* ---- configurations -------------------------------------------------- */

static int
config_init(nng_tls_engine_config *cfg, nng_tls_mode mode)
{
	int i, rv;

	cfg->mode = mode;
	pthread_mutex_init(&cfg->fail_mu, NULL);
	t_last_config = cfg;
	mbedtls_ssl_config_init(&cfg->conf);
	mbedtls_x509_crt_init(&cfg->ca);
	mbedtls_x509_crl_init(&cfg->crl);
	for (i = 0; i < OWN_MAX; i++) {
		mbedtls_x509_crt_init(&cfg->certs[i]);
		mbedtls_pk_init(&cfg->keys[i]);
	}
	rv = mbedtls_ssl_config_defaults(&cfg->conf,
	    mode == NNG_TLS_MODE_SERVER ? MBEDTLS_SSL_IS_SERVER
	                                : MBEDTLS_SSL_IS_CLIENT,
	    MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
	if (rv != 0) {
		return NNG_ENOMEM;
	}
	mbedtls_ssl_conf_rng(&cfg->conf, locked_random, NULL);
	mbedtls_ssl_conf_verify(&cfg->conf, verify_name, cfg);
	/* TLS 1.2 and up; the framework's default auth modes: a client
	 * checks its server, a server asks nothing unless told. */
	mbedtls_ssl_conf_min_version(&cfg->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
	    MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_authmode(&cfg->conf,
	    mode == NNG_TLS_MODE_SERVER ? MBEDTLS_SSL_VERIFY_NONE
	                                : MBEDTLS_SSL_VERIFY_REQUIRED);
	return 0;
}

static void
config_fini(nng_tls_engine_config *cfg)
{
	int i;

	mbedtls_ssl_config_free(&cfg->conf);
	mbedtls_x509_crt_free(&cfg->ca);
	mbedtls_x509_crl_free(&cfg->crl);
	for (i = 0; i < OWN_MAX; i++) {
		mbedtls_x509_crt_free(&cfg->certs[i]);
		mbedtls_pk_free(&cfg->keys[i]);
	}
	free(cfg->server_name);
	pthread_mutex_destroy(&cfg->fail_mu);
}

static int
config_server(nng_tls_engine_config *cfg, const char *name)
{
	unsigned char ip[16];
	size_t        len;
	char         *copy = strdup(name);

	if (copy == NULL) {
		return NNG_ENOMEM;
	}
	free(cfg->server_name);
	cfg->server_name = copy;
	cfg->is_ip_name  = ppi_tls_name_ip(name, ip, &len);
	return 0;
}

static int
config_auth(nng_tls_engine_config *cfg, nng_tls_auth_mode mode)
{
	switch (mode) {
	case NNG_TLS_AUTH_MODE_NONE:
		mbedtls_ssl_conf_authmode(&cfg->conf, MBEDTLS_SSL_VERIFY_NONE);
		return 0;
	case NNG_TLS_AUTH_MODE_OPTIONAL:
		mbedtls_ssl_conf_authmode(&cfg->conf,
		    MBEDTLS_SSL_VERIFY_OPTIONAL);
		return 0;
	case NNG_TLS_AUTH_MODE_REQUIRED:
		mbedtls_ssl_conf_authmode(&cfg->conf,
		    MBEDTLS_SSL_VERIFY_REQUIRED);
		return 0;
	}
	return NNG_EINVAL;
}

static int
config_ca_chain(nng_tls_engine_config *cfg, const char *certs,
    const char *crl)
{
	/* PEM text: its length includes the NUL, as mbedTLS wants. */
	if (mbedtls_x509_crt_parse(&cfg->ca, (const unsigned char *) certs,
	        strlen(certs) + 1) != 0) {
		return NNG_EINVAL;
	}
	if (crl != NULL &&
	    mbedtls_x509_crl_parse(&cfg->crl, (const unsigned char *) crl,
	        strlen(crl) + 1) != 0) {
		return NNG_EINVAL;
	}
	mbedtls_ssl_conf_ca_chain(&cfg->conf, &cfg->ca,
	    crl != NULL ? &cfg->crl : NULL);
	return 0;
}

static int
config_own_cert(nng_tls_engine_config *cfg, const char *cert,
    const char *key, const char *pass)
{
	mbedtls_x509_crt   *crt;
	mbedtls_pk_context *pk;

	if (cfg->nown == OWN_MAX) {
		return NNG_ENOSPC;
	}
	crt = &cfg->certs[cfg->nown];
	pk  = &cfg->keys[cfg->nown];
	if (mbedtls_x509_crt_parse(crt, (const unsigned char *) cert,
	        strlen(cert) + 1) != 0 ||
	    mbedtls_pk_parse_key(pk, (const unsigned char *) key,
	        strlen(key) + 1, (const unsigned char *) pass,
	        pass != NULL ? strlen(pass) : 0) != 0) {
		mbedtls_x509_crt_free(crt);
		mbedtls_pk_free(pk);
		mbedtls_x509_crt_init(crt);
		mbedtls_pk_init(pk);
		return NNG_EINVAL;
	}
	if (mbedtls_ssl_conf_own_cert(&cfg->conf, crt, pk) != 0) {
		return NNG_ENOMEM;
	}
	cfg->nown++;
	return 0;
}

static int
config_version(nng_tls_engine_config *cfg, nng_tls_version min,
    nng_tls_version max)
{
	/* mbedTLS 2.28 speaks TLS 1.2 at most; we speak nothing older. */
	if (min > NNG_TLS_1_2 || max < NNG_TLS_1_2) {
		return NNG_ENOTSUP;
	}
	mbedtls_ssl_conf_min_version(&cfg->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
	    MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_max_version(&cfg->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
	    MBEDTLS_SSL_MINOR_VERSION_3);
	return 0;
}

static nng_tls_engine_config_ops config_ops = {
	.size     = sizeof(nng_tls_engine_config),
	.init     = config_init,
	.fini     = config_fini,
	.server   = config_server,
	.auth     = config_auth,
	.ca_chain = config_ca_chain,
	.own_cert = config_own_cert,
	.version  = config_version,
};

static nng_tls_engine_conn_ops conn_ops = {
	.size      = sizeof(nng_tls_engine_conn),
	.init      = conn_init,
	.fini      = conn_fini,
	.close     = conn_close,
	.handshake = conn_handshake,
	.recv      = conn_recv,
	.send      = conn_send,
	.verified  = conn_verified,
};

static const nng_tls_engine engine = {
	.version     = NNG_TLS_ENGINE_VERSION,
	.config_ops  = &config_ops,
	.conn_ops    = &conn_ops,
	.name        = "pipeproc-mbedtls",
	.description = "pipeproc's engine on " MBEDTLS_VERSION_STRING_FULL,
	.fips_mode   = false,
};

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int            g_register_rv;

static void
register_engine(void)
{
	static const char personal[] = "pipeproc tls engine";
	nng_tls_config   *tmp;

	mbedtls_entropy_init(&g_entropy);
	mbedtls_ctr_drbg_init(&g_drbg);
	if (mbedtls_ctr_drbg_seed(&g_drbg, mbedtls_entropy_func, &g_entropy,
	        (const unsigned char *) personal, sizeof(personal)) != 0) {
		g_register_rv = NNG_ECRYPTO;
		return;
	}
	/* NNG registers its own engine when it initializes itself, lazily:
	 * make it do so now, so that ours comes after and stays. */
	if (nng_tls_config_alloc(&tmp, NNG_TLS_MODE_CLIENT) == 0) {
		nng_tls_config_free(tmp);
	}
	g_register_rv = nng_tls_engine_register(&engine);
}

int
ppi_tls_engine_use(void)
{
	pthread_once(&g_once, register_engine);
	return g_register_rv;
}

void
ppi_tls_engine_limits(unsigned max_conns, unsigned handshake_ms)
{
	atomic_store(&g_max_conns, max_conns);
	atomic_store(&g_handshake_ms, handshake_ms);
}

struct nng_tls_engine_config *
ppi_tls_engine_last_config(void)
{
	struct nng_tls_engine_config *cfg = t_last_config;

	t_last_config = NULL;
	return cfg;
}

bool
ppi_tls_engine_failure(struct nng_tls_engine_config *cfg, ppi_tls_failure *f)
{
	if (cfg == NULL) {
		return false;
	}
	pthread_mutex_lock(&cfg->fail_mu);
	*f = cfg->fail;
	pthread_mutex_unlock(&cfg->fail_mu);
	return f->is_set;
}

unsigned
ppi_tls_engine_live(void)
{
	return atomic_load(&g_live);
}
