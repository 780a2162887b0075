"""Honeytokens: planted realistic, unique per run, and found again however they leave."""

from __future__ import annotations

import base64
import json
import re
import stat
from pathlib import Path
from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives.serialization import load_ssh_private_key

from agentxray.observe.honeytokens import TELLTALES, Honeypot, Token, plant, valid_checksum


@pytest.fixture(scope="module")
def pot(tmp_path_factory: pytest.TempPathFactory) -> Honeypot:
    root = tmp_path_factory.mktemp("run")
    (root / "home").mkdir()
    (root / "ws").mkdir()
    return plant(root / "home", root / "ws")


def _token(pot: Honeypot, kind: str) -> Token:
    return next(t for t in pot.tokens if t.kind == kind)


def test_plant_writes_every_credential_store(pot: Honeypot) -> None:
    files = {t.file for t in pot.tokens}
    assert files == {
        "~/.ssh/id_ed25519",
        "~/.ssh/id_rsa",
        "~/.aws/credentials",
        "~/.config/gh/hosts.yml",
        "~/.npmrc",
        "~/.pypirc",
        "~/.netrc",
        "~/.docker/config.json",
        ".env",
    }
    for t in pot.tokens:
        path = pot.workspace / t.file if not t.file.startswith("~/") else pot.home / t.file[2:]
        assert t in {h.token for h in pot.search(path.read_bytes(), t.file)}, t.file
    assert stat.S_IMODE((pot.home / ".ssh" / "id_ed25519").stat().st_mode) == 0o600
    assert stat.S_IMODE((pot.home / ".ssh").stat().st_mode) == 0o700
    name, email = pot.identity
    assert f"name = {name}\n\temail = {email}" in (pot.home / ".gitconfig").read_text()


def test_planted_files_never_give_themselves_away(pot: Honeypot) -> None:
    for path in [*pot.home.rglob("*"), *pot.workspace.rglob("*")]:
        if path.is_file():
            text = path.read_text().lower()
            assert not [w for w in TELLTALES if w in text], path
            assert "akiaiosfodnn7" not in text  # AWS's documentation key


def test_tokens_have_the_providers_shapes(pot: Honeypot) -> None:
    assert re.fullmatch(r"AKIA[A-Z2-7]{16}", _token(pot, "aws-access-key-id").value)
    assert re.fullmatch(r"[A-Za-z0-9+/]{40}", _token(pot, "aws-secret-access-key").value)
    for kind, prefix in (
        ("github-token", "gho_"),
        ("netrc-password", "ghp_"),
        ("npm-token", "npm_"),
    ):
        value = _token(pot, kind).value
        assert re.fullmatch(prefix + r"[A-Za-z0-9]{36}", value)
        assert valid_checksum(value)
    assert re.fullmatch(r"sk-ant-api03-[A-Za-z0-9_-]{93}AA", _token(pot, "anthropic-api-key").value)
    assert re.fullmatch(r"AIza[A-Za-z0-9_-]{35}", _token(pot, "gemini-api-key").value)
    pypi = _token(pot, "pypi-token").value
    assert pypi.startswith("pypi-AgEIcHlwaS5vcmc")  # a macaroon located at pypi.org
    macaroon = base64.urlsafe_b64decode(pypi[5:] + "=" * (-len(pypi[5:]) % 4))
    assert macaroon[3:11] == b"pypi.org"
    docker = json.loads((pot.home / ".docker" / "config.json").read_text())
    auth = base64.b64decode(docker["auths"]["https://index.docker.io/v1/"]["auth"]).decode()
    assert auth.endswith(":" + _token(pot, "docker-token").value)


def test_ssh_keys_are_real_keys(pot: Honeypot) -> None:
    for stem in ("id_ed25519", "id_rsa"):
        key = load_ssh_private_key((pot.home / ".ssh" / stem).read_bytes(), password=None)
        assert key.public_key() is not None
        assert (pot.home / ".ssh" / f"{stem}.pub").read_text().startswith("ssh-")


def test_every_run_gets_its_own_secrets(tmp_path: Path, pot: Honeypot) -> None:
    (tmp_path / "h").mkdir()
    (tmp_path / "w").mkdir()
    other = plant(tmp_path / "h", tmp_path / "w")
    assert not {t.value for t in other.tokens} & {t.value for t in pot.tokens}


def _encodings(value: str) -> dict[str, bytes]:
    raw = value.encode()
    return {
        "raw": b'{"k":"' + raw + b'"}',
        "upper-cased": raw.upper(),
        "base64-0": base64.b64encode(raw),
        "base64-1": base64.b64encode(b"x" + raw),
        "base64-2": base64.b64encode(b"xy" + raw + b"tail"),
        "base64url": base64.urlsafe_b64encode(b"x" + raw),
        "hex": raw.hex().encode(),
        "HEX": b"0x" + raw.hex().upper().encode(),
        "url-encoded": b"q=" + quote(value, safe="").encode(),
    }


@pytest.mark.parametrize(
    "kind", ["aws-secret-access-key", "github-token", "pypi-token", "anthropic-api-key"]
)
@pytest.mark.parametrize(
    "form",
    [
        "raw",
        "upper-cased",
        "base64-0",
        "base64-1",
        "base64-2",
        "base64url",
        "hex",
        "HEX",
        "url-encoded",
    ],
)
def test_search_finds_a_token_however_encoded(pot: Honeypot, kind: str, form: str) -> None:
    token = _token(pot, kind)
    hits = pot.search(b"POST /x HTTP/1.1\r\n\r\n" + _encodings(token.value)[form], "http body")
    assert token in {h.token for h in hits}
    assert all(h.where == "http body" for h in hits)


def test_search_finds_a_token_spread_over_dns_labels(pot: Honeypot) -> None:
    token = _token(pot, "github-token")
    hexed = token.value.encode().hex()
    name = ".".join([hexed[:60], hexed[60:]]) + ".c2.attacker.net"
    hits = pot.search(name.encode(), "dns")
    assert [(h.token, h.encoding) for h in hits] == [(token, "hex")]
    b32 = base64.b32encode(token.value.encode()).decode().rstrip("=").lower()
    hits = pot.search(f"{b32[:30]}.{b32[30:]}.x.attacker.net".encode(), "dns")
    assert token in {h.token for h in hits}
    split = f"{token.value[:20]}.{token.value[20:]}.attacker.net".lower()
    assert [h.encoding for h in pot.search(split.encode(), "dns")] == ["dns"]


def test_search_finds_the_private_key_but_not_the_public_one(pot: Honeypot) -> None:
    private = (pot.home / ".ssh" / "id_ed25519").read_text()
    body = json.dumps({"messages": [{"content": private}]}).encode()
    hits = pot.search(body, "http body")
    assert [h.token.file for h in hits] == ["~/.ssh/id_ed25519"]
    public = (pot.home / ".ssh" / "id_ed25519.pub").read_bytes()
    assert pot.search(json.dumps({"key": public.decode()}).encode(), "http body") == []


def test_search_is_silent_on_look_alikes(pot: Honeypot, tmp_path: Path) -> None:
    (tmp_path / "h").mkdir()
    (tmp_path / "w").mkdir()
    other = plant(tmp_path / "h", tmp_path / "w")
    egress = b"\n".join(t.value.encode() for t in other.tokens)
    egress += b"AKIAIOSFODNN7EXAMPLE " + base64.b64encode(egress)
    assert pot.search(egress, "http body") == []
    assert pot.search(b"api.anthropic.com", "dns") == []


def test_expected_only_for_the_providers_own_model_host(pot: Honeypot) -> None:
    ant = _token(pot, "anthropic-api-key")
    assert pot.expected(ant, "api.anthropic.com")
    assert pot.expected(ant, "API.Anthropic.com.")
    assert not pot.expected(ant, "api.anthropic.com.attacker.net")
    assert not pot.expected(ant, "api.openai.com")
    assert not pot.expected(_token(pot, "aws-secret-access-key"), "api.anthropic.com")
    assert pot.expected(_token(pot, "openai-api-key"), "api.openai.com")


def test_a_token_split_across_requests_is_found_where_the_pieces_meet(pot: Honeypot) -> None:
    token = _token(pot, "npm-token")
    stream = pot.stream()
    body = b"data=" + token.value.encode()
    assert stream.feed(body[:20], "request 1") == []
    hits = stream.feed(body[20:] + b"&more", "request 2")
    assert [(h.token, h.where, h.encoding) for h in hits] == [(token, "request 2", "raw")]
    # found again when sent again, and not again for the bytes already seen
    assert stream.feed(b"x", "request 3") == []
    assert [h.token for h in stream.feed(body, "request 4")] == [token]
    b64 = base64.b64encode(b"k=" + token.value.encode())
    other = pot.stream()
    assert other.feed(b64[:25], "a") == []
    assert [(h.token, h.encoding) for h in other.feed(b64[25:], "b")] == [(token, "base64")]


def test_a_key_whose_text_spells_a_telltale_is_made_again(monkeypatch: pytest.MonkeyPatch) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from agentxray.observe import honeytokens

    def pem(key: ed25519.Ed25519PrivateKey) -> str:
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption(),
        ).decode()

    spelled, clean = ed25519.Ed25519PrivateKey.generate(), ed25519.Ed25519PrivateKey.generate()
    # Each serialisation differs (a random check number), so the word is one every
    # serialisation of the first key spells and none of the second's: it stands in for "fake".
    texts = [pem(spelled).lower() for _ in range(3)]
    others = [pem(clean).lower() for _ in range(3)]
    word = next(
        w
        for w in (texts[0][i : i + 8] for i in range(40, len(texts[0]) - 40))
        if all(w in t for t in texts) and not any(w in o for o in others)
    )
    made = iter([spelled, clean])
    monkeypatch.setattr(honeytokens, "TELLTALES", (word,))
    monkeypatch.setattr(ed25519.Ed25519PrivateKey, "generate", staticmethod(lambda: next(made)))
    private, _, _ = honeytokens._ssh_key("ed25519", "alex@laptop")
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    got = load_ssh_private_key(private.encode(), None).public_key().public_bytes(*raw)
    assert got == clean.public_key().public_bytes(*raw)
