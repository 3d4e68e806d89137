"""Chainlit chat UI. Handlers stay thin: the work happens in `bot.assistant`, off the event loop.

Every chat event (start, resume, message, settings, suggested question) has its thin handler here; the
server around it is set up in `bot.web.server`, the assistant is loaded (with /health) in `bot.web.loading`.
"""

from __future__ import annotations

import asyncio
import logging
import re

import chainlit as cl

from bot.answer.present import SEARCH_STEP, reply_markdown, retrieval_summary, source_views
from bot.safe_stream import StreamSanitizer
from bot.settings import PROVIDERS, get_settings
from bot.web import attachments, conversation, opening, uploads
from bot.web.api.routes import install_api
from bot.web.branding import install_branding
from bot.web.guard import ORIGINAL_CHARS, SlidingWindowLimit, client_key
from bot.web.history import install_history
from bot.web.limits import shared_store
from bot.web.loading import corpus_overview, get_assistant, health, readme, set_named, sets_for, start_loading
from bot.web.server import install_server, show_identity

log = logging.getLogger("bot.web.app")


async def _welcome_of(name: str | None, user: str | None):
    """(settings, overview) of the set `name` (None: the first) for the welcome screen, if `user` may see it."""
    document_set = set_named(name, user)
    return None if document_set is None else (document_set.settings, await corpus_overview(document_set))


# The name from settings at once; the description once the corpus is known.
show_identity(get_settings().assistant_name, get_settings().assistant_description)
install_server(health, readme)
install_branding(_welcome_of)  # logo, favicon, avatar, colour, welcome text
uploads.install_upload_limit()  # an upload over BOT_UPLOAD_MAX_MB is refused before it is read
uploads.name_chats_by_their_buttons()
install_history(get_settings())  # conversations and feedback in a database (bot.history.store)
attachments.install_cleanup()  # a conversation's attached file is deleted with it
conversation.install_download()  # the chat as Markdown, for the page header's button
install_api()  # the OpenAI-compatible API beside the chat (bot.web.api)


@cl.on_app_startup
async def warm_up() -> None:
    start_loading()  # in the background, so the first visitor rarely waits; failures surface per chat


STARTER_LABEL_CHARS = 80  # a longer question is shortened on its button; the full one is sent


def _button_label(question: str) -> str:
    return question if len(question) <= STARTER_LABEL_CHARS else question[: STARTER_LABEL_CHARS - 1] + "…"


async def _starters_of(document_set, overview=None) -> list[cl.Starter]:
    # Waits for the index on a fresh start: the starters are the set's own.
    overview = overview or await corpus_overview(document_set)
    questions = overview.starters if overview else document_set.settings.starters
    return [cl.Starter(label=_button_label(q), message=q) for q in questions]


def _user_name(user) -> str | None:
    return getattr(user, "identifier", None)


@cl.set_starters
async def starters(user=None, language=None):
    document_set = set_named(None, _user_name(user))
    return await _starters_of(document_set) if document_set else []


@cl.set_chat_profiles
async def chat_profiles(user=None, language=None):
    """One profile per document set this user may see (none without `BOT_SETS_DIR`: the page stays as it was)."""
    if get_settings().sets_dir is None:
        return None
    profiles = []
    for i, s in enumerate(sets_for(_user_name(user))):
        overview = await corpus_overview(s)  # once per set: its starters and its description
        profiles.append(
            cl.ChatProfile(
                name=s.name,
                display_name=s.title,
                markdown_description=_profile_description(s, overview),
                starters=await _starters_of(s, overview),
                default=i == 0,
            )
        )
    return profiles


def _profile_description(document_set, overview) -> str:
    """What the set picker says of a set: its own welcome line when its `set.toml` gives one, else what its
    documents are ("Answers questions from “A” and “B”, ..."), not the server's welcome repeated for every set."""
    if document_set.settings.welcome != get_settings().welcome or overview is None:
        return document_set.settings.welcome
    return overview.description


def _chat_set():
    """The document set this chat asks (its chat profile, or the first one this user may see); None if the
    chat names a set this user may not see (a forged profile, or a set limited since)."""
    session = cl.context.session
    return set_named(session.chat_profile, _user_name(session.user))


async def _announce_set() -> None:
    """Keep which set this chat asks; a notice if none."""
    document_set = _chat_set()
    if document_set is None:
        text = "This document set is not available to you. Please start a new chat and pick another."
        await opening.send(cl.Message(content=text, type="system_message"))
        return
    cl.user_session.set("set", document_set.name)


async def _tell_page() -> None:
    """Tell the page which set this chat asks (public/bot.js shows its welcome) and which conversation it is,
    and give its composer the commands this user may use."""
    document_set = _chat_set()
    if document_set is not None and get_settings().sets_dir is not None:
        await cl.send_window_message({"botSet": document_set.name})
    await conversation.announce_thread()
    await attachments.offer_attach()


opening.install(_tell_page)  # a page that reconnects before its first question gets the chat's opening again


STREAM_WORDS = 6  # words per streamed chunk of a ready-made answer: visibly streams, few socket events


def _may_switch_answerer() -> bool:
    """Whether this chat's user may pick the answerer: only if settings allow it, and only when logged in if login is on."""
    settings = get_settings()
    return settings.answerer_switch and (not settings.login or cl.context.session.user is not None)


@cl.on_chat_start
async def start() -> None:
    cl.user_session.set("history", [])
    default = get_settings().llm
    cl.user_session.set("provider", default)
    await _announce_set()
    await _tell_page()
    await conversation.notify_if_history_off()
    await uploads.offer_upload(_chat_set(), _user_name(cl.context.session.user))
    if not _may_switch_answerer():
        return
    await opening.send(
        cl.ChatSettings(
            [
                cl.input_widget.Select(
                    id="provider",
                    label="Answerer",
                    values=list(PROVIDERS),
                    initial_index=PROVIDERS.index(default),
                    description="extractive quotes the documents (offline); the others write with a language model, "
                    "checked against the documents.",
                )
            ]
        )
    )


@cl.on_chat_resume
async def resume(thread: dict) -> None:
    """A conversation reopened from the sidebar (its owner only: Chainlit checks): restore its follow-up context."""
    cl.user_session.set("provider", get_settings().llm)
    conversation.restore(thread)
    # The set its answers were given from (Chainlit's copy in the thread's metadata is written only when a chat
    # disconnects, and a reopened page may name its last picked profile instead).
    recorded = conversation.set_of_thread(thread)
    if recorded:
        cl.context.session.chat_profile = recorded
    attachments.restore(thread.get("id") or "")
    await _announce_set()
    await _tell_page()
    await conversation.notify_if_history_off()
    await uploads.offer_upload(_chat_set(), _user_name(cl.context.session.user))


@cl.action_callback(uploads.MANAGE_ACTION)
async def manage_documents(action: cl.Action) -> None:
    """An editor's list of the set's documents, each with a Remove button; refused to anyone else."""
    document_set = _chat_set()
    assistant = await get_assistant(notify=True, document_set=document_set) if document_set else None
    await uploads.list_documents(document_set, _user_name(cl.context.session.user), assistant)


@cl.action_callback(uploads.REMOVE_ACTION)
async def remove_document(action: cl.Action) -> None:
    """An editor's Remove: the document's file and passages leave the set; refused to anyone else."""
    document_set = _chat_set()
    assistant = await get_assistant(notify=True, document_set=document_set) if document_set else None
    name = (action.payload or {}).get("name")
    await uploads.remove_document(document_set, _user_name(cl.context.session.user), name, assistant)


@cl.action_callback(uploads.UPLOAD_ACTION)
async def add_documents(action: cl.Action) -> None:
    """An editor's "Add documents": refused to anyone else, however the click arrived."""
    user = _user_name(cl.context.session.user)
    document_set = _chat_set()
    await uploads.ask_for_files(document_set, user, action.forId, lambda: uploads.offer_upload(document_set, user))


@cl.on_settings_update
async def settings_update(values: dict) -> None:
    provider = values.get("provider", "extractive") if isinstance(values, dict) else None
    if provider not in PROVIDERS:
        return
    if not _may_switch_answerer():
        log.warning("refused an answerer change to %r: BOT_ANSWERER_SWITCH is off", provider)
        cl.context.session.chat_settings.clear()  # Chainlit stored the refused form before calling us
        await _notice("Choosing the answerer is turned off on this server.")
        return
    cl.user_session.set("provider", provider)
    assistant = await get_assistant(notify=True, document_set=_chat_set())
    notice = await cl.make_async(assistant.provider_notice)(provider)
    await _notice(notice or f"Answers now come from: {provider}.")


async def _notice(text: str) -> None:
    """A reply that is not an answer (a limit, an error, a setting changed): Chainlit offers thumbs only under
    a run's last `assistant_message`, and there is nothing here to rate."""
    await cl.Message(content=text, type="system_message").send()


def rate_limit_reply(wait: float) -> str:
    """Says that a limit was reached, which one, and when to ask again."""
    settings = get_settings()
    window = settings.rate_limit_window_seconds
    per = "a minute" if window == 60 else f"{window:g} seconds"
    return (
        f"This server accepts at most {settings.rate_limit_messages} messages {per} from one person, and that limit "
        f"is reached. Please ask again in {max(1, round(wait))} seconds."
    )


def _unavailable_reply(exc: Exception) -> str:
    return f"Sorry, I can't answer right now. {exc} Please try again in a moment."


_MESSAGE_LIMIT = SlidingWindowLimit(
    get_settings().rate_limit_messages, get_settings().rate_limit_window_seconds, shared_store(), "messages"
)


def _client_key() -> str:
    """Who is asking in this chat (`bot.web.guard.client_key`)."""
    return client_key(cl.context.session)


def _over_rate_limit() -> float:
    """Seconds to wait if this user (when logged in) or this client address sent too many messages, else 0."""
    return _MESSAGE_LIMIT.wait_seconds(_client_key())


SUGGEST_ACTION = "ask_suggestion"
OFFERED_KEEP = 30  # suggestion buttons a chat remembers; a click on an older one does nothing


def _offer(suggestions: list[str]) -> list[cl.Action]:
    """One button per suggested question, remembered in the session: a click can only ask what was offered."""
    actions = [cl.Action(name=SUGGEST_ACTION, payload={"question": q}, label=_button_label(q)) for q in suggestions]
    offered = (cl.user_session.get("offered") or {}) | {a.id: actions for a in actions}
    cl.user_session.set("offered", dict(list(offered.items())[-OFFERED_KEEP:]))
    return actions


@cl.action_callback(SUGGEST_ACTION)
async def ask_suggestion(action: cl.Action) -> None:
    """A suggested question clicked: shown as the user's message and answered as if typed."""
    offered: dict[str, list[cl.Action]] = cl.user_session.get("offered") or {}
    group = offered.get(action.id)
    if not group:  # the request names no button this chat was shown: forged, or from a long-gone answer
        log.warning("ignored a click on an unknown suggestion")
        return
    for sibling in group:  # all at once, before any await: a second click finds nothing
        offered.pop(sibling.id, None)
    question = next(a.payload["question"] for a in group if a.id == action.id)  # ours, not the client's copy
    await asyncio.gather(*(sibling.remove() for sibling in group))
    author = getattr(cl.context.session.user, "identifier", "User")  # as the chat page names a typed message
    await cl.Message(content=question, author=author, type="user_message").send()
    await cl.context.emitter.task_start()  # as for a typed message: the input is busy until the reply ends
    try:
        await _answer(question)
    finally:
        await cl.context.emitter.task_end()


@cl.on_message
async def on_message(message: cl.Message) -> None:
    if message.command == attachments.ATTACH_COMMAND:  # a file for this conversation first, then the question
        attached = await attachments.attach(message.id)
        if not attached or not message.content.strip():
            return
    await _answer(message.content, (message.metadata or {}).get(ORIGINAL_CHARS))


async def _answer(question: str, original_chars: int | None = None) -> None:
    """Answer `question` in the chat: a typed message and a clicked suggestion alike."""
    # lazy: the assistant's and the index's code loads in the background after start-up (`bot.web.loading`)
    from bot.assistant import InvalidQuestion, too_long
    from bot.ingest.index import IndexUnavailable

    wait = _over_rate_limit()
    if wait:
        await _notice(rate_limit_reply(wait))
        return
    if isinstance(original_chars, int) and original_chars > len(question):  # cut down on arrival (see bot.web.guard)
        await _notice(str(too_long(original_chars, get_settings().max_question_chars)))
        return
    await conversation.wait_for_resume()
    history: list[str] = cl.user_session.get("history") or []
    document_set = _chat_set()
    if document_set is None:
        await _notice("This document set is not available to you. Please start a new chat and pick another.")
        return
    try:
        # A file attached to this conversation answers instead of the set (`bot.web.attachments`).
        assistant = await attachments.attached_assistant() or await get_assistant(
            notify=True, document_set=document_set
        )
    except IndexUnavailable as exc:
        await _notice(_unavailable_reply(exc))
        return
    except Exception:
        log.exception("could not load the assistant")
        await _notice("Sorry, the assistant could not start. The server log says why.")
        return

    provider = cl.user_session.get("provider") or get_settings().llm
    reply = cl.Message(content="")
    shown = StreamSanitizer()  # one per answer: only text that can never load or link anything reaches the browser

    def on_token(token: str) -> None:  # called from the worker thread while the model writes
        safe = shown.feed(token)  # an unfinished image, link, tag or URL is held back until it is complete
        if safe:
            cl.run_sync(reply.stream_token(safe))

    try:
        form = await cl.make_async(assistant.read)(question, history, provider)  # read once, for every stage
        if form.small_talk:  # "thanks!", "who are you?": answered about the assistant, no search to show
            retrieval = await cl.make_async(assistant.retrieve)(form, history, provider)
        else:  # the step shows what was searched for and found as text, not the question as a JSON block
            async with cl.Step(name=SEARCH_STEP, type="retrieval", show_input=False) as step:
                step.input = question[:500]
                retrieval = await cl.make_async(assistant.retrieve)(form, history, provider)
                step.output = retrieval_summary(retrieval)
        answer = await cl.make_async(assistant.compose)(retrieval, provider, on_token, _client_key())
        if not form.small_talk and retrieval.decision and answer.answered != retrieval.decision.answer:
            step.output = retrieval_summary(retrieval, answer)  # the answerer declined after all: say so, and why
            await step.update()
    except InvalidQuestion as exc:
        await _notice(str(exc))
        return
    except IndexUnavailable as exc:
        log.warning("%s", exc)
        await _notice(_unavailable_reply(exc))
        return
    except Exception:
        log.exception("answering failed")
        await _notice("Sorry, something went wrong while answering. Please try again.")
        return

    rest = shown.flush()  # what the model's last words left held back, cleaned
    if rest:
        await reply.stream_token(rest)
    if not reply.content:  # extractive answers are complete at once; stream them a few words at a time
        words = re.findall(r"\S+\s*", answer.text)
        for start in range(0, len(words), STREAM_WORDS):
            await reply.stream_token("".join(words[start : start + STREAM_WORDS]))
    # Each file's passages in reading order: a source shows the whole section it is part of.
    documents = await cl.make_async(lambda: assistant.retriever.live_view().documents())()
    sources = source_views(answer, documents)
    # The checked answer, its sources and notes replace whatever the model streamed.
    reply.content = reply_markdown(answer, sources)
    reply.elements = [cl.Text(name=s.name, content=s.content, display="side") for s in sources]
    reply.actions = _offer(answer.suggestions) if answer.suggestions else []
    conversation.remember(question, retrieval.question, answer, provider, reply)  # saved with the reply
    if get_settings().sets_dir is not None:  # the set answered from, kept with the answer for a resume
        reply.metadata = (reply.metadata or {}) | {"set": document_set.name}
    await reply.send()  # ends the stream with the final (checked) content and the source elements
    history.append(retrieval.question)
    cl.user_session.set("history", history[-10:])
    await conversation.notify_if_history_off()  # the database may have gone away mid-chat
