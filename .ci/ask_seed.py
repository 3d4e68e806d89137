"""Wait for a starting `bot serve` to report healthy, then ask one question over the chat socket, as the
browser does, and check the answer cites a source. Exit 0 on a cited answer; 1 with the reason otherwise.

Usage: ask_seed.py URL QUESTION [--pid PID] [--wait SECONDS]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request


def _alive(pid: int | None) -> bool:
    if pid is None:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_healthy(url: str, pid: int | None, seconds: float) -> dict:
    """The /health body once it says ok; raises when the server stops or the time is up."""
    deadline = time.monotonic() + seconds
    last = "no answer yet"
    while time.monotonic() < deadline:
        if not _alive(pid):
            raise SystemExit(f"the server stopped before it was healthy (last /health: {last})")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
                body = json.loads(response.read())
            if body.get("status") == "ok":
                return body
            last = str(body)
        except urllib.error.HTTPError as exc:
            last = f"{exc.code} {exc.read()[:200]!r}"
        except OSError as exc:
            last = str(exc)
        time.sleep(1)  # polling a server that is still installing and indexing: nothing to wait on instead
    raise SystemExit(f"/health did not say ok within {seconds:.0f} s (last: {last})")


async def ask(url: str, question: str) -> str:
    from bot.tools.load import ChatSession

    session = ChatSession(url, timeout=180)
    await session.connect()
    try:
        turn = await session.ask(question)
    finally:
        await session.close()
    if turn.error:
        raise SystemExit(f"no answer over the chat socket: {turn.error}")
    return turn.reply


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("question")
    parser.add_argument("--pid", type=int)
    parser.add_argument("--wait", type=float, default=1200, help="seconds for install, ingest and start")
    args = parser.parse_args()
    started = time.monotonic()
    health = wait_healthy(args.url, args.pid, args.wait)
    print(f"  healthy after {time.monotonic() - started:.0f} s: {health.get('passages')} passages")
    reply = asyncio.run(ask(args.url, args.question))
    first_line = reply.strip().splitlines()[0] if reply.strip() else ""
    # "[1]" after the answer's first sentence, and its footnote "- [1] <publisher> › <section> · “<title>”"
    cited = re.search(r"\[1\]", first_line) and re.search(r"^- \[1\]\S* .*›", reply, re.M)
    if not cited:
        print(f"  the answer cites no source:\n{reply}", file=sys.stderr)
        return 1
    print(f"  {args.question!r} -> {first_line[:160]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
