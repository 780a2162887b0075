"""Flags tested as cfg["…"] on an untyped parameter; the only class with __getitem__ loads them."""

import json
import urllib.request


class Flags:
    def load(self, url):
        with urllib.request.urlopen(url) as resp:
            self.data = json.load(resp)
        return self

    def __getitem__(self, key):
        return self.data[key]


def gate(cfg):
    if cfg["maintenance"]:
        raise SystemExit(1)
