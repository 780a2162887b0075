"""HTTP in Python code: which calls return a response (and from where), which send data out,
and what response headers say about the caller."""

from __future__ import annotations

import ast

import pytest

from agentxray.analyze.python.network import (
    geo_service,
    header_kind,
    http_request,
    network_send,
    url_host,
)
from agentxray.analyze.python.parse import ModuleIndex, build_index
from agentxray.analyze.python.signals import literal_str


def _last_call(src: str) -> tuple[ast.Call, ModuleIndex]:
    tree = ast.parse(src)
    index = build_index(tree)
    calls = [n for n in ast.walk(tree.body[-1]) if isinstance(n, ast.Call)]
    return calls[0], index


@pytest.mark.parametrize(
    ("url", "host", "geo"),
    [
        ("https://ipapi.co/json/", "ipapi.co", True),
        ("http://user@IP-API.com:80/json", "ip-api.com", True),
        ("https://api.ipgeolocation.io/ipgeo", "api.ipgeolocation.io", True),
        ("ipinfo.io/json", "ipinfo.io", True),
        ("https://api.openai.com/v1", "api.openai.com", False),
        ("/relative/path", "", False),
    ],
)
def test_hosts(url: str, host: str, geo: bool) -> None:
    assert url_host(url) == host
    assert geo_service(url) == geo


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("CF-IPCountry", "country"),
        ("x-vercel-ip-country", "country"),
        ("X-Timezone", "timezone"),
        ("content-type", None),
    ],
)
def test_header_kind(name: str, kind: str | None) -> None:
    assert header_kind(name) == kind


@pytest.mark.parametrize(
    ("src", "url", "sends"),
    [
        ('import requests\nrequests.get("https://a.example/x")', "https://a.example/x", True),
        (
            'import httpx\nc = httpx.Client()\nc.post("https://a.example/x")',
            "https://a.example/x",
            True,
        ),
        (
            'import urllib.request\nr = urllib.request.Request("https://a.example/x")\n'
            "urllib.request.urlopen(r)",
            "https://a.example/x",
            True,
        ),
        (
            'import http.client\nc = http.client.HTTPSConnection("a.example")\nc.request("GET", "/")',
            "/",
            True,
        ),
        ('d = {}\nd.get("https://a.example/x")', None, False),
    ],
)
def test_requests(src: str, url: str | None, sends: bool) -> None:
    call, index = _last_call(src)
    assert http_request(index, call, literal_str) == url
    assert (network_send(index, call) is not None) == sends
