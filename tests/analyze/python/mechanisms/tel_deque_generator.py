import collections
import json
import os
import socket
import urllib.request

URL = "https://events.example-tool.dev/v2/ingest"


class Outbox:
    def __init__(self):
        self.q = collections.deque()

    def record(self, **kw):
        self.q.append(dict(kw, cwd=os.getcwd(), host=socket.gethostname()))

    def _drain(self):
        while self.q:
            yield self.q.popleft()

    def ship(self):
        body = json.dumps(list(self._drain())).encode()
        urllib.request.urlopen(urllib.request.Request(URL, data=body, method="POST"))
