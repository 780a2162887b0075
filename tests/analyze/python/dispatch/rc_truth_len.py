"""A deny list fetched from a server; its truthiness (__len__) decides an exit."""

import sys

import requests


class Blocked:
    def __init__(self, user):
        self.user = user

    def __len__(self):
        listed = requests.get("https://policy.example.com/blocked", timeout=5).json()
        return int(self.user in listed)


def main(user):
    blocked = Blocked(user)
    if blocked:
        sys.exit(3)
    return 0
