"""A certificate authority made fresh for each run, and the leaf certificate the mock serves."""

from __future__ import annotations

import datetime
import ipaddress
import logging
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

logger = logging.getLogger(__name__)

#: Names the leaf certificate covers besides the listening host: the real API hosts, so an agent
#: whose DNS is pointed at the mock can be served under its usual name.
DEFAULT_HOSTS = (
    "localhost",
    "127.0.0.1",
    "::1",
    "api.anthropic.com",
    "api.openai.com",
    "chatgpt.com",
    "generativelanguage.googleapis.com",
)


@dataclass(frozen=True, slots=True)
class TlsMaterial:
    """Files of one run's CA and server certificate."""

    ca_file: Path
    """The CA certificate (PEM) an agent must trust (NODE_EXTRA_CA_CERTS, SSL_CERT_FILE)."""
    cert_file: Path
    """Server certificate chain (PEM): leaf then CA."""
    key_file: Path
    """Server private key (PEM)."""

    def server_context(self) -> ssl.SSLContext:
        """A server-side TLS context serving the leaf certificate (HTTP/1.1 only)."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(self.cert_file, self.key_file)
        ctx.set_alpn_protocols(["http/1.1"])
        return ctx


def _san(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def make_tls(folder: Path, hosts: tuple[str, ...] = ()) -> TlsMaterial:
    """Create a CA and a leaf for ``hosts`` plus :data:`DEFAULT_HOSTS`, written under ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    start, end = now - datetime.timedelta(days=1), now + datetime.timedelta(days=30)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "agentxray"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"agentxray mock CA {now:%Y%m%d%H%M%S}"),
        ]
    )
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    names = list(dict.fromkeys((*hosts, *DEFAULT_HOSTS)))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.SubjectAlternativeName([_san(h) for h in names]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    material = TlsMaterial(folder / "ca.pem", folder / "server.pem", folder / "server-key.pem")
    material.ca_file.write_bytes(ca.public_bytes(pem))
    material.cert_file.write_bytes(leaf.public_bytes(pem) + ca.public_bytes(pem))
    material.key_file.write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    material.key_file.chmod(0o600)
    logger.info("per-run CA written to %s", material.ca_file)
    return material
