"""TLS: a CA made per run, a leaf for loopback and the real API host names, a working handshake."""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from cryptography import x509

from agentxray.observe.mockapi.recorder import Recorder
from agentxray.observe.mockapi.tls import make_tls

Started = Callable[..., tuple[str, Recorder]]


def test_handshake_trusts_only_the_generated_ca(mock_server: Started, tmp_path: Path) -> None:
    material = make_tls(tmp_path / "tls")
    url, recorder = mock_server("hello", ssl_context=material.server_context())
    assert url.startswith("https://127.0.0.1:")
    trusted = ssl.create_default_context(cafile=str(material.ca_file))
    r = httpx.post(f"{url}/v1/messages", json={"model": "m", "messages": []}, verify=trusted)
    assert r.status_code == 200 and recorder.exchanges[0].tls
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/v1/models", verify=ssl.create_default_context())


def test_leaf_names_the_api_hosts_and_each_run_has_its_own_ca(tmp_path: Path) -> None:
    one, two = make_tls(tmp_path / "a", ("mock.internal",)), make_tls(tmp_path / "b")
    leaf = x509.load_pem_x509_certificates(one.cert_file.read_bytes())[0]
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    dns = names.get_values_for_type(x509.DNSName)
    assert {
        "mock.internal",
        "api.anthropic.com",
        "api.openai.com",
        "generativelanguage.googleapis.com",
    } <= set(dns)
    assert one.ca_file.read_bytes() != two.ca_file.read_bytes()
    assert one.key_file.stat().st_mode & 0o077 == 0


def test_proxy_tunnel_is_intercepted_with_a_minted_certificate(
    mock_server: Started, tmp_path: Path
) -> None:
    material = make_tls(tmp_path / "tls")
    url, recorder = mock_server("hello", intercept=material.authority)
    trusted = ssl.create_default_context(cafile=str(material.ca_file))
    with httpx.Client(proxy=url, verify=trusted) as client:
        r = client.post(
            "https://telemetry.example.com/api/event_logging/v2/batch", json={"events": []}
        )
    assert r.status_code == 200
    connect, inner = recorder.exchanges
    assert (
        connect.method == "CONNECT"
        and connect.outcome == "tunnel intercepted: telemetry.example.com:443"
    )
    assert inner.tls and ("host", "telemetry.example.com") in inner.request_headers
    assert inner.target == "/api/event_logging/v2/batch"


def test_distrusting_client_is_recorded(mock_server: Started, tmp_path: Path) -> None:
    material = make_tls(tmp_path / "tls")
    url, recorder = mock_server("hello", intercept=material.authority)
    with (
        pytest.raises(httpx.ConnectError),
        httpx.Client(proxy=url, verify=ssl.create_default_context()) as client,
    ):
        client.get("https://api.example.com/")
    for _ in range(50):
        if len(recorder.exchanges) == 2:
            break
        time.sleep(0.05)
    assert recorder.exchanges[-1].outcome.startswith("tunnel: TLS handshake failed")
