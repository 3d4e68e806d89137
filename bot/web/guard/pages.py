"""Rewriting pages on their way out: the base for middleware that edits a response, and the offline page."""

from __future__ import annotations

import re

_EXTERNAL_LINK = re.compile(rb"<link\b[^>]*\bhref=\"https?://[^\"]*\"[^>]*>", re.I | re.S)
# The chat page may load images, fonts and media from itself only: a Markdown image that slips
# through anywhere still cannot fetch (and leak) a remote URL.
CONTENT_SECURITY_POLICY = (
    "img-src 'self' data: blob:; font-src 'self' data:; media-src 'self' data: blob:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
)


class ResponseRewriter:
    """ASGI middleware base: buffers a whole response that `wants` picks and sends what `rewrite` makes of it.

    Subclasses say which responses to take (`wants`, from the request's scope and the response's start
    message) and return the new body and any extra headers (`rewrite`); `content-length` is set anew.
    """

    def __init__(self, app):
        self.app = app

    def wants(self, scope: dict, start: dict) -> bool:
        raise NotImplementedError

    async def rewrite(self, body: bytes) -> tuple[bytes, list[tuple[bytes, bytes]]]:
        raise NotImplementedError

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start: dict | None = None
        body: list[bytes] = []

        async def buffered(message):
            nonlocal start
            if message["type"] == "http.response.start":
                if self.wants(scope, message):
                    start = message
                    return
            elif message["type"] == "http.response.body" and start is not None:
                body.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                content, extra = await self.rewrite(b"".join(body))
                headers = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
                headers += [(b"content-length", str(len(content)).encode()), *extra]
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": content})
                return
            await send(message)

        return await self.app(scope, receive, buffered)


class OfflinePage(ResponseRewriter):
    """ASGI middleware: HTML pages load nothing from other hosts (the stock page links web fonts and a
    KaTeX stylesheet from CDNs) and carry a Content-Security-Policy that lets images come from the app only."""

    def wants(self, scope: dict, start: dict) -> bool:
        return dict(start.get("headers") or []).get(b"content-type", b"").startswith(b"text/html")

    async def rewrite(self, body: bytes) -> tuple[bytes, list[tuple[bytes, bytes]]]:
        return _EXTERNAL_LINK.sub(b"", body), [(b"content-security-policy", CONTENT_SECURITY_POLICY.encode())]
