"""An answer as OpenAI's chat completion, whole or as a stream of chunks, with its sources in an extra field.

The text is the chat's answer made inert (`bot.safe_markdown`), its `[n]` citations kept: a client that
knows nothing of them shows readable text. Extra fields, which OpenAI clients keep and ignore: `sources`
(one per cited `[n]`: title, publisher, heading, page, file, the quoted sentences and the whole passage),
`declined` (true when the documents do not cover the question: the text says so), `suggestions` (questions
the documents do answer, on a decline) and `notes` (the chat's lines under an answer).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator

from bot.answer.present import answer_notes
from bot.safe_markdown import inert_markdown, whole_addresses
from bot.types import Answer

STREAM_WORDS = 6  # words per chunk, as the chat streams a ready-made answer


def sources(answer: Answer) -> list[dict]:
    """One entry per source the text cites, by its number."""
    return [
        {
            "n": n,
            "title": p.title,
            "publisher": p.publisher,
            "heading": p.heading,
            "page": p.location,
            "file": p.source,
            "quotes": list(answer.used_sentences.get(n, [])),
            "text": p.text,
        }
        for n, p in answer.cited_sources
    ]


def extras(answer: Answer) -> dict:
    return {
        "declined": not answer.answered,
        "sources": sources(answer),
        "suggestions": list(answer.suggestions) if not answer.answered else [],
        "notes": answer_notes(answer),
    }


def text_of(answer: Answer) -> str:
    """The answer's text for a client: inert, but an e-mail address whole (a mail link opens nothing but a mail
    program)."""
    return whole_addresses(inert_markdown(answer.text))


class Completion:
    """The id, time and set one reply shares across its whole body or all its chunks."""

    def __init__(self, model: str):
        self.id = f"chatcmpl-{uuid.uuid4().hex}"
        self.created = int(time.time())
        self.model = model

    def _head(self, kind: str) -> dict:
        return {"id": self.id, "object": kind, "created": self.created, "model": self.model}

    def whole(self, answer: Answer) -> dict:
        message = {"role": "assistant", "content": text_of(answer)}
        choice = {"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}
        return self._head("chat.completion") | {"choices": [choice]} | extras(answer)

    def _chunk(self, delta: dict, finish: str | None = None) -> dict:
        choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
        return self._head("chat.completion.chunk") | {"choices": [choice]}

    def chunks(self, answer: Answer) -> Iterator[dict]:
        """The role, the text a few words at a time, then an empty delta that ends it, carrying the extras."""
        yield self._chunk({"role": "assistant", "content": ""})
        words = re.findall(r"\s*\S+\s*", text_of(answer))  # joined, the chunks are exactly the whole text
        for start in range(0, len(words), STREAM_WORDS):
            yield self._chunk({"content": "".join(words[start : start + STREAM_WORDS])})
        yield self._chunk({}, "stop") | extras(answer)

    def events(self, answer: Answer) -> Iterator[str]:
        """The chunks as server-sent events, ending with `data: [DONE]`."""
        for chunk in self.chunks(answer):
            yield f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"
        yield "data: [DONE]\n\n"
