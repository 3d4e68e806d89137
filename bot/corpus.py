"""Reading articles from the corpus folder: Markdown with front matter, or plain text."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

SUFFIXES = (".md", ".txt")
# A YAML block between `---` lines at the very top; the closing line may end the file.
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?\n)?---[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_MATTER_KEYS = ("title", "publisher", "source")  # the keys an article uses; others are ignored


@dataclass(frozen=True)
class Article:
    """One corpus file: its metadata and Markdown body."""

    source: str  # file name inside the corpus folder
    title: str
    publisher: str
    origin: str  # where the text came from (front matter `source`)
    body: str  # Markdown text without front matter
    sha256: str  # of the file's bytes


class CorpusError(ValueError):
    """A corpus file that cannot be read as text."""


def _parse_front_matter(text: str, name: str) -> tuple[dict[str, str], str]:
    """(metadata, body) of a text; CorpusError when its front matter is malformed.

    The front matter is YAML, read safely with PyYAML's BaseLoader: like `yaml.safe_load`, but every
    value stays text as written (safe_load would make `title: No` False and `title: 1.10` 1.1).
    """
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        data = yaml.load(match.group("yaml") or "", Loader=yaml.BaseLoader)  # builds only str, list and dict
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark else ""  # + 2: the opening `---` is line 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        hint = "; quote a value that holds ': '" if "mapping values" in problem else ""
        raise CorpusError(f"{name}: front matter is not valid YAML{where} ({problem}{hint})") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise CorpusError(f"{name}: front matter must be `key: value` lines, found {type(data).__name__}")
    meta: dict[str, str] = {}
    for key, value in data.items():
        key = str(key).strip().lower()
        if key not in _FRONT_MATTER_KEYS:
            continue
        if not isinstance(value, str):
            raise CorpusError(f"{name}: front matter `{key}` must be text, found {type(value).__name__}")
        meta[key] = str(value).strip()
    return meta, re.sub(r"\A\s*\n", "", text[match.end() :])  # the blank lines after it too


def _title_from_name(path: Path) -> str:
    return re.sub(r"[_-]+", " ", path.stem).strip().title() or path.name


def _looks_like_heading(line: str, next_line: str | None) -> bool:
    """A short line without closing punctuation that introduces longer text (plain-text articles)."""
    stripped = line.strip()
    if not stripped or len(stripped) > 90 or stripped.startswith(("-", "*", "•")):
        return False
    if stripped[-1] in ".,;:!\"'”)" or not next_line:
        return False
    return len(stripped.split()) <= 12 and stripped[0].isupper() and len(next_line.strip()) > len(stripped)


def text_to_markdown(text: str) -> str:
    """Give a plain-text article Markdown structure: heading-like lines become `##` headings.

    Every other line is a paragraph of its own (indentation dropped, so it never reads as code);
    lines starting with a bullet are list items.
    """
    lines = [ln for ln in text.splitlines() if ln.strip()]
    out: list[str] = []
    for i, line in enumerate(lines):
        following = lines[i + 1] if i + 1 < len(lines) else None
        if i > 0 and _looks_like_heading(line, following):
            out += ["", f"## {line.strip()}", ""]
        elif line.lstrip().startswith(("- ", "* ", "• ")):
            out.append("- " + line.lstrip()[2:])
        else:
            out += ["", line.strip(), ""] if out and out[-1] else [line.strip(), ""]  # a list ends first
    return "\n".join(out)


def read_article(path: Path, root: Path | None = None) -> Article:
    """Read one `.md` or `.txt` file; raises CorpusError when it is empty, binary or not UTF-8."""
    raw = path.read_bytes()
    name = str(path.relative_to(root)) if root else path.name
    if b"\x00" in raw:
        raise CorpusError(f"{name}: looks binary (contains NUL bytes); only UTF-8 text is indexed")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    meta, body = _parse_front_matter(text.replace("\r\n", "\n"), name)
    if path.suffix.lower() == ".txt":
        body = text_to_markdown(body)
    if not body.strip():
        raise CorpusError(f"{name}: empty, nothing to index")
    return Article(
        source=name,
        title=meta.get("title") or _title_from_name(path),
        publisher=meta.get("publisher", ""),
        origin=meta.get("source", ""),
        body=body,
        sha256=hashlib.sha256(raw).hexdigest(),
    )


def corpus_files(corpus_dir: Path) -> list[Path]:
    """The indexable files below `corpus_dir`, in a stable order (README files excluded)."""
    if not corpus_dir.is_dir():
        return []
    return sorted(
        p
        for p in corpus_dir.rglob("*")
        if p.is_file() and p.suffix.lower() in SUFFIXES and p.stem.lower() != "readme" and not p.name.startswith(".")
    )


def load_corpus(corpus_dir: Path) -> tuple[list[Article], list[str]]:
    """All readable articles, and one message per file that could not be read."""
    articles: list[Article] = []
    errors: list[str] = []
    for path in corpus_files(corpus_dir):
        try:
            articles.append(read_article(path, corpus_dir))
        except CorpusError as exc:
            errors.append(str(exc))
    return articles, errors
