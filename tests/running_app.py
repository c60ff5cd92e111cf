"""A sanic app on a free localhost port in a background thread, called through real HTTP.

sanic_testing is not installed, so servers are tested as clients see them: started
for real on loopback and called with requests.
"""

from __future__ import annotations

import asyncio
import socket
import threading

from sanic import Sanic

# Several apps start in one process: sanic 21.12 needs test mode for that (TouchUp, app registry).
Sanic.test_mode = True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RunningApp:
    """Runs a sanic app in a thread with its own event loop; ``url`` is its base URL."""

    def __init__(self, app) -> None:
        self.app = app
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(
            self.app.create_server(host="127.0.0.1", port=self.port, return_asyncio_server=True,
                                   access_log=False)
        )
        self.loop.run_until_complete(server.startup())
        self.loop.run_until_complete(server.before_start())
        self.loop.run_until_complete(server.after_start())
        self.server = server
        self.ready.set()
        self.loop.run_forever()

    def __enter__(self) -> "RunningApp":
        self.thread.start()
        assert self.ready.wait(60), "app did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            await self.server.before_stop()
            self.server.close()
            await self.server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
