// The system OpenSSL (apt libssl-dev, pkg-config openssl) for DAMCSecurity:
// EVP (Ed25519, HMAC-SHA256), PEM, and libssl for TLS 1.3. Macros that
// Swift cannot import are wrapped as static inline functions here.
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

static inline int damc_ssl_ctx_set_tls13_only(SSL_CTX *ctx) {
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1) return 0;
    return SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
}

/// Swift arrays may move between a write that wanted to block and its retry.
static inline void damc_ssl_ctx_allow_moving_buffers(SSL_CTX *ctx) {
    SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

static inline void damc_openssl_free(void *pointer) { OPENSSL_free(pointer); }
