/*
 * tls_util.c - certificates, ports, nodes and refused connections of the
 * remote client tests. See tls_util.h.
 */
#include "tls_util.h"

void
tls_gen_certs(certs *c, const char *tag, const char *host, const char *extra)
{
	const char *prog = getenv("PIPEPROC_GEN_CERTS");
	const char *build = getenv("PIPEPROC_BUILD");
	char        cmd[1024], path[PP_T_PATH];
	int         st;

	if (prog == NULL || prog[0] == '\0') {
		pp_t_format(path, sizeof(path), "%s/bin/pipeproc-gen-certs",
		    build != NULL && build[0] != '\0' ? build : "build");
		prog = path;
	}
	pp_t_format(c->dir, sizeof(c->dir), "%s/%s", pp_t_root(), tag);
	pp_t_format(cmd, sizeof(cmd), "'%s' '%s' --host %s %s >/dev/null", prog,
	    c->dir, host, extra != NULL ? extra : "");
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		PP_FAIL_AT("%s failed (%d)", cmd, st);
	}
	pp_t_format(c->ca, sizeof(c->ca), "%s/ca.pem", c->dir);
	pp_t_format(c->node_cert, sizeof(c->node_cert), "%s/node.pem", c->dir);
	pp_t_format(c->node_key, sizeof(c->node_key), "%s/node.key", c->dir);
	pp_t_format(c->cert, sizeof(c->cert), "%s/client.pem", c->dir);
	pp_t_format(c->key, sizeof(c->key), "%s/client.key", c->dir);
	pp_t_format(c->token, sizeof(c->token), "%s/token", c->dir);
}

unsigned
tls_free_port(void)
{
	struct sockaddr_in sa;
	socklen_t          len = sizeof(sa);
	int                fd = socket(AF_INET, SOCK_STREAM, 0);
	unsigned           port;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0
	    || getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
		PP_FAIL_AT("no free port: %s", strerror(errno));
	}
	port = ntohs(sa.sin_port);
	close(fd);
	return (port);
}

void
tls_start_node(pp_tnode *n, const char *scheme, const char *const *extra)
{
	const char *args[24];
	int         i, k = 0;

	args[k++] = "--workers";
	args[k++] = "0";
	for (i = 0; extra != NULL && extra[i] != NULL; i++) {
		args[k++] = extra[i];
	}
	args[k] = NULL;
	pp_t_node_init(n);
	pp_t_format(n->address, sizeof(n->address), "%s://127.0.0.1:%u", scheme,
	    tls_free_port());
	PP_ASSERT_INT_EQ(pp_t_node_exec(n, args), 0);
}

void
start_tls_node(pp_tnode *n, const certs *c, const char *const *more)
{
	const char *args[20] = { "--tls-ca", c->ca, "--tls-cert", c->node_cert,
		"--tls-key", c->node_key };
	int         i, k = 6;

	for (i = 0; more != NULL && more[i] != NULL; i++) {
		args[k++] = more[i];
	}
	args[k] = NULL;
	tls_start_node(n, "tls+tcp", args);
}

pp_connect_opts
tls_opts(const char *ca, const char *cert, const char *key)
{
	pp_connect_opts o;

	memset(&o, 0, sizeof(o));
	o.tls_ca_file = ca;
	o.tls_cert_file = cert;
	o.tls_key_file = key;
	o.timeout_ms = (uint32_t)pp_t_scaled(10000);
	return (o);
}

void
tls_expect_refused(
    const char *address, const pp_connect_opts *o, int ex, const char *needle)
{
	pp_client *c = NULL;
	uint64_t   start = pp_t_mono_ms();
	int        rv = pp_connect(address, o, &c);

	if (rv != ex) {
		PP_FAIL_AT("pp_connect(%s) returned %s, expected %s: %s",
		    address, pp_errname(rv), pp_errname(ex), pp_last_errmsg());
	}
	PP_ASSERT_TRUE(c == NULL);
	if (strstr(pp_last_errmsg(), needle) == NULL) {
		PP_FAIL_AT("message \"%s\" does not say \"%s\"",
		    pp_last_errmsg(), needle);
	}
	PP_ASSERT_U64_CMP(pp_t_mono_ms() - start, <, FAST_MS);
	pp_t_diag("%s: %s", pp_errname(rv), pp_last_errmsg());
}
