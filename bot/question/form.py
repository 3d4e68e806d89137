"""One reading of a question: `read_question` makes a `QuestionForm` once, and every later stage reads its
fields, never the question again. The patterns it applies are the table in `bot.question.patterns`."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from bot.question.followup import condense_reading, pair_of, question_parts, side_questions
from bot.question.patterns import PATTERNS as _P
from bot.question.patterns import (
    asked_kind,
    defined_phrase,
    last_sentence,
    named_terms,
    small_talk,
    yes_no_clause,
)
from bot.text import tokenize
from bot.types import QuestionForm


def read_question(
    question: str,
    history: list[str] | None = None,
    *,
    query: str | None = None,
    respell: Callable[[str], str] | None = None,
    closest: Callable[[str, list[str]], int] | None = None,
) -> QuestionForm:
    """The one reading of `question` in the light of `history` (earlier user turns, oldest first).

    `respell` puts words in the corpus's spelling; `closest` picks which earlier phrase a new one stands in
    for (`bot.question.followup.condense`); `query` is a standalone rewrite the caller already has (a language
    model's). Small talk is searched as it is: "thanks!" after a question is no follow-up to it."""
    talk = small_talk(question)
    stripped = _P["yes_or_no_aside"].regex.sub("", question).strip() or question
    # "... list please" asks for the answer as a list; "list" is no word of what is asked about
    aside = None if talk else _P["list_aside"].find(stripped)
    asked = stripped[: aside.start()].strip() if aside else ""  # "list please" alone is the question
    listed = bool(aside and asked)
    if listed:
        stripped = asked + ("?" if "?" in aside.group() else "")
    if respell is not None:
        stripped, history = respell(stripped), [respell(h) for h in history or []]
    glued = False
    if not query:
        query, glued = (stripped, False) if talk else condense_reading(stripped, history or [], closest)
    form = _read(question, stripped, query, talk)
    if listed:
        form = dataclasses.replace(form, wants_list=True)
    # "Tell me more" goes on from the answer before; "Give me an example." may repeat an example it gave.
    if history and not talk and _P["bare_request"].find(stripped) and "example" not in stripped.lower():
        form = dataclasses.replace(form, more=True)
    if glued:
        form = dataclasses.replace(form, alone=read_question(question, respell=respell))
    parts = None if talk else question_parts(stripped)
    if parts:
        first = read_question(parts[0], history, closest=closest)
        second = read_question(parts[1], [*(history or []), parts[0]], closest=closest)
        # "What is a GAN, and who invented it?" defines "GAN", not "a GAN, and who invented it".
        definition = {"defined": first.defined, "defined_name": first.defined_name}
        form = dataclasses.replace(form, parts=(first, second), definition_terms=first.definition_terms, **definition)
    return form


def _read(asked: str, question: str, query: str, talk: str = "", sides: bool = True) -> QuestionForm:
    # "Why?" after a yes/no question reads as that question, but asks why.
    clause = "" if _P["asks_open"].find(last_sentence(question)) else yes_no_clause(query)
    yes_no = bool(clause)
    words = [w for w in tokenize(clause) if not _P["adverb"].find(w) and not _P["indefinite_pronoun"].find(w)]
    defined = defined_phrase(query)
    tool = _P["tool_slot"].find(question)
    who = _P["asks_who_wrote_documents"].find(question)  # "Who wrote these articles?": about the documents too
    about = _P["asks_about_documents"].find(question) or who
    return QuestionForm(
        asked=asked,
        question=question,
        query=query,
        small_talk=talk,
        yes_no=yes_no,
        # "Is that a bug?" is about what "that" stands for, not about bugs.
        subject=words[0] if words and not _P["points_back_subject"].find(clause) else "",
        defined=defined,
        defined_name=_P["article"].regex.sub("", defined),
        definition_terms=frozenset(tokenize(defined)),
        # "Can I cap how much bandwidth APT uses?" asks whether, not how much: a yes/no question wants no amount.
        # "Is there a phone number for ...?" is answered yes only by the number.
        kind=asked_kind(query) if not yes_no or asked_kind(query) == "phone" else "",
        names=tuple(named_terms(question)),
        tool=tool.group(1) if tool else "",
        wants_list=bool(_P["asks_for_list"].find(query)),
        wants_names=bool(_P["asks_for_names"].find(query)),
        wants_code=bool(_P["asks_for_code"].find(query)),
        how_to=bool(_P["asks_how_to"].find(query)),
        spell_out=(spelled.group(1) if (spelled := _P["spell_out"].find(query)) else ""),
        wants_summary=bool(_P["asks_for_summary"].find(query)),
        compare=bool(_P["asks_to_compare"].find(query)),
        about_documents=about.group("noun").lower() if about else "",
        about_which=(about.groupdict().get("which") or "").strip() if about else "",
        who_wrote=bool(who),
        membership=yes_no and bool(_P["membership"].find(query)),
        asker_acts=bool(_P["asker_acts"].find(query)),
        pair=pair_of(query),
        sides=tuple(_read(side, side, side, sides=False) for side in side_questions(query) or ()) if sides else (),
    )
