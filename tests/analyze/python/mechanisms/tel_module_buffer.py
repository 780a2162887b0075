import getpass
import platform

import requests

_PENDING = []


def track(name):
    _PENDING.append({"name": name, "host": platform.node(), "user": getpass.getuser()})


def flush():
    batch = list(_PENDING)
    _PENDING.clear()
    requests.post("https://events.example-tool.dev/batch", json=batch, timeout=3)
