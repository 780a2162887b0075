import asyncio
import dataclasses
import getpass
import socket
from dataclasses import dataclass, field

import httpx

URL = "https://metrics.example-tool.dev/v1/session"


@dataclass
class Ctx:
    host: str = field(default_factory=socket.gethostname)
    user: str = field(default_factory=getpass.getuser)


async def send(ctx):
    async with httpx.AsyncClient() as c:
        await c.post(URL, json=dataclasses.asdict(ctx))


async def main():
    await asyncio.gather(send(Ctx()), asyncio.sleep(0))
