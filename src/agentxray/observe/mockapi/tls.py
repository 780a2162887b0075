"""A certificate authority made fresh for each run, and the leaf certificate the mock serves."""

from __future__ import annotations

import datetime
import ipaddress
import logging
import re
import ssl
import threading
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
    """Files of one run's CA and server certificate, and the CA itself for minting more."""

    ca_file: Path
    """The CA certificate (PEM) an agent must trust (NODE_EXTRA_CA_CERTS, SSL_CERT_FILE)."""
    cert_file: Path
    """Server certificate chain (PEM): leaf then CA."""
    key_file: Path
    """Server private key (PEM)."""
    authority: RunAuthority
    """The CA, which signs a certificate for any host a proxied agent connects to."""

    def server_context(self) -> ssl.SSLContext:
        """A server-side TLS context serving the leaf certificate (HTTP/1.1 only)."""
        return _context(self.cert_file, self.key_file)


def _context(cert_file: Path, key_file: Path) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert_file, key_file)
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


def _san(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


class RunAuthority:
    """A certificate authority that lives for one run; its key never leaves memory."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        now = datetime.datetime.now(datetime.UTC)
        self._start, self._end = now - datetime.timedelta(days=1), now + datetime.timedelta(days=30)
        self._key = ec.generate_private_key(ec.SECP256R1())
        self._name = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "agentxray"),
                x509.NameAttribute(NameOID.COMMON_NAME, f"agentxray mock CA {now:%Y%m%d%H%M%S}"),
            ]
        )
        usage = x509.KeyUsage(
            digital_signature=True,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=True,
            crl_sign=True,
            encipher_only=False,
            decipher_only=False,
        )
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(self._name)
            .issuer_name(self._name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(self._start)
            .not_valid_after(self._end)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(usage, critical=True)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self._key.public_key()), critical=False
            )
            .sign(self._key, hashes.SHA256())
        )
        self.ca_file = folder / "ca.pem"
        self.ca_file.write_bytes(self.certificate.public_bytes(serialization.Encoding.PEM))
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._lock = threading.Lock()

    def issue(self, names: list[str], stem: str) -> tuple[Path, Path]:
        """Sign a leaf for ``names``; write chain and key as ``<stem>.pem``/``<stem>-key.pem``."""
        key = ec.generate_private_key(ec.SECP256R1())
        leaf = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0][:64])]))
            .issuer_name(self._name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(self._start)
            .not_valid_after(self._end)
            .add_extension(x509.SubjectAlternativeName([_san(h) for h in names]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self._key.public_key()),
                critical=False,
            )
            .sign(self._key, hashes.SHA256())
        )
        pem = serialization.Encoding.PEM
        cert_file, key_file = self.folder / f"{stem}.pem", self.folder / f"{stem}-key.pem"
        cert_file.write_bytes(leaf.public_bytes(pem) + self.certificate.public_bytes(pem))
        key_file.touch(mode=0o600)
        key_file.write_bytes(
            key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        )
        return cert_file, key_file

    def context_for(self, host: str) -> ssl.SSLContext:
        """A server context with a certificate for ``host`` (made once per host and run)."""
        with self._lock:
            if host not in self._contexts:
                stem = "host-" + re.sub(r"[^A-Za-z0-9.-]", "_", host)[:80]
                self._contexts[host] = _context(*self.issue([host], stem))
            return self._contexts[host]


def make_tls(folder: Path, hosts: tuple[str, ...] = ()) -> TlsMaterial:
    """Create a CA and a leaf for ``hosts`` plus :data:`DEFAULT_HOSTS`, written under ``folder``."""
    authority = RunAuthority(folder)
    names = list(dict.fromkeys((*hosts, *DEFAULT_HOSTS)))
    cert_file, key_file = authority.issue(names, "server")
    logger.info("per-run CA written to %s", authority.ca_file)
    return TlsMaterial(authority.ca_file, cert_file, key_file, authority)
