"""`bot load`: many concurrent chat sessions against a running `bot serve`, over Chainlit's own socket.

Each session connects like the browser does (socket.io on `/ws/socket.io`), asks its questions one
after another and waits for each answer to finish streaming. The report gives throughput, the p50
and p95 time to a complete answer, the errors, and the server's memory before and after (from
`/health`). Only for servers you run: it refuses any address but loopback unless told otherwise.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlparse

from bot.tools.stats import percentile

# Replies the app gives when it could not answer: a load run counts them as errors.
FAILURE_MARKERS = (
    "Sorry, something went wrong",
    "Sorry, I can't answer right now",
    "could not start",
    "You're sending messages faster",
)


@dataclass
class Turn:
    """One question of one session, as the client saw it."""

    question: str
    seconds: float = 0.0
    first_token_seconds: float | None = None
    reply: str = ""
    error: str = ""
    replies: list[str] = field(default_factory=list)  # every assistant message of the turn, notices included


@dataclass
class LoadReport:
    sessions: int
    questions_per_session: int
    turns: list[Turn] = field(default_factory=list)
    wall_seconds: float = 0.0
    rss_before_mb: float | None = None
    rss_after_mb: float | None = None
    unit: str = "sessions"  # what ran at once: chat sessions, or API clients (`bot.tools.load_api`)

    @property
    def errors(self) -> list[Turn]:
        return [t for t in self.turns if t.error]

    def to_dict(self) -> dict:
        done = [t for t in self.turns if not t.error]
        first = [t.first_token_seconds for t in done if t.first_token_seconds is not None]
        growth = (
            self.rss_after_mb - self.rss_before_mb
            if self.rss_after_mb is not None and self.rss_before_mb is not None
            else None
        )
        return {
            "sessions": self.sessions,
            "questions_per_session": self.questions_per_session,
            "answers": len(done),
            "errors": len(self.errors),
            "throughput_per_s": round(len(done) / self.wall_seconds, 2) if self.wall_seconds else 0.0,
            "p50_s": round(percentile([t.seconds for t in done], 50), 3),
            "p95_s": round(percentile([t.seconds for t in done], 95), 3),
            "first_token_p50_s": round(statistics.median(first), 3) if first else None,
            "wall_s": round(self.wall_seconds, 2),
            "server_rss_before_mb": self.rss_before_mb,
            "server_rss_after_mb": self.rss_after_mb,
            "server_rss_growth_mb": round(growth, 1) if growth is not None else None,
        }

    def summary(self) -> str:
        d = self.to_dict()
        lines = [
            f"{d['sessions']} {self.unit} x {d['questions_per_session']} questions: {d['answers']} answers, "
            f"{d['errors']} errors in {d['wall_s']} s ({d['throughput_per_s']} answers/s)",
            f"time to complete answer: p50 {d['p50_s']} s, p95 {d['p95_s']} s; first token p50 {d['first_token_p50_s']} s",
        ]
        if d["server_rss_growth_mb"] is not None:
            lines.append(
                f"server RSS {d['server_rss_before_mb']:.0f} MB before, {d['server_rss_after_mb']:.0f} MB after "
                f"({d['server_rss_growth_mb']:+.1f} MB)"
            )
        lines += [f"  error: {t.question[:60]!r}: {t.error}" for t in self.errors[:10]]
        return "\n".join(lines)


def health(url: str, timeout: float = 10) -> tuple[int, dict]:
    """The app's /health answer (status, index, memory) with its HTTP status, also when that is 503."""
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/health", timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


class ChatSession:
    """One chat over Chainlit's socket.io protocol, as the web page speaks it."""

    def __init__(
        self,
        url: str,
        timeout: float = 60,
        headers: dict[str, str] | None = None,
        thread_id: str | None = None,
        chat_profile: str | None = None,
    ):
        """`thread_id` reopens that stored conversation (as the sidebar does); None starts a new one.
        `chat_profile` is the document set picked on the welcome screen (None: the first)."""
        try:
            # lazy: python-socketio, the `bench` extra
            import socketio
        except ImportError as exc:
            raise ImportError(
                "`bot load` needs the 'bench' extra (python-socketio is not installed): pip install -e '.[bench]'",
                name=exc.name,
            ) from exc

        self.url = url.rstrip("/")
        self.thread_id = thread_id
        self.chat_profile = chat_profile
        self.session_id: str | None = None  # set at connect; a test may set it first to name another session
        self.timeout = timeout
        self.headers = headers or {}
        self.client = socketio.AsyncClient(reconnection=False)
        self._events: asyncio.Queue = asyncio.Queue()
        # What the app said as the chat started (a "history is off" notice) shows before the first
        # answer: it counts with the first turn.
        self._start_replies: list[str] = []
        self.window_messages: list = []  # what the app sent the page itself (bot.web.conversation.announce_thread)
        self.client.on("window_message", self.window_messages.append)
        for name in ("new_message", "update_message", "stream_start", "stream_token", "task_start", "task_end"):
            self.client.on(name, self._recorder(name))
        self.client.on("first_interaction", self._note_thread)

    async def _note_thread(self, data=None) -> None:
        if isinstance(data, dict) and data.get("thread_id"):
            self.thread_id = data["thread_id"]  # the server names the conversation at its first message

    def _recorder(self, name: str):
        async def record(data=None) -> None:
            await self._events.put((name, data, time.perf_counter()))

        return record

    async def connect(self) -> None:
        self.session_id = self.session_id or str(uuid.uuid4())
        auth = {
            "clientType": "webapp",
            "sessionId": self.session_id,
            "threadId": self.thread_id,
            "userEnv": "{}",
            "chatProfile": self.chat_profile,
        }
        await self.client.connect(
            self.url,
            socketio_path="/ws/socket.io",
            transports=["websocket"],
            auth=auth,
            headers=self.headers,
            wait_timeout=self.timeout,
        )
        started = time.perf_counter()
        await self.client.emit("connection_successful")
        # Chainlit answers with a task_end of its own (no task_start), then runs the app's on_chat_start
        # or on_chat_resume as a task (both are defined): wait for that one to end too, or its task_end
        # could arrive during the first answer and be taken for the answer's.
        await self._until_task_end(started, open_tasks=1)
        self._start_replies = await self._until_task_end(started)

    async def named_thread(self, timeout: float | None = None) -> str | None:
        """The conversation's id. The server names it at the first message, in a "first_interaction" event sent
        once it has stored the conversation: on a busy machine that comes after the answer's task_end."""
        deadline = time.perf_counter() + (self.timeout if timeout is None else timeout)
        while self.thread_id is None and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
        return self.thread_id

    async def ask(self, question: str) -> Turn:
        """Send one message and wait until the app has finished answering it."""
        turn = Turn(question)
        started = time.perf_counter()
        message = {
            "id": str(uuid.uuid4()),
            "threadId": None,
            "parentId": None,
            "name": "User",
            "type": "user_message",
            "output": question,
            "createdAt": datetime.now(UTC).isoformat(),
        }
        await self.client.emit("client_message", {"message": message, "fileReferences": None})
        try:
            replies = await self._until_task_end(started, turn)
        except TimeoutError:
            turn.error = f"no complete answer within {self.timeout:.0f} s"
            return turn
        turn.seconds = time.perf_counter() - started
        await self.named_thread()  # a caller may reopen or read this conversation next
        turn.replies, self._start_replies = self._start_replies + replies, []
        turn.reply = replies[-1] if replies else ""
        if not turn.reply.strip():
            turn.error = "empty reply"
        elif any(marker in turn.reply for marker in FAILURE_MARKERS):
            turn.error = turn.reply.splitlines()[0][:200]
        return turn

    async def _until_task_end(self, started: float, turn: Turn | None = None, open_tasks: int = 0) -> list[str]:
        """Final contents of the assistant messages sent until the app's tasks have all ended: the task_end
        that leaves none open, once one has started (or `open_tasks` were open already)."""
        contents: dict[str, str] = {}
        deadline = started + self.timeout
        begun = open_tasks > 0
        while True:
            name, data, at = await asyncio.wait_for(self._events.get(), max(0.01, deadline - time.perf_counter()))
            if name == "task_start":
                open_tasks, begun = open_tasks + 1, True
            elif name == "task_end":
                open_tasks = max(0, open_tasks - 1)
                if begun and not open_tasks:
                    return [c for c in contents.values() if c]
            if name == "stream_token" and turn is not None and turn.first_token_seconds is None:
                turn.first_token_seconds = at - started
            if (
                name in ("new_message", "update_message")
                and isinstance(data, dict)
                and data.get("type") in ("assistant_message", "system_message")  # answers, and notices such as a limit
                and data.get("output") is not None
            ):
                contents[data["id"]] = data["output"]

    async def close(self) -> None:
        await self.client.disconnect()


async def _run_session(url: str, questions: list[str], timeout: float, report: LoadReport, client: str) -> None:
    # Each session plays its own user behind a proxy: a server that trusts this machine as a proxy
    # (BOT_TRUSTED_PROXIES) limits each one separately; any other server ignores the header.
    session = ChatSession(url, timeout, headers={"X-Forwarded-For": client})
    try:
        await session.connect()
    except Exception as exc:  # noqa: BLE001 - every failure is an error of this run, reported below
        report.turns += [Turn(q, error=f"could not connect: {type(exc).__name__}: {exc}") for q in questions]
        return
    try:
        for question in questions:
            report.turns.append(await session.ask(question))
    finally:
        await session.close()


def _require_loopback(url: str) -> None:
    host = urlparse(url).hostname or ""
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"`bot load` only drives a server on this machine (127.0.0.1), not {host!r}.")


async def _warm_health(url: str, timeout: float) -> tuple[int, dict]:
    """/health once the server has finished its start-up warm-up (or after `timeout`): memory read while it
    loads its word lists and answers its first question would count that one-off loading as growth."""
    deadline = time.monotonic() + timeout
    while True:
        status, body = health(url)
        if body.get("warm", True) or time.monotonic() > deadline:  # an older server has no "warm"
            return status, body
        await asyncio.sleep(0.2)


async def run_load(url: str, questions: list[str], sessions: int, per_session: int, timeout: float = 60) -> LoadReport:
    """Open `sessions` chats at once; each asks `per_session` questions (taken round-robin) in turn."""
    _require_loopback(url)
    report = LoadReport(sessions, per_session)
    report.rss_before_mb = (await _warm_health(url, timeout))[1].get("rss_mb")
    plans = [[questions[(s * per_session + i) % len(questions)] for i in range(per_session)] for s in range(sessions)]
    started = time.perf_counter()
    # Addresses from 198.18.0.0/15, the range set aside for benchmarks: only a header, never contacted.
    clients = [f"198.18.{s // 256}.{s % 256}" for s in range(sessions)]
    await asyncio.gather(*(_run_session(url, plan, timeout, report, c) for plan, c in zip(plans, clients)))
    report.wall_seconds = time.perf_counter() - started
    await asyncio.sleep(1.0)  # let the server finish closing sessions before reading its memory
    report.rss_after_mb = health(url)[1].get("rss_mb")
    return report
