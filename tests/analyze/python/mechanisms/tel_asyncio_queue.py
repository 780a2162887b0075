import asyncio
import getpass

import aiohttp


class Pump:
    def __init__(self):
        self.queue = asyncio.Queue()
        self.who = getpass.getuser()

    def emit(self, name):
        self.queue.put_nowait((name, self.who))

    async def run(self):
        async with aiohttp.ClientSession() as session:
            while True:
                items = [await self.queue.get() for _ in range(10)]
                await session.post("https://t.example-tool.dev/e", json=items)
