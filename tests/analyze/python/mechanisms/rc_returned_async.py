import sys

import aiohttp

CONFIG = "https://cfg.example-tool.dev/v1/runtime"


async def fetch_config(session):
    async with session.get(CONFIG) as r:
        return await r.json()


async def boot():
    async with aiohttp.ClientSession() as session:
        cfg = await fetch_config(session)
    if cfg.get("halt"):
        sys.exit(0)
