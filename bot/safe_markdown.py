"""Markdown from a language model or a corpus file made safe to show: it never loads anything or carries a live link.

A Markdown image fetches its URL the moment it renders (leaking whatever the URL carries), so no text
that reaches the browser may hold one: not a token of a streamed answer, not a quoted sentence, not a
passage in the source panel. Three tools:

- `sanitize_generated(text, allowed)`: a language model's answer. Images and HTML are dropped, a link
  keeps its text only unless its address is in `allowed` (the passages), bare URLs not in `allowed`
  and every `javascript:`/`data:`/`vbscript:` address are dropped; then `inert_markdown`.
- `inert_markdown(text)`: text about to be shown (answers, passages). Images are dropped; a link
  becomes its text followed by its host in parentheses, as plain text ("Dr. Smith (evil.example)"),
  so the reader sees where it pointed but nothing is clickable; a bare URL becomes its host; an e-mail
  address gets an invisible word joiner after its "@" (the page would make it a mailto: link); HTML
  tags and link reference definitions are dropped. Ordinary text is returned unchanged.
- `StreamSanitizer` (in `bot.safe_stream`, on this module's rules): the same for an answer arriving
  token by token. It emits only text in which no construct can still be growing (an unfinished `![`,
  `[text](`, `<tag`, or a word that may become a URL is held back until it is complete), cleans it,
  and flushes the rest at the end.

Each ends with a check by a real Markdown parser (markdown-it, CommonMark): if any image, link or
HTML survived the rules above, the brackets, `!` and `<` are escaped so that everything shows as text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import urlsplit

from markdown_it import MarkdownIt

# --- the grammar we recognise (CommonMark, one level of nesting; the parser check catches the rest) ---

_BRACKET = r"\[((?:[^\[\]\\]|\\.|\[(?:[^\[\]\\]|\\.)*\])*)\]"  # [text], one level of nested brackets
_DESTINATION = r"(<[^<>\n]*>|(?:[^\s()\\]|\\.|\((?:[^\s()\\]|\\.)*\))*)"
_TITLE = r"(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^()]*\)))?"
_TARGET = r"\(\s*" + _DESTINATION + _TITLE + r"\s*\)"  # (destination "title")
_REFERENCE = r"\[(?:[^\[\]\\]|\\.)*\]"  # [label] of a full or collapsed reference link

# A link or image, as the sentence splitter must keep it whole.
LINK_OR_IMAGE = re.compile(r"(?<!\\)!?" + _BRACKET + r"(?:" + _TARGET + r"|" + _REFERENCE + r")?", re.S)

_IMAGE = re.compile(r"(?<!\\)!" + _BRACKET + r"(?:" + _TARGET + r"|" + _REFERENCE + r")", re.S)
_BANG = re.compile(r"!+(?=\[)")  # an image without its address (`![x]`, `![x](` cut off): without the `!` it is none
_LINK = re.compile(r"(?<![\\!])" + _BRACKET + _TARGET, re.S)
_DEFINITION = re.compile(r"^ {0,3}" + _REFERENCE + r":[ \t]*\n?[ \t]*\S.*(?:\n|$)", re.M)
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>]*|[^\s<>@]+@[^\s<>@]+)>")
_HTML = re.compile(
    r"<!--.*?-->|<\?.*?\?>|<!\[CDATA\[.*?\]\]>|<![A-Za-z][^>]*>"
    r"|</?[A-Za-z][A-Za-z0-9-]*(?:[^<>\"']|\"[^\"]*\"|'[^']*')*>",
    re.S,
)
# The elements of HTML: a tag of one of these is markup and is dropped from quoted text. Any other "<word>" in a
# document is the document's own text, a placeholder or an option ("apt-get install <package>", "<!nocheck>"),
# and is shown as written, its "<" escaped so that no renderer takes it for a tag.
_ELEMENT_NAMES = (
    "a abbr acronym address applet area article aside audio b base basefont bdi bdo bgsound big blink "
    "blockquote body br button canvas caption center cite code col colgroup data datalist dd del details dfn "
    "dialog dir div dl dt em embed fieldset figcaption figure font footer form frame frameset h1 h2 h3 h4 h5 "
    "h6 head header hgroup hr html i iframe image img input ins isindex kbd keygen label legend li link "
    "listing main map mark marquee math menu menuitem meta meter nav nobr noembed noframes noscript object ol "
    "optgroup option output p param picture plaintext portal pre progress q rb rp rt rtc ruby s samp script "
    "search section select slot small source spacer span strike strong style sub summary sup svg table tbody "
    "td template textarea tfoot th thead time title tr track tt u ul var video wbr xmp"
)
HTML_ELEMENTS = frozenset(_ELEMENT_NAMES.split())  # the tags `inert_markdown` drops
_TAG_NAME = re.compile(r"^<[!/?]?([A-Za-z][A-Za-z0-9-]*)")


def _markup_or_text(match: re.Match) -> str:
    """A tag of HTML (or a comment, a declaration such as <!DOCTYPE>) is dropped; a document's own "<word>" stays."""
    if match.start() and match.string[match.start() - 1] == "\\":
        return match.group()  # escaped already (this runs until nothing changes)
    name = _TAG_NAME.match(match.group())
    markup = not name or name.group(1).lower() in HTML_ELEMENTS or name.group(1).lower() == "doctype"
    return "" if markup else "\\" + match.group()


_TAG_OPENER = re.compile(r"<+(?=[A-Za-z/!?])")  # what is left of a tag that never closed
_URL = re.compile(  # as GitHub-flavoured Markdown turns into links (and `data:`, `javascript:` anywhere)
    r"(?:(?<![A-Za-z])(?:(?:https?|ftp|file)://|www\.)|(?<![\w/.@+-])data:(?=\S)|(?:javascript|vbscript):)[^\s<>\"'`]*",
    re.I,
)
_ANY_URL = re.compile(  # in generated text a URL glued to a word goes too
    r"(?:(?:https?|ftp|file)://|www\.|(?<![\w/.@+-])data:(?=\S)|(?:javascript|vbscript):)[^\s<>\"'`]*", re.I
)
_DANGEROUS_SCHEME = re.compile(r"^\s*<?\s*(?:javascript|vbscript|data|file):", re.I)
# An e-mail address, as GitHub-flavoured Markdown (the chat page's renderer) turns into a mailto: link.
_EMAIL = re.compile(r"(?<![\w.+-])([\w.+-]+)@(?=[A-Za-z0-9][A-Za-z0-9-]*\.[A-Za-z0-9.-]*[A-Za-z0-9])")
WORD_JOINER = "\u2060"  # invisible; after an address's "@" it keeps the address from becoming a link
_MAYBE_MARKUP = re.compile(r"[\[<@]|:|www\.", re.I)  # text without any of these has nothing to neutralise
ESCAPABLE = re.compile(r"(?<!\\)([\[\]!<>])")

_PARSER = MarkdownIt("commonmark")


def _trim_url(url: str) -> tuple[str, str]:
    """A bare URL and the punctuation after it that belongs to the sentence (as GitHub's autolinks do)."""
    tail = ""
    while url:
        last = url[-1]
        if (
            last in ".,;:!?*_~'\""
            or (last == ")" and url.count("(") < url.count(")"))
            or (last == "]" and url.count("[") < url.count("]"))
        ):
            tail = last + tail
            url = url[:-1]
        else:
            break
    return url, tail


def host_of(url: str) -> str:
    """The host a web address points to, without `www.` ("" for anything but http, https or ftp)."""
    url = url.strip().strip("<>").strip()
    if url.lower().startswith("www."):
        url = "http://" + url
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https", "ftp"):
        return ""
    host = re.sub(r"[^a-z0-9.\-]", "", host.lower())
    while host.startswith("www."):
        host = host[4:]
    return host.strip(".")


def live_constructs(text: str) -> list[str]:
    """What a Markdown renderer would turn `text` into that loads or links something (empty if nothing)."""
    found: list[str] = []

    def walk(tokens) -> None:
        for token in tokens:
            if token.type == "image":
                found.append(f"image {token.attrGet('src')}")
            elif token.type == "link_open":
                found.append(f"link {token.attrGet('href')}")
            elif token.type in ("html_inline", "html_block"):
                found.append(f"html {token.content.strip()[:40]}")
            if token.children:
                walk(token.children)

    walk(_PARSER.parse(text))
    return found


def _checked(text: str) -> str:
    """`text` if a Markdown parser finds nothing live in it, else with brackets, `!` and `<` escaped."""
    if not live_constructs(text):
        return text
    return ESCAPABLE.sub(r"\\\1", text)


def _link_as_text(text: str, destination: str) -> str:
    host = host_of(destination)
    text = text.strip()
    if not host or host == text.lower() or text.lower().endswith(f"({host})"):
        return text or host
    return f"{text} ({host})" if text else host


def _url_as_text(match: re.Match) -> str:
    url, tail = _trim_url(match.group(0))
    return host_of(url) + tail


_AUTOLINK_START = re.compile(r"(?i)\b((?:https?|ftp|file):)(//)|\b(www)(\.)")


def unlinked(text: str) -> str:
    """`text` (already escaped) with nothing that GitHub-flavoured Markdown would turn into a link by itself:
    an invisible word joiner breaks each e-mail address, `scheme://` and `www.`; the text reads the same."""
    text = _EMAIL.sub(lambda m: f"{m.group(1)}@{WORD_JOINER}", text)
    return _AUTOLINK_START.sub(lambda m: (m.group(1) or m.group(3)) + WORD_JOINER + (m.group(2) or m.group(4)), text)


# The same quoted sentences come back question after question, and the result depends on the text alone.
@lru_cache(maxsize=8192)
def inert_markdown(text: str) -> str:
    """`text` as Markdown that loads nothing and links nowhere; ordinary text comes back unchanged.

    Images are dropped, a link shows as its text and host ("Dr. Smith (evil.example)", plain text), a
    bare URL as its host, and HTML tags and link reference definitions are dropped.
    """
    if not text or not _MAYBE_MARKUP.search(text):
        return text
    # Code blocks stay verbatim (a command is quoted as written): a renderer shows them as text anyway,
    # and the parser check below still escapes anything that would come alive.
    return _checked("".join(piece if is_code else _inert_prose(piece) for is_code, piece in _code_split(text)))


def _code_split(text: str) -> list[tuple[bool, str]]:
    """`text` cut into (is_code, piece) runs of whole lines: top-level fenced or indented code blocks, and the rest."""
    if "```" not in text and "~~~" not in text and "\n    " not in text:
        return [(False, text)]
    lines = text.splitlines(keepends=True)
    spans = [t.map for t in _PARSER.parse(text) if t.type in ("fence", "code_block") and t.level == 0 and t.map]
    pieces: list[tuple[bool, str]] = []
    at = 0
    for start, end in spans:
        if start > at:
            pieces.append((False, "".join(lines[at:start])))
        pieces.append((True, "".join(lines[start:end])))
        at = end
    if at < len(lines):
        pieces.append((False, "".join(lines[at:])))
    return pieces


# A colon right before a letter opens a text directive in the chat page's Markdown (remark-directive): the page
# shows "git.example.io:team/app.git" with ":team" gone (an empty element in its place). Escaped, it is a colon.
_DIRECTIVE_COLON = re.compile(r"(?<![:\\])(?=:[A-Za-z])")
_INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)


def _no_directives(text: str) -> str:
    """`text` with each colon that would open a directive escaped, outside inline code (shown as written)."""
    return _outside_code_spans(text, lambda prose: _DIRECTIVE_COLON.sub("\\\\", prose))


def _outside_code_spans(text: str, change: Callable[[str], str]) -> str:
    """`text` with `change` applied to everything but its inline code spans: a code span is shown literally and
    never links, so a URL or an address in it is kept as written (an API's base URL, `https://.../v2`)."""
    pieces, at = [], 0
    for code in _INLINE_CODE.finditer(text):
        pieces += [change(text[at : code.start()]), code.group()]
        at = code.end()
    return "".join(pieces) + change(text[at:])


def _inert_prose(text: str) -> str:
    for _ in range(4):  # what one pass leaves can form a construct (a link inside a link's text, ...)
        before = text
        text = _DEFINITION.sub("", _BANG.sub("", _IMAGE.sub("", text)))
        text = _LINK.sub(lambda m: _link_as_text(m.group(1), m.group(2) or ""), text)
        text = _AUTOLINK.sub(lambda m: host_of(m.group(1)), text)
        text = _HTML.sub(_markup_or_text, text)
        text = _outside_code_spans(text, lambda t: _EMAIL.sub(_email_as_text, _URL.sub(_url_as_text, t)))
        if text == before:
            break
    return _no_directives(text)


def whole_addresses(text: str) -> str:
    """Inert text for a client that does not render Markdown (a terminal, a script, the API): each e-mail address
    whole again. The chat breaks each one with an invisible joiner after its "@", so that Markdown does not turn
    it into a link; copied or shown elsewhere, the address would be broken."""
    return text.replace("@" + WORD_JOINER, "@")


def terminal_text(text: str) -> str:
    """Inert Markdown as a terminal shows it (`bot ask`): addresses whole, and a colon escaped against the chat's
    directives as the chat shows it ("ledgerly invoice\\:list" read so on a terminal); code as written."""
    unescaped = lambda prose: _outside_code_spans(prose, lambda t: t.replace("\\:", ":"))  # noqa: E731
    return "".join(piece if is_code else unescaped(piece) for is_code, piece in _code_split(whole_addresses(text)))


def _email_as_text(match: re.Match) -> str:
    return f"{match.group(1)}@{WORD_JOINER}"


def _allowed_url(url: str, allowed: str) -> bool:
    return bool(url) and url in allowed and not _DANGEROUS_SCHEME.match(url)


def clean_generated(text: str, allowed: str) -> str:
    """`sanitize_generated` without trimming the ends (a streamed piece keeps its spaces)."""
    text = _DEFINITION.sub("", _BANG.sub("", _IMAGE.sub("", text)))

    def link(m: re.Match) -> str:
        destination = (m.group(2) or "").strip("<>")
        return m.group(0) if _allowed_url(destination, allowed) else m.group(1)

    text = _LINK.sub(link, text)
    text = _AUTOLINK.sub(
        lambda m: m.group(0) if _allowed_url(m.group(1), allowed) and host_of(m.group(1)) else "", text
    )
    text = _HTML.sub("", text)
    text = _TAG_OPENER.sub("", text)

    def url(m: re.Match) -> str:
        address, tail = _trim_url(m.group(0))
        return m.group(0) if _allowed_url(address, allowed) else tail

    text = _ANY_URL.sub(url, text)
    return re.sub(r"[ \t]{2,}", " ", inert_markdown(text))


def sanitize_generated(text: str, allowed: str) -> str:
    """Generated text without images, HTML or links, except links whose address is in `allowed`.

    A Markdown image renders (and fetches its URL, leaking whatever the URL carries) the moment an
    answer is shown, so a model steered by a prompt or a document must not be able to emit one. A
    link to an address in `allowed` (the passages) is kept as its text and host, never live.
    """
    return clean_generated(text, allowed).strip()
