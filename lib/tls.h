/*
 * tls.h - TLS material for tls+tcp:// (SPEC §4, PEER §18): loading and
 * checking PEM files before NNG sees them, and explaining a failed
 * connection. The only library module besides transport*.c that knows
 * about TLS; it uses mbedTLS directly (NNG's own TLS engine is mbedTLS).
 */
#ifndef PP_TLS_H
#define PP_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "address.h"

/* The three PEM files of one side, read into memory (NUL-terminated). */
typedef struct ppi_tls_pem {
	const char *ca_file, *cert_file, *key_file; /* borrowed names */
	char       *ca, *cert, *key;
} ppi_tls_pem;

/*
 * ppi_tls_load - read and check a CA, a certificate and its key: each
 * file must be readable, hold PEM that parses, the certificate must be
 * valid now and match the key. is_server only changes the wording.
 * Returns 0, or PP_ETLS (bad material) / PP_EINVAL (a name is missing) /
 * PP_ENOMEM with the reason in msg. Release with ppi_tls_pem_fini() in
 * both cases.
 */
int ppi_tls_load(const char *ca_file, const char *cert_file,
    const char *key_file, bool is_server, ppi_tls_pem *pem, char *msg,
    size_t msglen);

/* ppi_tls_pem_fini - wipe and free the PEM text; accepts a zeroed one. */
void ppi_tls_pem_fini(ppi_tls_pem *pem);

/*
 * ppi_tls_diagnose - after NNG failed to connect to `a`, find out why by
 * looking at the peer directly: whether it speaks plain SP or waits for
 * TLS, and, for TLS, running one handshake that records what failed
 * (our verification of its certificate, or its alert about ours).
 * pem: our material, NULL for a plain client. At most timeout_ms.
 * Returns a PP_E* code with the explanation in msg, or 0 when nothing
 * conclusive was found (msg untouched).
 */
int ppi_tls_diagnose(const ppi_addr *a, const ppi_tls_pem *pem,
    uint32_t timeout_ms, char *msg, size_t msglen);

/* ---- our TLS engine for NNG (tls_engine.c, tls_name.c) ---------------- */

/*
 * ppi_tls_engine_use - make NNG's TLS run on tls_engine.c from now on.
 * Call before the first nng_tls_config_alloc() of the process (the
 * library and the node do, where they make their configurations); later
 * calls do nothing. Returns 0 or an NNG error.
 */
int ppi_tls_engine_use(void);

/*
 * ppi_tls_engine_limits - the node's limits for connections it accepts:
 * at most max_conns TLS connections at once, handshaking ones included
 * (0: no limit), and a handshake that is not over after handshake_ms is
 * dropped (0: no limit). Applies to connections accepted afterwards.
 */
void ppi_tls_engine_limits(unsigned max_conns, unsigned handshake_ms);

/* Why a client's TLS handshake failed, as the engine saw it. */
typedef struct ppi_tls_failure {
	bool     is_set;
	uint32_t flags;       /* our checks of the node's certificate, 0: passed */
	int      alert;       /* the alert the node sent, or -1 */
	bool     is_plain;    /* the node greeted with an SP header: no TLS */
	int      mbedtls_err; /* mbedTLS's code for the rest */
} ppi_tls_failure;

struct nng_tls_engine_config;

/*
 * ppi_tls_engine_last_config - the engine's half of the nng_tls_config
 * this thread allocated last (call right after nng_tls_config_alloc();
 * NULL when none), for ppi_tls_engine_failure(). Valid as long as that
 * nng_tls_config is.
 */
struct nng_tls_engine_config *ppi_tls_engine_last_config(void);

/* ppi_tls_engine_failure - why the last handshake made with cfg failed;
 * false when none has. */
bool ppi_tls_engine_failure(struct nng_tls_engine_config *cfg,
    ppi_tls_failure *f);

/*
 * ppi_tls_explain - a sentence for a failed handshake (tls.c, as
 * ppi_tls_diagnose() would say it, without a second handshake). Returns
 * PP_ETLS with msg set, or 0 when f says nothing useful.
 */
int ppi_tls_explain(const ppi_tls_failure *f, const ppi_addr *a,
    const ppi_tls_pem *pem, char *msg, size_t msglen);

/* ppi_tls_engine_live - TLS connections the node holds now, handshaking
 * ones included. */
unsigned ppi_tls_engine_live(void);

/* ppi_tls_name_ip - is text ("127.0.0.1", "::1", "[::1]") an address?
 * Then ip gets its 4 or 16 bytes and *len their count. */
bool ppi_tls_name_ip(const char *text, unsigned char ip[16], size_t *len);

struct mbedtls_x509_crt;
/* ppi_tls_cert_names_ip - does crt name the address `text`: an iPAddress
 * subjectAltName, or a dNSName or common name spelling it? */
bool ppi_tls_cert_names_ip(const struct mbedtls_x509_crt *crt,
    const char *text);

#endif
