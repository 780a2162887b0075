"""A fake npm registry and PEP 691 index, answering httpx in-process or HTTP on loopback."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
import zipfile
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import httpx


def npm_tarball(name: str, version: str, files: dict[str, bytes] | None = None) -> bytes:
    """A real gzip tarball with ``package/package.json`` and the given files under ``package/``."""
    members = {"package.json": json.dumps({"name": name, "version": version}).encode()}
    members.update(files or {})
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for rel, data in members.items():
            info = tarfile.TarInfo("package/" + rel)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def sri(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


@dataclass
class FakeRegistry:
    """An npm registry and a PEP 691 index in memory; answers httpx requests or HTTP on loopback."""

    base: str = "http://registry.test/"
    packuments: dict[str, dict[str, Any]] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)
    pypi: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    accepts: list[str] = field(default_factory=list)
    broken: dict[str, tuple[int, bytes]] = field(default_factory=dict)

    def publish(
        self,
        name: str,
        version: str,
        *,
        tags: tuple[str, ...] = (),
        manifest: dict[str, Any] | None = None,
        files: dict[str, bytes] | None = None,
        integrity: str | None = None,
        shasum_only: bool = False,
    ) -> bytes:
        """Add ``name@version`` with a tarball; returns the tarball bytes."""
        data = npm_tarball(name, version, files)
        bare = name.rsplit("/", 1)[-1]
        path = f"{name}/-/{bare}-{version}.tgz"
        self.blobs[path] = data
        dist: dict[str, Any] = {"tarball": self.base + path}
        if shasum_only:
            dist["shasum"] = hashlib.sha1(data).hexdigest()
        else:
            dist["integrity"] = integrity or sri(data)
        doc = self.packuments.setdefault(name, {"name": name, "dist-tags": {}, "versions": {}})
        doc["versions"][version] = {
            "name": name,
            "version": version,
            **(manifest or {}),
            "dist": dist,
        }
        doc["dist-tags"].setdefault("latest", version)
        for tag in tags:
            doc["dist-tags"][tag] = version
        return data

    def publish_wheel(
        self,
        project: str,
        version: str,
        filename: str,
        *,
        bad_hash: bool = False,
        yanked: bool = False,
    ) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr(f"{project.replace('-', '_')}/__init__.py", f"VERSION = {version!r}\n")
        data = buf.getvalue()
        digest = hashlib.sha256(b"other" if bad_hash else data).hexdigest()
        path = f"files/{filename}"
        self.blobs[path] = data
        page = self.pypi.setdefault(
            project, {"meta": {"api-version": "1.1"}, "name": project, "files": []}
        )
        page["files"].append(
            {
                "filename": filename,
                "url": "../../" + path,
                "hashes": {"sha256": digest},
                "yanked": yanked,
            }
        )
        return data

    # -- serving -------------------------------------------------------------------------------

    def respond(self, path: str, accept: str) -> tuple[int, bytes, str]:
        self.requests.append(path)
        self.accepts.append(accept)
        path = unquote(path).lstrip("/")
        if path in self.broken:
            status, body = self.broken[path]
            return status, body, "application/json"
        if path in self.blobs:
            return 200, self.blobs[path], "application/octet-stream"
        if path.startswith("simple/"):
            page = self.pypi.get(path[len("simple/") :].strip("/"))
            if page is not None:
                return 200, json.dumps(page).encode(), "application/vnd.pypi.simple.v1+json"
        if path in self.packuments:
            return 200, json.dumps(self.packuments[path]).encode(), "application/json"
        return 404, b'{"error":"Not found"}', "application/json"

    def transport(self) -> httpx.MockTransport:
        def handler(request: httpx.Request) -> httpx.Response:
            status, body, ctype = self.respond(
                request.url.raw_path.decode(), request.headers.get("accept", "")
            )
            return httpx.Response(status, content=body, headers={"Content-Type": ctype})

        return httpx.MockTransport(handler)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=self.transport(), follow_redirects=True)

    def downloads(self) -> list[str]:
        return [r for r in self.requests if r.endswith((".tgz", ".whl"))]
