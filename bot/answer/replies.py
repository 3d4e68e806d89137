"""What the assistant says besides its quotes: the reply to a question the documents do not answer, and a
cited passage as the app shows it (the quoted text in bold). Both are made inert (see `bot.safe_markdown`)."""

from __future__ import annotations

import re

from bot.answer.tables import passage_tables
from bot.retrieval.refusal import ASKED_KIND_WORDS
from bot.safe_markdown import inert_markdown
from bot.text import in_quotes


def not_covered_reply(
    question: str,
    topics: str,
    suggestions: list[str] | None = None,
    unknown_names: list[str] | None = None,
    examples: list[str] | None = None,
    missing: str = "",
) -> str:
    """What the assistant says when the documents do not answer a question: what they do cover.

    `suggestions` are the questions closest to this one; `examples` (the corpus's starters) stand in
    for them when there are none.
    """
    examples = (suggestions or list(examples or []))[:3]
    if missing:
        what = ASKED_KIND_WORDS.get(missing, "that")
        lead = f"The documents I have don't give {what} for that, so I can't answer it from them"
    elif unknown_names:
        lead = f"The documents I have don't mention {_names(question, unknown_names)}, so I can't answer that from them"
    else:
        lead = "The documents I have don't cover that, so I can't answer it from them"
    return f"{lead}. They are about {topics}.{questions_they_answer(examples)}"


_ENDS_CLAUSE = re.compile(r"[.!?;:,)\]]$")


def names_not_mentioned(question: str, unknown_names: list[str]) -> str:
    """The opening of a decline that goes on to quote what the documents say on the rest of the question, or
    (no names) what comes closest to a question they may not answer."""
    if not unknown_names:
        return "I'm not sure the documents I have answer that. What they say that comes closest:"
    return f"The documents I have don't mention {_names(question, unknown_names)}. What they say that comes closest:"


def _names(question: str, unknown_names: list[str]) -> str:
    """“A”, “B” or “C”: the names as the question writes them whole (inert)."""
    quoted = [in_quotes(inert_markdown(name)) for name in whole_names(question, unknown_names)[:3]]
    return ", ".join(quoted[:-1]) + f" or {quoted[-1]}" if len(quoted) > 1 else quoted[0]


def whole_names(question: str, names: list[str]) -> list[str]:
    """Each name as the question writes it whole: "York" in "... to New York?" is “New York”, "Plus" in "How much
    does ChatGPT Plus cost?" is “ChatGPT Plus” (the capitalised or numbered words around it, the question's
    first word and "I" apart). A key word in lower case is no name: "hallucinate" in "Do LLMs hallucinate?" is
    “hallucinate”, not “LLMs hallucinate”."""
    words = re.findall(r"\S+", question)
    bare = [w.strip("“”\"'‘’()[],.;:!?") for w in words]

    def written_as_name(w: str) -> bool:
        return bool(w) and (w[0].isupper() or any(c.isdigit() for c in w))

    def named(i: int) -> bool:
        return i > 0 and bare[i] != "I" and written_as_name(bare[i])

    out: list[str] = []
    for name in names:
        at = next((i for i, w in enumerate(bare) if w == name), None)
        if at is None or not written_as_name(name):
            whole = name
        else:
            lo = hi = at
            # A name ends where its sentence or clause does: "in Lisbon. What ..." names “Lisbon”, not “Lisbon What”.
            while lo - 1 >= 0 and named(lo - 1) and not _ENDS_CLAUSE.search(words[lo - 1]):
                lo -= 1
            while hi + 1 < len(bare) and named(hi + 1) and not _ENDS_CLAUSE.search(words[hi]):
                hi += 1
            whole = " ".join(bare[lo : hi + 1])
        if whole not in out:
            out.append(whole)
    return out


def part_not_covered(part: str) -> str:
    """What is said of the one question of a two-question message that the documents do not answer."""
    return f"The documents don't answer the other part of your question: {in_quotes(inert_markdown(part.strip()))}"


def questions_they_answer(examples: list[str]) -> str:
    """ " Questions they do answer include: “A” · “B” · “C”" (inert), or "" when there are none."""
    listed = " · ".join(in_quotes(inert_markdown(q)) for q in examples[:3])
    return f" Questions they do answer include: {listed}" if listed else ""


def highlighted_markdown(passage_text: str, quotes: list[str]) -> str:
    """A passage as Markdown: its heading as a title and the text the answer quoted in bold; inert (see module doc).

    A table's rows (list items "Column: cell; Column: cell") show as a table, the quoted rows in bold."""
    heading, sep, body = passage_text.partition("\n\n")
    if not sep:
        heading, body = "", passage_text
    runs = passage_tables(body, quotes)
    if any(is_table for is_table, _ in runs):  # (a passage without a table keeps its line breaks as they were)
        body = "\n\n".join((t if is_table else _bolded(t, quotes)).strip("\n") for is_table, t in runs if t.strip())
    else:
        body = _bolded(body, quotes)
    return inert_markdown(f"### {heading}\n\n{body}" if heading else body)


def tables_shown(body: str) -> str:
    """A passage body with its tables' rows as Markdown tables (see `highlighted_markdown`); not made inert."""
    runs = passage_tables(body)
    if not any(is_table for is_table, _ in runs):
        return body
    return "\n\n".join(text.strip("\n") for _is_table, text in runs if text.strip())


def _bolded(body: str, quotes: list[str]) -> str:
    """`body` with each quote found in it in bold (a quote inside a longer one only once)."""
    spans: list[tuple[int, int]] = []
    for quote in sorted({q for q in quotes if q}, key=len, reverse=True):
        start = body.find(quote)
        while start >= 0 and any(start < e and start + len(quote) > b for b, e in spans):
            start = body.find(quote, start + 1)  # that occurrence is inside a longer quote
        if start >= 0:
            spans.append((start, start + len(quote)))
    for begin, end in sorted(spans, reverse=True):
        body = f"{body[:begin]}**{body[begin:end]}**{body[end:]}"
    return body
