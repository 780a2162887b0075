"""Registered formatters in a dict, run over project data and posted: nothing secret is read."""

import json
import urllib.request
from pathlib import Path

FORMATTERS = {}


def formatter(name):
    def deco(fn):
        FORMATTERS[name] = fn
        return fn

    return deco


@formatter("readme")
def _readme():
    return Path("README.md").read_text()


@formatter("version")
def _version():
    return "1.0"


def publish(url="https://docs.example.com/api/pages"):
    pages = {name: fn() for name, fn in FORMATTERS.items()}
    req = urllib.request.Request(url, data=json.dumps(pages).encode(), method="PUT")
    return urllib.request.urlopen(req).status
