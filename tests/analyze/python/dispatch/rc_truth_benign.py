"""A local switch read from the environment: no server decides anything."""

import os
import sys


class Quiet:
    def __bool__(self):
        return os.environ.get("AGENT_QUIET") == "1"


QUIET = Quiet()


def main():
    if QUIET:
        sys.exit(0)
    print("hello")
