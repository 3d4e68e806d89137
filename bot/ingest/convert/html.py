"""HTML to Markdown for indexing: the page's main content only, with its headings, code, lists and tables.

Main content: `<main>` / `[role=main]`, else a lone `<article>`, else the smallest element that holds
most of the page's prose once menus, sidebars, headers and footers are gone. The pick is generic (no
per-site rules), so a page that marks its menus only with unusual class names may keep a few of them.
Markdown is written by markdownify, told to drop emphasis and link targets and to fence `<pre>` verbatim.
"""

from __future__ import annotations

import codecs
import re

from bs4 import BeautifulSoup, Comment, Tag
from markdownify import MarkdownConverter

from bot.ingest.convert.base import ConversionError, Converted, tags_as_text

# Never content: scripts, styles, media, widgets and forms (a form's text is labels and buttons, not prose).
_JUNK_TAGS = ["script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed", "dialog"]
_JUNK_TAGS += ["form", "button", "input", "select", "textarea", "label"]
# Page furniture by element or ARIA role.
_FURNITURE_TAGS = {"nav", "aside", "footer", "menu"}
_FURNITURE_ROLES = {"navigation", "banner", "contentinfo", "search", "complementary", "menu", "menubar", "dialog"}
# Words that name furniture when they are a whole part of a class or id ("site-nav", "cookie_banner"),
# matched part by part so that "menuselection" or "toctree-wrapper" (content) are not taken for them.
_FURNITURE_WORDS = {
    "nav", "navbar", "navigation", "menu", "menubar", "sidebar", "sidenav", "sphinxsidebar", "breadcrumb",
    "breadcrumbs", "footer", "cookie", "cookies", "consent", "gdpr", "share", "sharing", "social", "related",
    "pagination", "pager", "prevnext", "skip", "skiplink", "advert", "ads", "newsletter", "subscribe", "toc",
    "toolbar", "search", "searchbox", "masthead", "topbar", "popup", "modal", "headerlink", "permalink",
}  # fmt: skip
_CONTAINERS = {"div", "section", "ul", "ol", "dl", "table", "p"}
_PERMALINK_TEXT = {"¶", "§", "#", "🔗", "⚓", "link", "permalink"}
_HEADINGS = ["h1", "h2", "h3", "h4", "h5", "h6"]
_PARTS = re.compile(r"[^a-z0-9]+")
_FENCE = re.compile(r"^ *(`{3,}|~{3,}).*?^ *\1[ \t]*$", re.S | re.M)
_SUFFIX = re.compile(r"\s+(?:—|–|\|)\s+[^—–|]+$")  # " — Python 3.11 documentation", " | Site"
_LANG = re.compile(r"\b(?:language|lang|highlight)-([\w+#.-]+)")


def html_to_markdown(data: bytes) -> Converted:
    """Convert an HTML page to Markdown (main content only) and its title; raise ConversionError."""
    text = _decode(data)
    try:
        soup = BeautifulSoup(text, "lxml")
        title = _page_title(soup)
        for tag in soup.find_all(_JUNK_TAGS):
            tag.decompose()
        for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
            comment.extract()
        root = _main_content(soup)
        # Tags are converted or dropped by now: a "<a>" left is the page's text ("&lt;a&gt;"), escaped as such.
        markdown = tags_as_text(_tidy(_Markdown().convert_soup(root))) if root is not None else ""
    except RecursionError:
        raise ConversionError("HTML nested too deeply") from None
    except Exception as exc:  # any parser failure is the file's fault, reported in one line
        raise ConversionError("unreadable HTML") from exc
    if not re.search(r"\w", markdown):
        raise ConversionError("no text found")
    if not title:
        first = re.search(r"^# (.+)$", markdown, re.M)
        title = first.group(1).strip() if first else ""
    return Converted(markdown=markdown, title=title)


def _decode(data: bytes) -> str:
    """The page as text: BOM first, then a declared charset, else UTF-8 with replacement characters."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, "replace")
    if b"\x00" in data[:1024]:
        raise ConversionError("not an HTML file")
    declared = re.search(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", data[:4096], re.I)
    if declared:
        try:
            name = codecs.lookup(declared.group(1).decode("ascii")).name
        except LookupError:
            name = "utf-8"
        # As browsers do: a byte page cannot really be UTF-16, and Latin-1/ASCII labels mean windows-1252.
        if name.startswith(("utf-16", "utf-32")):
            name = "utf-8"
        elif name in ("latin-1", "iso8859-1", "ascii"):
            name = "cp1252"
        try:
            return data.decode(name, "replace")
        except LookupError:  # a label of a bytes-to-bytes codec ("zlib", "hex") is no charset
            pass
    return data.decode("utf-8", "replace")


def _page_title(soup: BeautifulSoup) -> str:
    """`<title>` without a trailing site name ("Programming FAQ — Python 3.11 documentation")."""
    tag = soup.find("title")
    title = " ".join(tag.get_text().split()) if tag else ""
    short = _SUFFIX.sub("", title)
    # A plain hyphen may belong to a title ("Python - a primer"): the suffix goes only when what is left is the
    # page's own heading ("Incident Response Runbook - Tidewell Software" over <h1>Incident Response Runbook).
    heading = soup.find("h1")
    own_heading = " ".join(heading.get_text().split()) if heading is not None else ""
    if short != title and own_heading and title.endswith(own_heading) and not short.endswith(own_heading):
        # "Kestrel Valley Water — Charges Scheme 2025/26" over <h1>Charges Scheme 2025/26: the page's name comes
        # after the site's, and it was the part cut (every page of the site was then named "Kestrel Valley Water").
        return title
    if short == title and own_heading and " - " in title and title.startswith(own_heading + " - "):
        short = own_heading
    return short if short else title


def _main_content(soup: BeautifulSoup) -> Tag | None:
    """The element that holds the page's own content, with furniture removed from it."""
    marked = soup.find_all("main") + soup.find_all(attrs={"role": "main"})
    if marked:
        lengths = _text_lengths(soup)
        root = max(marked, key=lambda el: lengths[id(el)])  # the outer one wins a tie: max keeps the first
        _remove_furniture(root, keep_header=True)
        return root
    articles = [a for a in soup.find_all("article") if a.find_parent("article") is None]
    if len(articles) == 1:
        _remove_furniture(articles[0], keep_header=True)
        return articles[0]
    root = soup.body or soup
    _remove_furniture(root, keep_header=False)
    return _descend(root)


def _remove_furniture(root: Tag, keep_header: bool) -> None:
    """Drop menus, sidebars, banners, hidden parts and permalink anchors inside `root`."""
    lengths = _text_lengths(root)
    half = lengths[id(root)] / 2
    # A page hidden until its script runs, or wrapped whole in a "has-sidebar" div, keeps its content:
    # nothing that holds half the text or the marked main content is furniture.
    marked = root.find_all(["main", "article"]) + root.find_all(attrs={"role": "main"})
    protected = {id(parent) for el in marked for parent in (el, *el.parents)}
    stack = _child_tags(root)
    while stack:  # depth first, not entering what is removed
        el = stack.pop()
        furniture = (_is_hidden(el) or _is_furniture(el, keep_header)) and lengths[id(el)] <= half
        if _is_permalink(el) or (furniture and id(el) not in protected):
            el.decompose()
        else:
            stack.extend(_child_tags(el))


def _child_tags(el: Tag) -> list[Tag]:
    return [child for child in reversed(el.contents) if isinstance(child, Tag)]


def _is_furniture(el: Tag, keep_header: bool) -> bool:
    if el.name in _FURNITURE_TAGS or el.get("role") in _FURNITURE_ROLES:
        return True
    if el.name == "header":
        # Inside an article a <header> holds the article's own title; elsewhere it is the site banner.
        return not (keep_header or el.find_parent("article"))
    if el.name not in _CONTAINERS:
        return False  # an inline element's class ("toc-backref" on a heading's link) says nothing of layout
    if any(part in _FURNITURE_WORDS for part in _PARTS.split(" ".join(el.get("class", [])).lower())):
        return True
    # Ids are often made from a section's heading ("how-do-i-share-..."): only a short one names a part of
    # the page ("sidebar", "site-nav").
    id_parts = [p for p in _PARTS.split(str(el.get("id", "")).lower()) if p]
    return el.name != "section" and len(id_parts) <= 2 and any(p in _FURNITURE_WORDS for p in id_parts)


def _is_permalink(el: Tag) -> bool:
    if el.name != "a":
        return False
    text = el.get_text().strip().lower()
    return text in _PERMALINK_TEXT and str(el.get("href", "")).startswith("#")


def _is_hidden(el: Tag) -> bool:
    style = str(el.get("style", "")).replace(" ", "").lower()
    return el.has_attr("hidden") or el.get("aria-hidden") == "true" or "display:none" in style


def _descend(el: Tag) -> Tag:
    """The smallest element holding at least 80% of `el`'s prose, stopping before headings are left out."""
    lengths = _text_lengths(el)
    while True:
        children = el.find_all(True, recursive=False)
        if not children:
            return el
        best = max(children, key=lambda c: lengths[id(c)])
        if lengths[id(best)] < 0.8 * lengths[id(el)]:
            return el
        if any(c is not best and (c.name in _HEADINGS or c.find(_HEADINGS)) for c in children):
            return el  # a heading beside the text block (often the page title) belongs to it
        el = best


def _text_lengths(root: Tag) -> dict[int, int]:
    """Characters of text outside links for `root` and every element in it, by id(), in one pass.

    Link text does not count because menus are mostly links and prose mostly not.
    """
    lengths: dict[int, int] = {}
    for el in reversed([root, *root.find_all(True)]):  # children before their parents
        total = 0
        for child in el.children:
            total += lengths.get(id(child), 0) if isinstance(child, Tag) else len(child)
        lengths[id(el)] = 0 if el.name == "a" else total
    return lengths


def _tidy(markdown: str) -> str:
    """Strip trailing spaces and collapse blank-line runs, leaving fenced code untouched."""
    out, last = [], 0
    for match in _FENCE.finditer(markdown):
        out.append(_tidy_prose(markdown[last : match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(_tidy_prose(markdown[last:]))
    return "".join(out).strip("\n") + "\n"


def _tidy_prose(text: str) -> str:
    text = re.sub(r"[ \t]+$", "", text, flags=re.M)
    return re.sub(r"\n{3,}", "\n\n", text)


def _plain(self, el, text, parent_tags):
    return text


class _Markdown(MarkdownConverter):
    """markdownify with the project's conventions: no emphasis, links and images as text, `- ` lists."""

    def __init__(self):
        super().__init__(heading_style="ATX", bullets="-", escape_asterisks=False, escape_underscores=False)

    convert_b = convert_strong = convert_em = convert_i = convert_u = convert_mark = _plain
    convert_del = convert_s = convert_sub = convert_sup = convert_a = _plain

    def convert_summary(self, el, text, parent_tags):
        # An accordion FAQ's question ("<details><summary>Can we get to you by public transport?</summary><p>Yes.
        # ..."): a heading a level below the section's, as "<h3>" would be. It had been read as a sentence of the
        # section's text, with every other question and answer of it.
        text = " ".join((text or "").split())
        if not text or "_inline" in parent_tags or el.find_parent("details") is None:
            return text
        above = el.find_previous(re.compile(r"^h[1-6]$"))
        level = min(6, int(above.name[1]) + 1) if above is not None else 2
        return f"\n\n{'#' * level} {text}\n\n"

    def convert_img(self, el, text, parent_tags):
        return str(el.get("alt", "")).strip()

    def convert_dd(self, el, text, parent_tags):
        return f"\n\n{text.strip()}\n\n" if "_inline" not in parent_tags else text

    def convert_li(self, el, text, parent_tags):
        # Ordered lists too are "- " items: the conventions have one list marker.
        text = (text or "").strip()
        if not text:
            return "\n"
        return "- " + re.sub(r"\n(?=[^\n])", "\n  ", text) + "\n"

    def convert_pre(self, el, text, parent_tags):
        for br in el.find_all("br"):
            br.replace_with("\n")
        code = el.get_text().strip("\n")  # verbatim: markdownify's own text may have changed inline markup
        if not code.strip():
            return ""
        longest = max((len(run) for run in re.findall(r"`{3,}", code)), default=2)
        fence = "`" * (longest + 1)
        return f"\n\n{fence}{_language(el)}\n{code}\n{fence}\n\n"

    def convert_table(self, el, text, parent_tags):
        if el.find(["pre", "table", *_HEADINGS]):
            return f"\n\n{text}\n\n"  # a layout table: its cells are ordinary blocks
        lines = [el.caption.get_text(" ", strip=True)] if el.caption else []
        header: list[str] = []
        for row in el.find_all("tr"):
            if row.find_parent("table") is not el:
                continue
            cells = row.find_all(["td", "th"], recursive=False)
            values = [" ".join(self.process_tag(c, parent_tags | {"_inline"}).split()) for c in cells]
            if not header and cells and all(c.name == "th" for c in cells):
                header = values
                continue
            pairs = [f"{h}: {v}" if h else v for h, v in zip(header + [""] * len(values), values) if v]
            if pairs:
                lines.append("- " + "; ".join(pairs))
        return "\n\n" + "\n".join(lines) + "\n\n"

    def convert_td(self, el, text, parent_tags):
        return f"\n\n{text}\n\n"

    convert_th = convert_tr = convert_td


def _language(pre: Tag) -> str:
    """The code's language from `language-x` / Sphinx's `highlight-x` classes, if named."""
    code = pre.find("code")
    for el in (pre, code, pre.parent, pre.parent.parent if pre.parent else None):
        if isinstance(el, Tag):
            match = _LANG.search(" ".join(el.get("class", [])))
            if match and match.group(1) not in ("default", "none", "text"):
                return match.group(1)
    return ""
