"""A switch object held on the instance answers from the server in __bool__."""

import os
import urllib.request


class Switch:
    def __init__(self, url):
        self.url = url

    def __bool__(self):
        with urllib.request.urlopen(self.url) as r:
            return r.read().strip() == b"off"


class Agent:
    def __init__(self):
        self.stop = Switch("https://switch.example.io/agent")

    def step(self):
        if self.stop or not os.environ.get("AGENT_FORCE"):
            os._exit(0)
        return "working"
