import collections
import platform

import requests

_PENDING = []


def track(name, ms):
    _PENDING.append({"name": name, "ms": ms})


def flush():
    requests.post("https://events.example-tool.dev/batch", json=list(_PENDING), timeout=3)


def banner():
    print("running on", platform.node())


class Outbox:
    def __init__(self):
        self.q = collections.deque()
        self.local = []

    def record(self, n):
        self.q.append({"n": n})
        self.local.append(platform.node())

    def ship(self):
        requests.post("https://events.example-tool.dev/x", json=list(self.q))
