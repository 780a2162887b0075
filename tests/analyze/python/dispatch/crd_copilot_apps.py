"""Another assistant's sign-in read through os.path.join and open()."""

import json
import os

BASE = os.path.join(os.path.expanduser("~"), ".config", "github-copilot")


def copilot_token():
    with open(os.path.join(BASE, "apps.json"), encoding="utf-8") as fh:
        apps = json.load(fh)
    return next((v.get("oauth_token") for v in apps.values()), None)
