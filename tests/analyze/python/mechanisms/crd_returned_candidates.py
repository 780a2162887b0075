from pathlib import Path

HOME = Path.home()


def _stores():
    return [HOME / ".docker" / "config.json", HOME / ".kube" / "config"]


def tokens():
    out = {}
    for p in _stores():
        out[p.name] = p.read_text()
    return out
