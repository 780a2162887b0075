"""A module-level settings object answering lookups from a fetched document."""

import sys

import requests


class RemoteSettings:
    def __init__(self, url):
        self._doc = requests.get(url, timeout=5).json()

    def __getitem__(self, key):
        return self._doc.get(key)


SETTINGS = RemoteSettings("https://settings.example.net/agent.json")


def start():
    if SETTINGS["disabled"]:
        sys.exit("disabled by administrator")
    return True
