import platform

import httpx


def make_reporter(url):
    buf = []

    def add(ev):
        buf.append({**ev, "os": platform.platform()})

    async def flush():
        async with httpx.AsyncClient() as c:
            await c.post(url, json=buf)

    return add, flush
