"""`StreamSanitizer`: `bot.safe_markdown`'s rules for an answer arriving token by token.

It emits only text in which no construct can still be growing (an unfinished `![`, `[text](`, `<tag`,
or a word that may become a URL is held back until it is complete), cleans it with the same rules as
`sanitize_generated`, and flushes the rest at the end.
"""

from __future__ import annotations

from bot.safe_markdown import ESCAPABLE, clean_generated, live_constructs


def _bracket_end(text: str, start: int) -> int | None:
    """Index after the `]` matching the `[` at `start`, or None if it is not closed yet."""
    depth, i = 0, start
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


def _paren_end(text: str, start: int) -> int | None:
    """Index after the `)` matching the `(` at `start` (quotes and `<...>` respected), or None."""
    depth, i, quote = 0, start, ""
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'" and depth == 1 and i > start and text[i - 1].isspace():
            quote = ch  # a title
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


def _tag_end(text: str, start: int) -> int | None:
    """Index after the `>` that closes the tag, comment or autolink at `start`, or None."""
    if text.startswith("<!--", start):
        end = text.find("-->", start + 4)
        return None if end < 0 else end + 3
    i, quote = start + 1, ""
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == ">":
            return i + 1
        i += 1
    return None


def _construct_end(text: str, start: int) -> int | None:
    """Where the Markdown construct that may begin at `start` ends; None while it may still grow."""
    ch, n = text[start], len(text)
    if ch == "!":
        if start + 1 >= n:
            return None  # the next token may bring a `[`
        return _construct_end(text, start + 1) if text[start + 1] == "[" else start + 1
    if ch == "<":
        if start + 1 >= n:
            return None
        if not (text[start + 1].isalpha() or text[start + 1] in "/!?"):
            return start + 1  # "3 < 4" is no tag
        return _tag_end(text, start)
    # ch == "["
    end = _bracket_end(text, start)
    if end is None or end >= n:
        return None  # unclosed, or closed but `(`, `[` or `:` may follow
    after = text[end]
    if after == "(":
        return _paren_end(text, end)
    if after == "[":
        return _bracket_end(text, end)
    if after == ":":  # a reference definition runs to the end of its line
        newline = text.find("\n", end)
        return None if newline < 0 else newline + 1
    return end


def safe_cut(text: str) -> int:
    """How much of `text` can be shown now: up to a space outside any construct, before anything unfinished.

    Everything after the cut may still become an image, a link, a tag or a URL when more text arrives.
    """
    cut, i, n = 0, 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch.isspace():
            i += 1
            cut = i
            continue
        if ch in "![<":
            end = _construct_end(text, i)
            if end is None:
                return cut
            i = end
            continue
        i += 1
    return cut


class StreamSanitizer:
    """Cleans an answer as it streams: `feed` each token and show what it returns, then show `flush()`.

    What it returns, joined, never holds an image, HTML, a live link or a foreign URL, at any point of
    the stream: a construct that is still being written is held back until it is complete, then
    dropped or shown as text, by the rules of `sanitize_generated` (with `allowed`, the passages).
    """

    def __init__(self, allowed: str = ""):
        self.allowed = allowed
        self.pending = ""
        self.emitted = ""

    def _emit(self, raw: str, final: bool = False) -> str:
        piece = clean_generated(raw, self.allowed)
        if not self.emitted or self.emitted[-1].isspace():
            piece = piece.lstrip(" \t")  # a dropped construct must not leave a double space behind
        if final:
            piece = piece.rstrip()
        if not piece:
            return ""
        if live_constructs(self.emitted + piece) and not live_constructs(self.emitted):
            piece = ESCAPABLE.sub(r"\\\1", piece)  # the new piece would complete something with the old
        self.emitted += piece
        return piece

    def feed(self, token: str) -> str:
        """The text that can be shown now (possibly empty) after `token` arrived."""
        self.pending += token
        cut = safe_cut(self.pending)
        if not cut:
            return ""
        raw, self.pending = self.pending[:cut], self.pending[cut:]
        return self._emit(raw)

    def flush(self) -> str:
        """The rest, cleaned, once the answer is complete."""
        raw, self.pending = self.pending, ""
        return self._emit(raw, final=True) if raw else ""
