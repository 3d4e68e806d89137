"""Replies to messages about the conversation itself: greetings, thanks and "who are you?".

Which messages those are is read by `bot.question.form.small_talk` (whole-message patterns only, so any
question about the documents, "What can you do with an LLM?", is still answered from them). The replies
say what the assistant is, what it knows (the corpus's titles) and how to use it; none is a refusal.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.answer.replies import questions_they_answer
from bot.question.patterns import small_talk
from bot.safe_markdown import inert_markdown
from bot.types import Answer, Retrieval

__all__ = ["HOW_TO_USE", "small_talk", "small_talk_answer", "small_talk_reply"]

HOW_TO_USE = (
    "Ask in your own words or pick a suggestion; click the number after a sentence to read the passage behind it."
)


def small_talk_reply(kind: str, name: str, topics: str, examples: list[str]) -> str:
    """The reply to small talk of `kind` (see `bot.question.form.small_talk`): short, and pointing back at the documents.

    `topics` names the indexed documents (“A” (Publisher) and “B”); `examples` are questions they answer.
    """
    if kind == "thanks":
        return "You're welcome! Ask me anything else about the documents in my library."
    try_these = questions_they_answer(examples)
    if kind == "about":
        return (
            f"I'm {inert_markdown(name)}. I answer questions from the documents in my library, {topics}, "
            f"and say so when they don't cover something. {HOW_TO_USE}{try_these}"
        )
    return f"Hello! I answer questions from the documents in my library. They are about {topics}.{try_these}"


def small_talk_answer(
    retrieval: Retrieval,
    kind: str,
    name: str,
    topics: str | Callable[[], str],
    examples: Callable[[], list[str]],
) -> Answer:
    """Small talk answered: no sources and no citations, and not a refusal (`answered` is true).

    Greetings and "what can you do?" offer the starter questions as buttons; thanks offers nothing.
    """
    topics = topics() if callable(topics) else topics
    offered = [] if kind == "thanks" else list(examples())[:3]
    text = small_talk_reply(kind, name, topics, offered)
    return Answer(retrieval.question, text, True, [], retrieval.query, suggestions=offered)
