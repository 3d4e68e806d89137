"""Splitting a passage into quotable sentences, for composing answers: sentences, list items, code with its lead-in."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.ingest.chunking import TABLE_ROW
from bot.safe_markdown import LINK_OR_IMAGE

ANSWER_MARK = re.compile(r"^(?:A|Answer)\s*:\s+")  # "A: Payment is due at the time of treatment."

# A period that ends an initial or a title, not a sentence: "Richard M. Stallman", "e.g. R", "Dr. Smith".
# A lone capital after a name is an initial; after other words it may be a name ("written in R.").
_ABBREVIATED = re.compile(r"(?:\b[A-Z][a-z]+ [A-Z]|\b(?:e\.g|i\.e|cf|vs|Dr|Mr|Mrs|Ms|Prof|St|Fig|No|approx))\.$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“‘'(\[]?[A-Z0-9])")
# Bullets and arrows, not a link, an image, a tag, inline code or a command-line option ("- `invoice.created`" lost
# its first backtick, and answers showed "invoice.created`"; "- --api-token -> --api-key" read "api-token -> ...").
_LEADING_SYMBOLS = re.compile(r"^(?:[^\w(\"“'‘\[!<`-]|-(?![-\w])|!(?!\[))+")


_EMPHASIS = re.compile(r"(\*\*|__|\*|_)$")


def _item_text(line: str) -> str:
    """A list item without its bullets and arrows, but with an emphasis it opens with when closed later: a bold
    label "**CITGM**: Canary In The Gold Mine" lost its first "**" only, and read "CITGM**: Canary ..."."""
    text = _LEADING_SYMBOLS.sub("", line)
    opening = _EMPHASIS.search(line[: len(line) - len(text)])
    if opening and opening.group(1) in text:
        text = opening.group(1) + text
    return text.strip()


@dataclass(frozen=True)
class Sentence:
    """A quotable piece of a passage: a sentence, a list item, or a short list with its lead-in."""

    text: str  # as quoted in an answer (without its label)
    context: str  # text used to judge relevance (adds the lead-in to a list item)
    order: int  # position in the passage
    label: str = ""  # a short lead-in ("Industries That Benefit from LLMs:") that introduces a list item
    quotes: tuple[str, ...] = ()  # the exact pieces of the passage it is made of, for highlighting
    code: str = ""  # a code block the sentence introduces ("you can use" + the command), fences included
    list_id: int = 0  # which list of the passage the sentence comes from (1, 2, ...); 0 for prose


_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")


def _paragraphs(body: str) -> list[tuple[bool, str]]:
    """(is_code, text) for each paragraph of a passage body; a fenced block is one, blank lines and all."""
    out: list[tuple[bool, str]] = []
    lines: list[str] = []
    fence = ""
    for line in body.split("\n"):
        opening = _FENCE.match(line)
        if fence:
            lines.append(line)
            if (
                opening
                and opening.group(1)[0] == fence[0]
                and len(opening.group(1)) >= len(fence)
                and not line.strip("`~ \t")
            ):
                out.append((True, "\n".join(lines)))
                lines, fence = [], ""
        elif opening:
            if lines:
                out.append((False, "\n".join(lines)))
            lines, fence = [line], opening.group(1)
        elif not line.strip():
            if lines:
                out.append((False, "\n".join(lines)))
            lines = []
        else:
            lines.append(line)
    if lines:
        out.append((bool(fence), "\n".join(lines)))
    return out


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of one paragraph; a bare "No." or "Yes." stays with the sentence after it.

    A Markdown link or image is never cut ("[Dr. Smith](...)" is no sentence end), so a quote never
    holds half of one.
    """
    text = paragraph.strip()
    whole = [m.span() for m in LINK_OR_IMAGE.finditer(text)]
    parts, start = [], 0
    for end in _SENTENCE_END.finditer(text):
        if not any(a < end.start() < b for a, b in whole):
            parts.append(text[start : end.start()].strip())
            start = end.end()
    parts = [p for p in [*parts, text[start:].strip()] if p]
    merged: list[str] = []
    for part in parts:
        if merged and (len(merged[-1]) <= 12 or _ABBREVIATED.search(merged[-1])):
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    return merged


# A sentence opening on a small word in lower case ("this usually means ...") goes on from what came before it.
_GOES_ON = re.compile(r"(?:this|that|these|those|it|its|they|then|and|but|or|so|which|if|when|you|your|the|a|an)\b")


def heading_line(passage_text: str) -> str:
    """The heading line of a passage (as produced by `chunk_article`), or "" if it has none."""
    first, separator, _rest = passage_text.partition("\n\n")
    return first.strip() if separator else ""


def passage_sentences(passage_text: str) -> list[Sentence]:
    """Split a passage (as produced by `chunk_article`) into quotable sentences.

    The first line is its heading and is used only as context. A list of short items becomes one
    sentence with its lead-in; a list of long items yields one sentence per item.
    """
    heading = heading_line(passage_text)
    body = passage_text.split("\n\n", 1)[1] if heading else passage_text
    out: list[Sentence] = []

    lists = 0

    def add(text: str, context: str, label: str = "", quotes: tuple[str, ...] = (), list_id: int = 0) -> None:
        out.append(
            Sentence(text=text, context=context, order=len(out), label=label, quotes=quotes or (text,), list_id=list_id)
        )

    for is_code, para in _paragraphs(body):
        if is_code:
            # Code is quoted whole with the sentence that introduces it: in a technical document the
            # command is the answer, and "you can use" means nothing without it.
            if out and not out[-1].code:
                lead = out[-1]
                out[-1] = Sentence(
                    lead.text, f"{lead.context}\n{para}", lead.order, lead.label, lead.quotes, para, lead.list_id
                )
            else:
                out.append(Sentence("", f"{heading}\n{para}".strip(), len(out), code=para, quotes=()))
            continue
        lines = para.split("\n")
        prose = [ln for ln in lines if not ln.startswith("- ")]
        items = [_item_text(ln[2:]) for ln in lines if ln.startswith("- ")]
        lead_sentences = split_sentences(" ".join(prose)) if prose else []
        lead = lead_sentences[-1] if lead_sentences else heading
        # A label on the line before its list leads it in as "...:" does: "Opening hours" over "- Monday: 10am - 5pm"
        # (quoted apart, it came after the hours it names).
        leads_in = lead.endswith(":") or (
            bool(items and lead_sentences) and prose[-1].strip() == lead and not lead.endswith((".", "!", "?", ";"))
        )
        for n, s in enumerate(lead_sentences):
            if not (items and s is lead and leads_in):  # a lead-in is quoted with its items
                # An FAQ's "A: Yes, dogs must be kept on a short lead." is quoted without its marker, which would
                # hide the "Yes" of another question from the answerer (`bot.answer.quoting.VERDICT`); it is
                # still read with it (the context is what ingest embedded).
                said = ANSWER_MARK.sub("", s, count=1) if n == 0 else s
                if not out and n == 0 and heading and not heading.endswith(("?", ".")) and _GOES_ON.match(said):
                    # '**"Card expired"**: this usually means ...' under its label made a heading goes on from the
                    # label: quoted alone, it read "this usually means your temporary e-card has passed ..."
                    add(f"{heading}: {said}", f"{heading} {s}", quotes=(said,))
                    continue
                add(said, f"{heading} {s}".strip())
        if not items:
            continue
        lists += 1
        if sum(len(i) for i in items) / len(items) <= 45:
            joined = ", ".join(i.rstrip(".") for i in items)
            text = (f"{lead} {joined}." if lead.endswith(":") else f"{lead}: {joined}.") if leads_in else f"{joined}."
            quotes = (lead, *items) if leads_in else tuple(items)
            add(text, f"{heading} {lead} {joined}", quotes=quotes, list_id=lists)
        else:
            for item in items:
                # A list's lead-in is said over its items whatever its length ("A concession rate of 20% off ...,
                # but not annual memberships, is available to:"); a table's, only when short (its column names
                # already say what its rows hold).
                label = lead if leads_in and (len(lead) <= 60 or not TABLE_ROW.match(item)) else ""
                add(item, f"{heading} {lead} {item}", label, quotes=(label, item) if label else (item,), list_id=lists)
    return out
