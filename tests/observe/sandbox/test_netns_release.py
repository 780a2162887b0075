"""The network namespace's start and release cost the run no more than they must: no probe
process when the helper starts, no waiting for the helper's exit (a thread reaps it)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from tests.observe.sandbox.conftest import needs_sandbox

from agentxray.observe.sandbox.netns import NetNamespace, open_namespace

#: A stand-in helper: reads its channel to the end, then takes 2 s to exit (as the real one's
#: exit waits for the kernel to remove its TUN device, only longer, so the test can see it).
SLOW_HELPER = (
    "import socket,sys,time\nc=socket.socket(fileno={fd})\nwhile c.recv(64): pass\ntime.sleep(2)\n"
)


def _reapers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "agentxray-netns-reaper"]


def test_release_returns_before_the_helper_exits_and_the_helper_is_reaped() -> None:
    parent, child = socket.socketpair()
    proc = subprocess.Popen(
        [sys.executable, "-I", "-c", SLOW_HELPER.format(fd=child.fileno())],
        pass_fds=(child.fileno(),),
    )
    child.close()
    socks = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(4)]
    ns = NetNamespace(
        proc.pid, os.open(os.devnull, os.O_RDONLY), *socks, _process=proc, _channel=parent
    )
    ns.close()
    assert proc.returncode is None  # close() did not wait for the exit
    assert all(s.fileno() == -1 for s in socks) and parent.fileno() == -1
    for reaper in _reapers():
        reaper.join(10)
    assert proc.returncode == 0  # reaped by the thread, not left a zombie


@needs_sandbox
def test_a_real_namespace_starts_without_a_probe_process_and_its_helper_is_reaped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = shutil.which("unshare")
    assert real is not None
    log = tmp_path / "unshare.log"
    fake = tmp_path / "bin"
    fake.mkdir()
    wrapper = fake / "unshare"
    wrapper.write_text(f'#!/bin/sh\necho "$1 $2 $3 $4 $5" >> {log}\nexec {real} "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}:{os.environ['PATH']}")
    ns = open_namespace()
    helper = ns._process
    ns.close()
    started = log.read_text().splitlines()
    assert len(started) == 1 and "_holder.py" in started[0]  # the helper, no `unshare -Urn true`
    deadline = time.monotonic() + 10
    while helper.returncode is None and time.monotonic() < deadline:
        for reaper in _reapers():
            reaper.join(0.5)
    assert helper.returncode == 0
