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
    rss = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
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
