"""The sandbox's parts on small inputs: fake-IP resolver, packet sink, policy, bubblewrap line."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest
from dnslib import QTYPE, RCODE, DNSRecord
from tests.observe.sandbox.conftest import needs_sandbox

from agentxray.cli.main import main
from agentxray.observe.sandbox import SandboxUnavailable, preflight
from agentxray.observe.sandbox.bwrap import Layout, command
from agentxray.observe.sandbox.dns import FakeIps, Resolver
from agentxray.observe.sandbox.eventlog import EventLog
from agentxray.observe.sandbox.packets import PacketSink, parse
from agentxray.observe.sandbox.policy import Policy, model_hosts


def _ipv4_udp(dst: bytes, port: int, payload: bytes) -> bytes:
    udp = struct.pack("!HHHH", 40000, port, 8 + len(payload), 0) + payload
    return (
        bytes([0x45, 0])
        + struct.pack("!H", 20 + len(udp))
        + bytes(5)
        + b"\x11"
        + bytes(2)
        + (b"\x0a\xff\xff\x01" + dst)
        + udp
    )


def test_fake_ips_map_names_both_ways() -> None:
    ips = FakeIps()
    a = ips.address("Telemetry.Example.")
    assert a == "198.18.0.1" and ips.address("telemetry.example") == a
    assert ips.name(a) == "telemetry.example" and ips.is_fake(a)
    assert ips.name("8.8.8.8") is None and not ips.is_fake("8.8.8.8")


def test_resolver_answers_a_with_a_fake_ip_and_logs_the_query() -> None:
    log = EventLog()
    resolver = Resolver(FakeIps(), log, Policy("audit", model_hosts()))
    out = resolver.answer(DNSRecord.question("statsig.anthropic.com").pack(), "udp")
    assert out is not None
    reply = DNSRecord.parse(out)
    assert str(reply.rr[0].rdata) == "198.18.0.1"
    (event,) = log.events()
    assert (event.kind, event.host) == ("dns", "statsig.anthropic.com")


def test_resolver_gives_no_aaaa_records() -> None:
    resolver = Resolver(FakeIps(), EventLog(), Policy())
    out = resolver.answer(DNSRecord.question("example.org", "AAAA").pack(), "udp")
    assert out is not None and DNSRecord.parse(out).rr == []


def test_strict_resolver_refuses_other_hosts_and_records_a_violation() -> None:
    log = EventLog()
    resolver = Resolver(FakeIps(), log, Policy("strict", model_hosts("anthropic")))
    bad = DNSRecord.parse(resolver.answer(DNSRecord.question("sentry.io").pack(), "udp") or b"")
    assert bad.header.rcode == RCODE.NXDOMAIN
    good = resolver.answer(DNSRecord.question("api.anthropic.com").pack(), "udp")
    assert good is not None and DNSRecord.parse(good).rr[0].rtype == QTYPE.A
    kinds = [(e.kind, e.host) for e in log.events()]
    assert ("violation", "sentry.io") in kinds
    assert ("violation", "api.anthropic.com") not in kinds


def test_resolver_records_garbage_without_crashing() -> None:
    log = EventLog()
    assert Resolver(FakeIps(), log, Policy()).answer(b"\x01\x02garbage", "udp") is None
    (event,) = log.events()
    assert event.blocked and "malformed" in (event.detail or "")


def test_packet_sink_names_the_destination_and_keeps_one_event_per_flow() -> None:
    ips, log = FakeIps(), EventLog()
    ip = ips.address("beacon.example")
    sink = PacketSink(log, ips)
    packet = _ipv4_udp(bytes(int(x) for x in ip.split(".")), 9999, b"hello")
    parsed = parse(packet)
    assert parsed is not None and (parsed.protocol, parsed.dst, parsed.port) == ("udp", ip, 9999)
    sink.handle(packet)
    sink.handle(packet)
    (event,) = log.events()
    assert (event.kind, event.host, event.port, event.blocked) == (
        "connect",
        "beacon.example",
        9999,
        True,
    )
    assert "hello" in (event.detail or "")


def test_packet_sink_ignores_the_kernels_own_ipv6_chatter_and_junk() -> None:
    log = EventLog()
    sink = PacketSink(log, FakeIps())
    rs = bytes([0x60]) + bytes(3) + struct.pack("!H", 8) + b"\x3a\xff"
    rs += bytes.fromhex("fe80" + "00" * 14) + bytes.fromhex("ff02" + "00" * 13 + "02") + b"\x85"
    sink.handle(rs + bytes(7))
    sink.handle(b"")
    sink.handle(b"\x99not-ip")
    assert log.events() == ()


def test_bwrap_line_hides_the_real_home_and_clears_the_environment(tmp_path: Path) -> None:
    layout = Layout(home=tmp_path / "h", home_inside="/home/dev", workspace=tmp_path / "w")
    argv = command(["true"], {"PATH": "/usr/bin"}, layout, str(tmp_path / "w"))
    joined = " ".join(argv)
    for flag in (
        "--unshare-user",
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--die-with-parent",
        "--clearenv",
        "--ro-bind / /",
    ):
        assert flag in joined
    assert "--unshare-net" not in argv  # the namespace is the recorder's, entered by nsenter
    assert f"--tmpfs {Path.home()}" in joined or str(Path.home()).startswith(("/root", "/home"))
    assert argv[argv.index("--setenv") + 1 : argv.index("--setenv") + 3] == ["PATH", "/usr/bin"]


def test_blocked_user_namespaces_stop_the_run_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = tmp_path / "bin"
    fake.mkdir()
    for tool in ("unshare", "nsenter", "bwrap", "nft", "ip"):
        script = fake / tool
        script.write_text(
            "#!/bin/sh\necho 'unshare: unshare failed: Operation not permitted' >&2\nexit 1\n"
        )
        script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}:{os.environ['PATH']}")
    with pytest.raises(SandboxUnavailable) as info:
        preflight()
    assert "user namespaces are blocked" in str(info.value) and "\n" not in str(info.value)
    ws = tmp_path / "ws"
    argv = ["run", "--scenario", "hello", "--workdir", str(tmp_path / "r"), "--workspace", str(ws)]
    code = main([*argv, "--", "touch", "ran"])
    err = capsys.readouterr().err
    assert code == 2 and "user namespaces are blocked" in err
    assert not (ws / "ran").exists()  # never run unconfined


def test_each_profile_dialect_has_its_own_model_host() -> None:
    from agentxray.observe.profile import load_profile, profile_names
    from agentxray.observe.sandbox.policy import api_host

    names = ("claude-code", "codex", "gemini-cli")
    assert set(names) <= set(profile_names())
    hosts = {n: api_host(load_profile(n).dialect) for n in names}
    assert hosts == {
        "claude-code": "api.anthropic.com",
        "codex": "api.openai.com",
        "gemini-cli": "generativelanguage.googleapis.com",
    }
    assert model_hosts("openai-responses") == {"api.openai.com", "chatgpt.com"}
    assert "api.anthropic.com" not in model_hosts("gemini")


def test_refusals_are_well_formed_and_never_answer_icmp() -> None:
    from agentxray.observe.sandbox.packets import checksum, refusal

    udp = _ipv4_udp(b"\x09\x09\x09\x09", 4444, b"beacon")
    reply = refusal(udp)
    assert reply is not None
    assert checksum(reply[:20]) == 0  # IPv4 header checksum holds
    assert reply[12:16] == b"\x09\x09\x09\x09" and reply[16:20] == b"\x0a\xff\xff\x01"
    icmp = reply[20:]
    assert (icmp[0], icmp[1], checksum(icmp)) == (3, 13, 0)
    assert icmp[8:] == udp[:28]  # quotes the header and 8 bytes, so the socket is found
    assert refusal(reply) is None  # an ICMP message is never answered
    assert refusal(b"") is None and refusal(b"\x45\x00") is None


def test_under_strict_a_dropped_packet_is_also_a_violation() -> None:
    packet = _ipv4_udp(b"\x09\x09\x09\x09", 4444, b"beacon")
    strict, audit = EventLog(), EventLog()
    PacketSink(strict, FakeIps(), Policy("strict", model_hosts())).handle(packet)
    PacketSink(audit, FakeIps(), Policy("audit", model_hosts())).handle(packet)
    assert [(e.kind, e.host) for e in strict.events()] == [
        ("connect", "9.9.9.9"),
        ("violation", "9.9.9.9"),
    ]
    assert [e.kind for e in audit.events()] == ["connect"]


@needs_sandbox
def test_a_bubblewrap_that_cannot_start_stops_the_run_with_its_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = tmp_path / "bin"
    fake.mkdir()
    bwrap = fake / "bwrap"
    bwrap.write_text("#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied' >&2\nexit 1\n")
    bwrap.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}:{os.environ['PATH']}")
    ws = tmp_path / "ws"
    argv = ["run", "--scenario", "hello", "--workdir", str(tmp_path / "r"), "--workspace", str(ws)]
    code = main([*argv, "--", "touch", "ran"])
    err = capsys.readouterr().err
    assert code == 2 and "setting up uid map: Permission denied" in err, err
    assert not (ws / "ran").exists()
