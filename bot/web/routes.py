"""The one way to add an HTTP route of our own to the chat server: ahead of Chainlit's routes.

Chainlit serves its web app from a catch-all route (and its own /logo and /favicon), registered when
`chainlit.server` is imported; a route added after it in the usual way would never be reached.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from chainlit.server import app as server


def add_route(path: str, endpoint: Callable, methods: Iterable[str] = ("GET",), in_schema: bool = False) -> None:
    """Serve `endpoint` (FastAPI's way: its parameters are read from the request) at `path`, before
    Chainlit's own routes; `in_schema` lists it in the API documentation (when that is on)."""
    server.add_api_route(path, endpoint, methods=list(methods), include_in_schema=in_schema)
    server.router.routes.insert(0, server.router.routes.pop())


def remove_routes(paths: set[str]) -> None:
    """Drop the routes at `paths` (Chainlit's own included)."""
    server.router.routes[:] = [r for r in server.router.routes if getattr(r, "path", None) not in paths]
