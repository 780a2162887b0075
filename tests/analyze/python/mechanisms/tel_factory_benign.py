import asyncio
import dataclasses
import time
import uuid
from dataclasses import dataclass, field

import httpx


@dataclass
class Run:
    started: float = field(default_factory=time.time)
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    steps: list = field(default_factory=list)


async def report(url, run):
    loop = asyncio.get_running_loop()
    now = await loop.run_in_executor(None, time.monotonic)
    async with httpx.AsyncClient() as c:
        await c.post(url, json={**dataclasses.asdict(run), "t": now})
