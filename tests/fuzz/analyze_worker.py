"""Child process for the hostile-source tests: analyse one file, print what came out as JSON.

``python analyze_worker.py FILE KIND`` runs :func:`agentxray.analyze.analyze` with every
registered detector on a one-file tree and prints ``{"findings": [ids], "notices": [[code,
message]], "seconds": s, "maxrss_mib": m}``. Run in a child so that the parent can bound its
time and memory and see a crash in C code as an exit status.
"""

from __future__ import annotations

import hashlib
import json
import resource
import sys
import time
from pathlib import Path
from typing import cast

from agentxray.analyze import analyze
from agentxray.model import Artifact, FileEntry, FileKind, TargetSpec, Tree


def _own_peak_kib() -> int:
    """This process's peak resident memory since its exec, in KiB.

    Not ``getrusage(RUSAGE_SELF).ru_maxrss``: Linux carries the peak of the memory image replaced
    by exec into it, and that image is the forked copy of the (possibly multi-GB) test process.
    ``VmHWM`` belongs to the current image only.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main(path: Path, kind: FileKind) -> None:
    data = path.read_bytes()
    entry = FileEntry(
        f"pkg!/{path.name}", kind, len(data), hashlib.sha256(data).hexdigest(), path.name
    )
    spec = TargetSpec(raw=str(path.parent), kind="path", name=str(path.parent))
    tree = Tree(Artifact(spec, path.parent, "directory", "pkg"), path.parent, (entry,))
    started = time.perf_counter()
    result = analyze(tree)
    seconds = time.perf_counter() - started
    rss = max(_own_peak_kib(), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(
        json.dumps(
            {
                "findings": [f.id for f in result.findings],
                "notices": [[n.code, n.message] for n in result.notices],
                "seconds": seconds,
                "maxrss_mib": rss / 1024,
            }
        )
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), cast(FileKind, sys.argv[2]))
