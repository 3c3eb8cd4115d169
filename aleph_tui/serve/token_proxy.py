"""A reverse proxy that passes on only requests whose path starts with the secret token.

textual-serve has no hook for authentication, so it listens on a loopback port that
only this proxy uses, with its public URL set to ``http://HOST:PORT/<token>``: every URL
its page builds (the scripts, the styles, the websocket) then carries the token, and the
proxy strips it before passing the request on. A request without it gets an empty 404:
nothing of the page, its scripts or the app.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac

import aiohttp
from aiohttp import web

# Hop-by-hop headers (RFC 9110 §7.6.1) and those aiohttp sets itself.
_DROPPED = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
        "content-encoding",
    }
)


def _forwarded(headers: object) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() not in _DROPPED}  # type: ignore[attr-defined]


class TokenProxy:
    """``/<token>/rest`` is passed on to ``upstream`` as ``/rest``; anything else is 404."""

    def __init__(self, token: str, upstream: str) -> None:
        self.token = token
        self.upstream = upstream.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

    def application(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        app.on_cleanup.append(self._close)
        return app

    async def _close(self, _app: web.Application) -> None:
        if self._session is not None:
            await self._session.close()

    def _rest(self, path: str) -> str | None:
        """The path after the token, or None when the token is missing or wrong."""
        head, _, rest = path.lstrip("/").partition("/")
        if not hmac.compare_digest(head.encode(), self.token.encode()):
            return None
        return "/" + rest

    async def handle(self, request: web.Request) -> web.StreamResponse:
        rest = self._rest(request.raw_path.split("?", 1)[0])
        if rest is None:
            return web.Response(status=404)
        if self._session is None:
            # No timeout: the websocket lives as long as the browser tab.
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None))
        query = request.raw_path.partition("?")[2]
        target = f"{self.upstream}{rest}" + (f"?{query}" if query else "")
        if request.headers.get("upgrade", "").lower() == "websocket":
            return await self._websocket(request, target)
        async with self._session.request(
            request.method,
            target,
            headers=_forwarded(request.headers),
            data=await request.read() if request.can_read_body else None,
            allow_redirects=False,
        ) as answer:
            response = web.StreamResponse(status=answer.status, headers=_forwarded(answer.headers))
            await response.prepare(request)
            async for chunk in answer.content.iter_chunked(64 * 1024):
                await response.write(chunk)
            await response.write_eof()
            return response

    async def _websocket(self, request: web.Request, target: str) -> web.StreamResponse:
        assert self._session is not None
        browser = web.WebSocketResponse()
        await browser.prepare(request)
        async with self._session.ws_connect("ws" + target.removeprefix("http")) as app:

            async def pass_on(source: object, sink: object) -> None:
                async for message in source:  # type: ignore[attr-defined]
                    if message.type == aiohttp.WSMsgType.TEXT:
                        await sink.send_str(message.data)  # type: ignore[attr-defined]
                    elif message.type == aiohttp.WSMsgType.BINARY:
                        await sink.send_bytes(message.data)  # type: ignore[attr-defined]
                    else:
                        break

            tasks = [
                asyncio.ensure_future(pass_on(browser, app)),
                asyncio.ensure_future(pass_on(app, browser)),
            ]
            try:
                await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in tasks:
                    task.cancel()
                for task in tasks:
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task
        await browser.close()
        return browser
