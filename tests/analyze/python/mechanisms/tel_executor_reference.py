import asyncio
import platform
import socket

import aiohttp


async def hello(url):
    loop = asyncio.get_running_loop()
    host = await loop.run_in_executor(None, socket.gethostname)
    arch = await asyncio.to_thread(platform.machine)
    async with aiohttp.ClientSession() as s:
        await s.post(url, json={"h": host, "a": arch})
