"""What the data flow says an expression carries: sources through aliases, loops, helpers (with
the values their call sites pass), properties and lambdas, caches; offsets rescaled by
arithmetic; HTTP answers, headers and files read; identities hashed into identifiers."""

from __future__ import annotations

import ast

import pytest

from agentxray.analyze.python.flow import Flow
from agentxray.analyze.python.parse import build_index
from agentxray.analyze.python.signals import IDENTITY_KINDS, REGION_KINDS


def carried(src: str) -> set[tuple[str, str, str]]:
    """(kind, source, unit) of the signals the last ``X = ...`` of ``src`` carries."""
    tree = ast.parse(src)
    flow = Flow(build_index(tree))
    value = [
        n for n in ast.walk(tree) if isinstance(n, ast.Assign) and ast.unparse(n.targets[0]) == "X"
    ][-1].value
    return {(s.kind, s.source, s.unit) for s in flow.signals(value)}


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("import time\nX = -time.timezone // 3600", ("tz-offset", "time.timezone", "hours-east")),
        ("import time\nX = time.timezone // -3600", ("tz-offset", "time.timezone", "hours-east")),
        ("import time\nX = time.altzone / 60", ("tz-offset", "time.altzone", "minutes-west")),
        (
            "from datetime import datetime\nX = datetime.now().astimezone().utcoffset()\n"
            "X = X.total_seconds()",
            ("tz-offset", "datetime.now().astimezone().utcoffset()", "seconds-east"),
        ),
        ('import time\nX = time.strftime("%z")', ("tz-offset", "strftime('%z')", "text")),
        ('from os import environ as E\nX = E.get("TZ")', ("timezone", "env:TZ", "")),
        ('import os\nenv = os.environ\nX = env["LANG"]', ("locale", "env:LANG", "")),
        (
            'import os\nfor k in ("LC_ALL", "LANG"):\n    X = os.environ.get(k)',
            ("locale", "env:LC_ALL", ""),
        ),
        ('import os\nget = lambda: os.environ.get("TZ")\nX = get()', ("timezone", "env:TZ", "")),
        (
            "import tzlocal\nclass Env:\n    @property\n    def zone(self):\n"
            "        return tzlocal.get_localzone_name()\nX = Env().zone",
            ("timezone", "tzlocal.get_localzone_name()", ""),
        ),
        (
            "import time\nX = {n.upper() for n in time.tzname}",
            ("timezone", "time.tzname", ""),
        ),
        (
            'import requests\nX = requests.get("https://ipapi.co/json").json()["country_code"]',
            ("country", "IP geolocation (ipapi.co) country_code", ""),
        ),
        (
            'import httpx\nr = httpx.get("https://api.vendor.example/v1")\nX = r.headers["CF-IPCountry"]',
            ("country", "response header CF-IPCountry (api.vendor.example)", ""),
        ),
        (
            "import json, urllib.request\n"
            'with urllib.request.urlopen("https://edge.vendor.example/me") as resp:\n'
            '    X = json.load(resp)["where"]["country_code"]',
            ("country", "HTTP response (edge.vendor.example) country_code", ""),
        ),
        (
            'from pathlib import Path\nX = Path("/etc/machine-id").read_text().strip()',
            ("machine-id", "/etc/machine-id", ""),
        ),
        (
            'with open("/sys/class/net/eth0/address") as f:\n    X = f.read()',
            ("mac-address", "/sys/class/net/eth0/address", ""),
        ),
        (
            'import os\nX = os.readlink("/etc/localtime")',
            ("timezone", "os.readlink('/etc/localtime')", ""),
        ),
        (
            'import subprocess\nX = subprocess.check_output(["git", "config", "user.email"])',
            ("email", "git config user.email", ""),
        ),
        ('import os\nX = os.popen("whoami").read().strip()', ("username", "whoami command", "")),
        (
            "import hashlib, socket, uuid\nh = hashlib.sha256()\n"
            "h.update(socket.gethostname().encode())\nh.update(str(uuid.getnode()).encode())\n"
            "X = h.hexdigest()",
            ("identifier", "hostname, mac-address", ""),
        ),
        (
            "import getpass, hashlib, json\n"
            'X = json.dumps({"id": hashlib.md5(getpass.getuser().encode()).hexdigest()})',
            ("identifier", "username", ""),
        ),
        (  # a module-level cache filled in one function, read back in another
            "import json, urllib.request\n_c = {}\ndef load():\n"
            '    with urllib.request.urlopen("https://ipinfo.io/json") as r:\n'
            '        _c["geo"] = json.load(r)\n    return _c["geo"]\n'
            'X = load().get("country")',
            ("country", "IP geolocation (ipinfo.io) country", ""),
        ),
        (  # a cache attribute, read with .get()
            "import requests\nclass G:\n    def fill(self):\n"
            '        self.memo["g"] = requests.get("https://ipwho.is/").json()\n'
            '    def cc(self):\n        return self.memo.get("g")["country_code"]\n'
            "X = G().cc()",
            ("country", "IP geolocation (ipwho.is) country_code", ""),
        ),
        (
            'import os\n_c = {}\nX = _c.setdefault("tz", os.environ.get("TZ"))',
            ("timezone", "env:TZ", ""),
        ),
        (  # the command line is the helper's *args, named at the call site
            'import subprocess\ndef git(*a):\n    return subprocess.run(["git", *a]).stdout\n'
            'X = git("config", "user.email").strip()',
            ("email", "git config user.email", ""),
        ),
        (  # a parameter passed on through a second helper; a command string
            "import subprocess\ndef sh(cmd):\n"
            "    return subprocess.check_output(cmd, shell=True, text=True)\n"
            'def cfg(key):\n    return sh(f"git config --get {key}")\nX = cfg("user.email")',
            ("email", "git config user.email", ""),
        ),
        (
            'import os\ndef env(name, default=""):\n    return os.environ.get(name, default)\n'
            'X = env("TZ")',
            ("timezone", "env:TZ", ""),
        ),
        (
            "import requests\ndef fetch(url):\n    return requests.get(url, timeout=3).json()\n"
            'X = fetch("https://ipapi.co/json/")["country"]',
            ("country", "IP geolocation (ipapi.co) country", ""),
        ),
        (
            'import subprocess\ndef git(*a):\n    return subprocess.run(["git", *a]).stdout\n'
            'X = git("remote", "get-url", "origin")',
            ("repository", "git remote URL", ""),
        ),
        (  # any signal a command prints, not only identities
            'import subprocess\nX = subprocess.run(["timedatectl", "show"], text=True).stdout',
            ("timezone", "system timezone", ""),
        ),
    ],
)
def test_signals_carried(src: str, expected: tuple[str, str, str]) -> None:
    assert expected in carried(src)


@pytest.mark.parametrize(
    "src",
    [
        "import uuid\nX = uuid.uuid4().hex",
        'import os\nX = os.environ.get("HOME")',
        'import requests\nX = requests.get("https://api.vendor.example/v1").json()["model"]',
        "import time\nX = f'{time.tzname[0]}'",
        'import hashlib\nX = hashlib.sha256(b"data").hexdigest()',
        'import socket\nX = socket.gethostname() == "x"',
        (  # another key of the same cache
            'import os\n_c = {}\n_c["tz"] = os.environ.get("TZ")\n_c["n"] = 3\nX = _c["n"]'
        ),
        (  # a parameter that only shares the cache's name
            'import os\n_c = {}\n_c["tz"] = os.environ.get("TZ")\n'
            'def f(_c):\n    return _c["tz"]\nX = f({})'
        ),
        (  # the helper asked for something else
            'import subprocess\ndef git(*a):\n    return subprocess.run(["git", *a]).stdout\n'
            'X = git("rev-parse", "HEAD")'
        ),
    ],
)
def test_no_region_or_identity_signal(src: str) -> None:
    kinds = {kind for kind, _, _ in carried(src)}
    assert not kinds & (REGION_KINDS | IDENTITY_KINDS | {"identifier"})
