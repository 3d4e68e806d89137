"""A chat-completions request body read and checked: the question, the earlier user turns, the set, streaming.

Every problem is an `ApiError` naming the parameter at fault. Fields of OpenAI's protocol this server has no
use for (temperature, max_tokens, tools, ...) are accepted and ignored: the documents decide the answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.web.api.errors import ApiError

MAX_BODY_BYTES = 1 << 20  # 50 messages of a few KB each fit many times over
ROLES = ("user", "assistant", "system")
HISTORY_KEEP = 10  # earlier user turns read as the follow-up context, as the chat keeps (bot.web.conversation)


@dataclass(frozen=True)
class ChatRequest:
    model: str
    question: str  # the last user message
    history: list[str]  # the earlier user messages, oldest first (assistant and system messages are not read)
    stream: bool


def _bad(message: str, code: str, param: str | None) -> ApiError:
    return ApiError(400, message, code, param)


def _text(content, where: str) -> str:
    """A message's text: a string, or OpenAI's list of parts of which only text parts are allowed."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for part in content:
            if not isinstance(part, dict) or part.get("type") != "text" or not isinstance(part.get("text"), str):
                raise _bad(f"{where} may hold only text parts.", "invalid_content", where)
            texts.append(part["text"])
        return "\n".join(texts)
    if content is None:
        return ""
    raise _bad(f"{where} must be a string or a list of text parts.", "invalid_type", where)


def _messages(raw, max_messages: int, max_chars: int) -> list[tuple[str, str]]:
    if raw is None:
        raise _bad("Missing required parameter: 'messages'.", "missing_required_parameter", "messages")
    if not isinstance(raw, list):
        raise _bad("'messages' must be a list of messages.", "invalid_type", "messages")
    if not raw:
        raise _bad("'messages' must hold at least one message.", "empty_array", "messages")
    if len(raw) > max_messages:
        raise _bad(
            f"{len(raw)} messages were sent; this server reads at most {max_messages} in one request.",
            "too_many_messages",
            "messages",
        )
    messages = []
    for i, message in enumerate(raw):
        if not isinstance(message, dict):
            raise _bad(f"messages[{i}] must be an object with a role and a content.", "invalid_type", f"messages[{i}]")
        role = message.get("role")
        if role not in ROLES:
            raise _bad(
                f"messages[{i}].role is {str(role)[:40]!r}; it must be one of 'user', 'assistant' or 'system'.",
                "invalid_role",
                f"messages[{i}].role",
            )
        where = f"messages[{i}].content"
        text = _text(message.get("content"), where)
        if not text.strip():
            raise _bad(f"{where} is empty.", "empty_content", where)
        if role == "user" and len(text) > max_chars:
            raise _bad(
                f"{where} is {len(text):,} characters long; the limit is {max_chars:,}. Please ask a shorter question.",
                "message_too_long",
                where,
            )
        messages.append((role, text))
    if messages[-1][0] != "user":
        raise _bad("The last message must be the user's question.", "last_message_not_user", "messages")
    return messages


def read_request(body: bytes, max_messages: int, max_chars: int) -> ChatRequest:
    """The request in `body`, or an ApiError saying what is wrong with it."""
    if len(body) > MAX_BODY_BYTES:
        raise ApiError(413, f"The request body is over {MAX_BODY_BYTES:,} bytes.", "body_too_large")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise _bad("The request body is not valid JSON.", "invalid_json", None) from None
    if not isinstance(data, dict):
        raise _bad("The request body must be a JSON object.", "invalid_json", None)
    model = data.get("model")
    if model is None:
        raise _bad("Missing required parameter: 'model'.", "missing_required_parameter", "model")
    if not isinstance(model, str) or not model.strip():
        raise _bad("'model' must name a document set (GET /v1/models lists them).", "invalid_type", "model")
    stream = data.get("stream", False)
    if stream is not None and not isinstance(stream, bool):
        raise _bad("'stream' must be true or false.", "invalid_type", "stream")
    messages = _messages(data.get("messages"), max_messages, max_chars)
    asked = [text for role, text in messages if role == "user"]  # system messages never change how it answers
    return ChatRequest(model.strip(), asked[-1], asked[:-1][-HISTORY_KEEP:], bool(stream))
