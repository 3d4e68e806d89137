"""Scoring the assistant on a JSONL question file (`bot eval`)."""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from bot.answer.tables import as_rows
from bot.question.patterns import small_talk
from bot.text import normalize_text, tokenize
from bot.tools.stats import percentile
from bot.types import Answer

_MARKUP = str.maketrans({c: " " for c in "*_#>`"})
_FENCED = re.compile(r"^(`{3,}|~{3,})[^\n]*\n.*?(?:^\1[ \t]*$|\Z)", re.M | re.S)
_CITATION = re.compile(r"[ \t]*\[\d+\]")
_BULLET = re.compile(r"^\s*(?:>\s*)*(?:(?:[-*+•]|\d+[.)])\s+)?")  # quote marks and a list marker
# A sentence ends at . ! ? (and any closing bold, quote or bracket) followed by white space...
_SENTENCE_END = re.compile(r"(?<=[.!?])[*_\"'”’)\]]*\s+")
_ABBREVIATION = re.compile(r"\b(?:e\.g|i\.e|etc|vs|cf|viz)\.$", re.I)  # ...but not "e.g. " or "i.e. "
_LEADING = re.compile(r"^[^a-z0-9]+")


# A Markdown escape (a backslash before ":" or "<") shows as the character alone: an answer is read as the page shows it.
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def normalize(text: str) -> str:
    """NFKC, lower case, curly quotes straightened, Markdown escapes read as their character, `*_#>` and
    backtick to spaces, whitespace folded."""
    text = normalize_text(_ESCAPED.sub(r"\1", text)).translate(_MARKUP)
    return re.sub(r"\s+", " ", text).strip()


def sentences(text: str) -> list[str]:
    """The prose sentences of an answer, in order.

    Fenced code and `[n]` markers are dropped; a Markdown table is read as its rows, each a sentence
    "Column: cell; Column: cell" (as the index holds it); the rest is cut at every line break (so each bullet or
    quoted line stands alone), then after . ! ? followed by white space (not after "e.g.", "i.e.").
    A leading list marker or `>` is removed; parts without a letter or digit are skipped.
    """
    found = []
    for line in as_rows(_CITATION.sub("", _FENCED.sub("", text))).splitlines():
        line, start = _BULLET.sub("", line), 0
        for end in _SENTENCE_END.finditer(line):
            if not _ABBREVIATION.search(line[: end.start()]):
                found.append(line[start : end.start()])
                start = end.end()
        found.append(line[start:])
    return [part.strip() for part in found if re.search(r"\w", part)]


def _opening(sentence: str) -> str:
    """A sentence normalised, with leading markup, quotes and brackets gone: "**Yes.**" -> "yes."."""
    return _LEADING.sub("", normalize(sentence))


def _begins_with(sentence: str, word: str) -> bool:
    """Whether the sentence's first word is `word`: "Yes," and "**Yes.**" begin with yes; "Not", "No-code" not."""
    return re.match(re.escape(normalize(word)) + r"(?![a-z0-9'-])", _opening(sentence)) is not None


def _mentions(norm_text: str, term: str) -> bool:
    """Normalised substring; a short word ("no", "yes") must stand alone, so "no" is not found in "know"."""
    term = normalize(term)
    if term.isalpha() and len(term) <= 4:
        return re.search(rf"(?<![a-z0-9]){re.escape(term)}(?![a-z0-9])", norm_text) is not None
    return term in norm_text


def _terms(raw: dict, key: str) -> list[str]:
    value = raw.get(key) or []
    if isinstance(value, str):  # "lead": "no" means one term, not the letters n and o
        return [value]
    if not isinstance(value, list):
        raise TypeError(f"{key} must be a list of strings")
    return [str(v) for v in value]


@dataclass
class EvalItem:
    id: str
    turns: list[str]
    evidence: list[str] = field(default_factory=list)
    must_include: list[list[str]] = field(default_factory=list)
    answerable: bool = True
    lead: list[str] = field(default_factory=list)  # one must be in the first sentence: the verdict
    lead_not: list[str] = field(default_factory=list)  # words the first sentence must not begin with
    opens: list[str] = field(default_factory=list)  # the first sentence must begin with one of these
    must_not_include: list[str] = field(default_factory=list)
    ok_if_declined: bool = False  # answerable, but a decline is right too

    @property
    def question(self) -> str:
        return self.turns[-1]

    @property
    def lacks_expected_terms(self) -> bool:
        """An answerable item with no `must_include` and no `lead` (e.g. exported feedback): nothing to score."""
        return self.answerable and not self.must_include and not self.lead and not self.opens


def load_questions(path: Path) -> list[EvalItem]:
    """Read a question file; raises ValueError naming the line of a malformed item."""
    items = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            turns = raw.get("turns") or [raw["question"]]
            item = EvalItem(
                id=str(raw.get("id", lineno)),
                turns=[str(t) for t in turns],
                evidence=list(raw.get("evidence") or []),
                must_include=[list(g) for g in raw.get("must_include") or []],
                answerable=bool(raw.get("answerable", True)),
                lead=_terms(raw, "lead"),
                lead_not=_terms(raw, "lead_not"),
                opens=_terms(raw, "opens"),
                must_not_include=_terms(raw, "must_not_include"),
                ok_if_declined=bool(raw.get("ok_if_declined", False)),
            )
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"{path}:{lineno}: not a question item ({exc})") from exc
        items.append(item)
    return items


@dataclass
class ItemResult:
    item: EvalItem
    answer: Answer
    hit_at_1: bool
    hit_at_k: bool
    answer_ok: bool
    citations_ok: bool
    strict_ok: bool  # answer_ok and every check of `strict_problems`
    reasons: list[str]  # why answer_ok or strict_ok failed, one line each


def _contains_evidence(text: str, evidence: list[str]) -> bool:
    norm = normalize(text)
    return any(normalize(e) in norm for e in evidence)


def citations_valid(answer: Answer) -> bool:
    """At least one `[n]`, and every one names a returned source."""
    cited = answer.cited
    return bool(cited) and all(1 <= n <= len(answer.sources) for n in cited)


def _content_words(text: str) -> set[str]:
    # bot.text.tokenize keeps "AI-generated" whole; its parts count too, so it shares "ai" with "AI".
    return set(tokenize(text)) | set(tokenize(text.replace("-", " ")))


def filler_sentences(answer: Answer, question: str) -> list[str]:
    """Sentences sharing no content word with the question or the best passage (retrieval's first).

    Sentences of fewer than two content words, and captions ending in ":" (they introduce the code
    or list that follows), are not judged.
    """
    ranked = answer.ranked or answer.sources
    known = _content_words(question) | _content_words(ranked[0].text if ranked else "")
    return [
        s
        for s in sentences(answer.text)
        if not s.endswith(":") and len(words := _content_words(s)) >= 2 and not words & known
    ]


def strict_problems(item: EvalItem, answer: Answer) -> list[str]:
    """What the strict score holds against an answer to an answerable item, beyond its terms."""
    said = sentences(answer.text)
    first = said[0] if said else ""
    problems = []
    # As any term is found: "no" is not found in "technology".
    if item.lead and not any(_mentions(normalize(first), term) for term in item.lead):
        problems.append(f"first sentence lacks any of {item.lead}")
    problems += [f"first sentence begins with {normalize(w)!r}" for w in item.lead_not if _begins_with(first, w)]
    if item.opens and not any(_opening(first).startswith(_opening(term)) for term in item.opens):
        problems.append(f"first sentence does not begin with any of {item.opens}")
    norm_answer = normalize(answer.text)
    problems += [f"contains forbidden {t!r}" for t in item.must_not_include if _mentions(norm_answer, t)]
    # A verdict borrowed from one passage stitched to the opposite one from another.
    if any(_begins_with(s, "yes") for s in said) and any(_begins_with(s, "no") for s in said):
        problems.append("both a Yes and a No sentence")
    # The whole conversation is the question: a follow-up's answer may use words of earlier turns.
    problems += [f"filler sentence: {s!r}" for s in filler_sentences(answer, " ".join(item.turns))]
    return problems


def score_item(item: EvalItem, answer: Answer) -> ItemResult:
    # Retrieval is scored on its own ranking: the sources are numbered in the order the answer cites them.
    texts = [p.text for p in answer.ranked or answer.sources]
    hit1 = bool(texts) and _contains_evidence(texts[0], item.evidence)
    hitk = any(_contains_evidence(t, item.evidence) for t in texts)
    norm_answer = normalize(answer.text)
    missing = [g for g in item.must_include if not any(normalize(term) in norm_answer for term in g)]
    if not item.answerable:
        answer_ok = not answer.answered
        reasons = [] if answer_ok else ["answered an unanswerable question"]
    elif not answer.answered:
        answer_ok = item.ok_if_declined
        reasons = [] if answer_ok else ["declined"]
    else:
        answer_ok = not missing
        reasons = [f"missing terms {g}" for g in missing] + strict_problems(item, answer)
    strict_ok = answer_ok and not reasons
    return ItemResult(item, answer, hit1, hitk, answer_ok, citations_valid(answer), strict_ok, reasons)


class Answering(Protocol):
    def ask(self, question: str, history: list[str] | None = None) -> Answer: ...


def run_eval(assistant: Answering, items: list[EvalItem]) -> tuple[dict, list[ItemResult]]:
    """Answer every item (after one warm-up question) and compute the summary figures."""
    assistant.ask(items[0].question if items else "warm up")  # latency is measured warm
    results = [score_item(item, assistant.ask(item.question, item.turns[:-1])) for item in items]
    answerable = [r for r in results if r.item.answerable]
    # A greeting, thanks or "who are you?" gets a reply about the assistant: neither a refusal nor a cited answer.
    unanswerable = [r for r in results if not r.item.answerable and not small_talk(r.item.question)]
    answered = [r for r in results if r.answer.answered and not small_talk(r.item.question)]
    latencies = [r.answer.latency_ms for r in results]

    def share(rows: list[ItemResult], ok) -> float:
        return round(sum(1 for r in rows if ok(r)) / len(rows), 4) if rows else 1.0

    summary = {
        "n": len(results),
        "retrieval_hit_at_1": share(answerable, lambda r: r.hit_at_1),
        "retrieval_hit_at_k": share(answerable, lambda r: r.hit_at_k),
        "answer_accuracy": share(answerable, lambda r: r.answer_ok),
        "strict_answer_accuracy": share(answerable, lambda r: r.strict_ok),
        "refusal_accuracy": share(unanswerable, lambda r: r.answer_ok),
        "citation_validity": share(answered, lambda r: r.citations_ok),
        "context_chars_mean": round(statistics.fmean(sum(len(p.text) for p in r.answer.sources) for r in results), 1)
        if results
        else 0.0,
        "latency_ms_p50": round(percentile(latencies, 50, empty=0.0), 1),
        "latency_ms_p95": round(percentile(latencies, 95, empty=0.0), 1),
    }
    return summary, results


def embedding_floor_ms(embed_query: Callable[[str], object], items: list[EvalItem], repeats: int = 3) -> float:
    """Median time to embed one question with the model: the cost no dense retriever avoids."""
    questions = [item.question for item in items] or ["warm up"]
    embed_query(questions[0])
    timings = []
    for _ in range(repeats):
        for question in questions:
            started = time.perf_counter()
            embed_query(question)
            timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)
