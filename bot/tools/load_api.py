"""`bot load --api`: many concurrent clients of the OpenAI-compatible API (`POST /v1/chat/completions`).

Each client asks its questions one after another, as an intranet page or a chat bot would, with one API
key (shared: its rate limit, `BOT_API_RATE_LIMIT`, must allow the run). The report is `bot load`'s: answers,
errors, p50 and p95 time to the complete answer, first token (the answers are streamed), the server's memory.
"""

from __future__ import annotations

import asyncio
import json
import time

import httpx

from bot.tools.load import LoadReport, Turn, _require_loopback, health


async def _models(client: httpx.AsyncClient) -> list[str]:
    response = await client.get("/v1/models")
    response.raise_for_status()
    return [m["id"] for m in response.json()["data"]]


async def ask(client: httpx.AsyncClient, model: str, question: str) -> Turn:
    """One streamed question; an HTTP error, an error event or an empty answer is the turn's error."""
    turn = Turn(question)
    started = time.perf_counter()
    body = {"model": model, "stream": True, "messages": [{"role": "user", "content": question}]}
    try:
        async with client.stream("POST", "/v1/chat/completions", json=body) as response:
            if response.status_code != 200:
                text = (await response.aread()).decode("utf-8", "replace")
                turn.error = f"HTTP {response.status_code}: {text[:200]}"
                return turn
            parts, done = [], False
            async for line in response.aiter_lines():
                if not line.startswith("data: "):
                    continue
                if line == "data: [DONE]":
                    done = True
                    break
                delta = json.loads(line[6:])["choices"][0]["delta"].get("content") or ""
                if delta and turn.first_token_seconds is None:
                    turn.first_token_seconds = time.perf_counter() - started
                parts.append(delta)
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        turn.error = f"{type(exc).__name__}: {exc}"[:200]
        return turn
    turn.seconds = time.perf_counter() - started
    turn.reply = "".join(parts)
    if not done:
        turn.error = "the stream ended without [DONE]"
    elif not turn.reply.strip():
        turn.error = "empty reply"
    return turn


async def _run_client(url: str, key: str, model: str, questions: list[str], timeout: float, report: LoadReport) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=timeout) as client:
        for question in questions:
            report.turns.append(await ask(client, model, question))


async def run_api_load(
    url: str, questions: list[str], clients: int, per_client: int, key: str, timeout: float = 60, model: str = ""
) -> LoadReport:
    """`clients` API clients at once, each asking `per_client` questions (round-robin) in turn, of `model`
    (default: the first set the key may use)."""
    _require_loopback(url)
    if not key:
        raise ValueError("`bot load --api` needs an API key in BOT_API_KEY (made with `bot api-key create`).")
    url = url.rstrip("/")
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=timeout) as client:
        try:
            model = model or (await _models(client))[0]
        except (httpx.HTTPError, IndexError, KeyError, ValueError) as exc:
            raise ValueError(f"cannot list the API's document sets at {url}/v1/models: {exc}") from None
    report = LoadReport(clients, per_client, unit="clients")
    report.rss_before_mb = health(url)[1].get("rss_mb")
    plans = [[questions[(c * per_client + i) % len(questions)] for i in range(per_client)] for c in range(clients)]
    started = time.perf_counter()
    await asyncio.gather(*(_run_client(url, key, model, plan, timeout, report) for plan in plans))
    report.wall_seconds = time.perf_counter() - started
    await asyncio.sleep(1.0)
    report.rss_after_mb = health(url)[1].get("rss_mb")
    return report
