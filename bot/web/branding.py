"""The client's look from settings: name, logo, favicon, avatar, primary colour and welcome text on Chainlit's page.

Switching to a client's branding is `.env` plus image files (README, "Demo for a client in five
minutes"). What Chainlit offers is used where it can carry a per-server setting: `config.ui` (custom CSS
URL, avatar URL), `public/` (theme.json, bot.css, bot.js) and its documented routes' URLs.
"""

from __future__ import annotations

import colorsys
import logging
import re
from collections import Counter
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from chainlit.auth import get_current_user
from chainlit.config import config
from chainlit.server import app as server
from fastapi import Depends
from starlette.middleware import Middleware
from starlette.responses import FileResponse, JSONResponse, Response

from bot.settings import Settings, get_settings
from bot.text import in_quotes
from bot.web.guard import ResponseRewriter
from bot.web.routes import add_route

log = logging.getLogger("bot.web.app")

PROJECT = Path(__file__).resolve().parents[2]
DEFAULT_BRAND_DIR = PROJECT / "branding"  # the project's own neutral images
PUBLIC_CSS = PROJECT / "public" / "bot.css"
ASSETS = ("logo_light", "logo_dark", "favicon", "avatar")
# Served with every image from the brand folder (a folder the user chose; an SVG may carry a script). As
# `<img>` on the page an image runs nothing; opened at its own URL, an SVG would run its script in the
# app's origin, with the user's login cookie: sandboxed, it runs nothing and reaches nothing, and a
# browser saves it rather than showing it as a page.
IMAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'",
    "Content-Disposition": "attachment",
    "X-Content-Type-Options": "nosniff",
}
IMAGE_TYPES = {
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
}
STYLE_URL, AVATAR_URL, WELCOME_URL = "/brand/style.css", "/brand/avatar", "/brand/welcome.json"
HOW_TO_USE = (
    "Type a question or pick one below. Each answer cites its sources as [1], [2]: click one to read the "
    "passage. The Readme lists every document and its sections."
)


def brand_file(asset: str, settings: Settings) -> Path | None:
    """The image for `asset` (e.g. "logo_dark"): the client's folder first, then the project's `branding/`."""
    for folder in (settings.brand_dir, DEFAULT_BRAND_DIR):
        if folder is None:
            continue
        for suffix in IMAGE_TYPES:
            path = Path(folder).expanduser() / f"{asset}{suffix}"
            if path.is_file():
                return path
    return None


def brand_problems(settings: Settings) -> list[str]:
    """What is wrong with the client's folder, for the server log (the defaults stand in)."""
    folder = settings.brand_dir
    if folder is None:
        return []
    if not Path(folder).expanduser().is_dir():
        return [f"BOT_BRAND_DIR {folder} is not a folder; the project's branding/ is used"]
    found = {p.stem for p in Path(folder).expanduser().iterdir() if p.suffix.lower() in IMAGE_TYPES}
    missing = [a for a in ASSETS if a not in found]
    return [f"BOT_BRAND_DIR {folder} has no {', '.join(missing)} image; the default is used"] if missing else []


def hsl_triplet(color: str) -> str:
    """#rrggbb as Chainlit's theme variables write colours: "217 67% 54%"."""
    r, g, b = (int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    h, lightness, s = colorsys.rgb_to_hls(r, g, b)
    return f"{round(h * 360)} {round(s * 100)}% {round(lightness * 100)}%"


def _foreground(color: str) -> str:
    """White or near-black text on `color`, whichever reads (relative luminance, WCAG)."""
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return "0 0% 100%" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.45 else "222 47% 11%"


def brand_css(settings: Settings) -> str:
    """public/bot.css with the primary colour from settings (over theme.json's, which Chainlit sets inline)."""
    primary, foreground = hsl_triplet(settings.primary_color), _foreground(settings.primary_color)
    colours = (
        f":root, :root.dark {{ --primary: {primary} !important; --primary-foreground: {foreground} !important; "
        f"--ring: {primary} !important; --sidebar-primary: {primary} !important; }}\n"
    )
    return colours + (PUBLIC_CSS.read_text(encoding="utf-8") if PUBLIC_CSS.is_file() else "")


@lru_cache(maxsize=8)
def initials_avatar(name: str, color: str) -> str:
    """The default avatar: the name's initials in a circle of the primary colour (SVG)."""
    initials = "".join(word[0] for word in name.split()[:2]).upper() or "?"
    ink = "#fff" if _foreground(color).startswith("0 ") else "#111827"
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40" width="40" height="40">'
        f'<circle cx="20" cy="20" r="20" fill="{color}"/><text x="20" y="26" font-size="16" font-weight="600" '
        f'text-anchor="middle" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" '
        f'fill="{ink}">{escape(initials)}</text></svg>'
    )


def welcome_facts(settings: Settings, overview) -> dict:
    """What the welcome screen says before the first question: name, welcome line, documents, how to use."""
    documents = [] if overview is None else list(overview.documents)
    shared = Counter(d.title for d in documents)  # files of one title are told apart by their names
    return {
        "name": overview.name if overview else settings.assistant_name,
        "welcome": settings.welcome,
        "documents": [
            {"title": d.title, "quoted": in_quotes(d.title), "publisher": d.publisher}
            | ({"file": d.source} if shared[d.title] > 1 else {})
            for d in documents[:12]
        ],
        "more": max(0, len(documents) - 12),
        "how": HOW_TO_USE,
    }


# Chainlit's page head points link previews at Chainlit: `og:image` is its banner and `og:url` its GitHub
# page unless config says otherwise, and config cannot know the address the app is reached at.
_SHARE_TAG = re.compile(rb'<meta property="og:(image|url)" content="[^"]*">')
_page_origin: ContextVar[str] = ContextVar("page_origin", default="")


class BrandedHead(ResponseRewriter):
    """ASGI middleware: a shared link to the app previews with the brand's logo and the app's own address.

    The other head tags (title, description, og:title, og:description, favicon) are Chainlit's, filled
    from `config.ui` (`bot.web.server.show_identity`) and our `/favicon`."""

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
            # RequestGuard has checked the host; root_path is the prefix the app may be served under.
            _page_origin.set(f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}")
        return await super().__call__(scope, receive, send)

    def wants(self, scope: dict, start: dict) -> bool:
        return dict(start.get("headers") or []).get(b"content-type", b"").startswith(b"text/html")

    async def rewrite(self, body: bytes) -> tuple[bytes, list[tuple[bytes, bytes]]]:
        origin = escape(_page_origin.get(), {'"': "&quot;"}).encode("utf-8")
        urls = {b"image": origin + b"/logo?theme=light", b"url": origin + b"/"}

        def own(match: re.Match) -> bytes:
            return b'<meta property="og:%s" content="%s">' % (match[1], urls[match[1]])

        return _SHARE_TAG.sub(own, body), []


def install_branding(overview: Callable[[str | None, str | None], Awaitable[tuple | None]]) -> None:
    """Serve the brand's images, colours and welcome text, and point Chainlit's page at them.

    `overview(set_name, user)` gives (that document set's settings, its live `bot.answer.overview.Overview` or
    None if it cannot load), or None when `user` may not see that set. Chainlit serves
    `/logo?theme=…` and `/favicon` only from `<app root>/public/`, which `bot serve` shares between every
    server started from one checkout; so, where nothing else exists, our own routes for those two paths
    are put ahead of Chainlit's (`bot.web.routes`): the page and Chainlit's logo component keep requesting
    the URLs they always do.
    """
    settings = get_settings()
    for problem in brand_problems(settings):
        log.warning("%s", problem)

    def image(asset: str) -> Response:
        path = brand_file(asset, settings)
        if path is None:
            return Response(status_code=404)
        return FileResponse(path, media_type=IMAGE_TYPES[path.suffix.lower()], headers=IMAGE_HEADERS)

    async def logo(theme: str = "light") -> Response:
        return image("logo_dark" if theme == "dark" else "logo_light")

    async def favicon() -> Response:
        return image("favicon")

    async def avatar() -> Response:
        if brand_file("avatar", settings):
            return image("avatar")
        svg = initials_avatar(settings.assistant_name, settings.primary_color)
        return Response(svg, media_type="image/svg+xml", headers=IMAGE_HEADERS)

    async def style() -> Response:
        return Response(brand_css(settings), media_type="text/css", headers={"Cache-Control": "no-cache"})

    async def welcome(set: str | None = None, user=Depends(get_current_user)) -> Response:  # noqa: A002, B008 - the query's name; FastAPI's way
        # With login on, only a signed-in user learns what the documents are (Chainlit's own check), and only
        # of a set they may see.
        found = await overview(set, getattr(user, "identifier", None))
        if found is None:
            return JSONResponse({"detail": "Not found"}, status_code=404)
        set_settings, described = found
        facts = welcome_facts(set_settings, described)
        return JSONResponse(facts, headers={"Cache-Control": "no-store"})

    routes = [("/logo", logo), ("/favicon", favicon), (AVATAR_URL, avatar), (STYLE_URL, style), (WELCOME_URL, welcome)]
    for path, endpoint in routes:
        add_route(path, endpoint)
    config.ui.logo_file_url = None  # so that the page asks /logo?theme=light|dark
    config.ui.default_avatar_file_url = AVATAR_URL
    config.ui.custom_css = STYLE_URL  # public/bot.css plus the primary colour
    # The page's theme provider takes "system" (its own default: light or dark as the device is set);
    # config.toml can only say light or dark, and Chainlit's default is dark.
    config.ui.default_theme = "system"
    # Innermost, inside Chainlit's gzip (like `bot.web.guard.OfflinePage`), so that it reads the page uncompressed.
    server.user_middleware.append(Middleware(BrandedHead))
