import COpenSSL
import DAMCSecurity
import DAMCTopology

/// TLS 1.3 with mutual authentication through the system OpenSSL (issue 6):
/// our certificate chain and key, and the CA that must have signed the
/// peer's certificate. Nothing older than TLS 1.3 is offered or accepted,
/// and a peer without a certificate from that CA fails the handshake.
public final class TLSContext: @unchecked Sendable {
    public enum Role: Sendable { case server, client }

    let context: OpaquePointer
    public let role: Role

    public init(role: Role, certificateFile: String, privateKeyFile: String, caFile: String) throws(CryptoError) {
        guard let context = SSL_CTX_new(role == .server ? TLS_server_method() : TLS_client_method()) else {
            throw CryptoError("TLS context")
        }
        self.context = context
        self.role = role
        guard damc_ssl_ctx_set_tls13_only(context) == 1 else { throw CryptoError("TLS 1.3 only") }
        damc_ssl_ctx_allow_moving_buffers(context)
        guard SSL_CTX_use_certificate_chain_file(context, certificateFile) == 1 else {
            throw CryptoError("certificate \(certificateFile)")
        }
        guard SSL_CTX_use_PrivateKey_file(context, privateKeyFile, SSL_FILETYPE_PEM) == 1 else {
            throw CryptoError("private key \(privateKeyFile)")
        }
        guard SSL_CTX_check_private_key(context) == 1 else {
            throw CryptoError("private key \(privateKeyFile)", reason: "does not match certificate \(certificateFile)")
        }
        guard SSL_CTX_load_verify_locations(context, caFile, nil) == 1 else { throw CryptoError("CA file \(caFile)") }
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nil)
    }

    /// The context for a config's `tls` block.
    public convenience init(role: Role, files: TLSFiles) throws(CryptoError) {
        try self.init(role: role, certificateFile: files.certificateFile, privateKeyFile: files.privateKeyFile,
                      caFile: files.caFile)
    }

    deinit { SSL_CTX_free(context) }
}
