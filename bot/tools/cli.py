"""The `bot` command: ingest, ask, eval, serve, load, bench; the parser and `main` (the commands: `bot.tools.commands`)."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from bot.settings import PROVIDERS, get_settings
from bot.tools.commands import (
    cmd_ask,
    cmd_bench,
    cmd_eval,
    cmd_feedback,
    cmd_hash_password,
    cmd_ingest,
    cmd_load,
    cmd_serve,
    fail,
)

CORPUS_HELP = "folder of documents to use instead of BOT_CORPUS_DIR (indexed in index/corpora/)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bot", description="A chat assistant grounded in the documents in corpus/.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="index the corpus (only what changed)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--wait", type=float, default=0, help="seconds to wait for another running ingest")
    p.add_argument("--corpus", metavar="DIR", help=CORPUS_HELP)
    p.add_argument("--set", metavar="NAME", help="with BOT_SETS_DIR: only this document set (default: every set)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("ask", help="answer one question")
    p.add_argument("question")
    p.add_argument("--history", action="append", metavar="TURN", help="an earlier user turn (repeatable, oldest first)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--llm", choices=PROVIDERS, help="answerer to use (default from settings: BOT_LLM)")
    p.add_argument("--corpus", metavar="DIR", help=CORPUS_HELP)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", help="score the assistant on a JSONL question file")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.add_argument("--compare", choices=["naive"], help="also score the common recipe on the same file")
    p.add_argument("--llm", choices=PROVIDERS, help="answerer to score (default from settings: BOT_LLM)")
    p.add_argument("--corpus", metavar="DIR", help="score against this folder of documents, in a throwaway index")
    p.add_argument(
        "--answers", metavar="FILE", help="also write every answer (text, answered, sources) as JSONL, to compare runs"
    )
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("serve", help="run the chat app (Chainlit, headless)")
    p.add_argument("--host", help="address to listen on (default from settings: 127.0.0.1)")
    p.add_argument("--port", type=int, help="port to listen on (default from settings: 8000)")
    p.add_argument("--corpus", metavar="DIR", help=CORPUS_HELP)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("load", help="load-test a running `bot serve` with many chat sessions at once")
    p.add_argument("file", help="JSONL question file (e.g. the public eval file)")
    p.add_argument("--url", help="the running app (default from settings: http://127.0.0.1:8000)")
    p.add_argument("--sessions", type=int, default=50, help="concurrent chat sessions")
    p.add_argument("--questions", type=int, default=4, help="questions each session asks, one after another")
    p.add_argument("--timeout", type=float, default=60, help="seconds to wait for one answer")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.set_defaults(func=cmd_load)

    p = sub.add_parser("bench", help="measure speed, memory and scale, side by side with the common recipe")
    p.add_argument(
        "--quick",
        action="store_true",
        help="1x corpus only, one repetition (a smoke run)",
    )
    p.add_argument("--questions", default="../shared/eval/questions.jsonl", help="JSONL question file")
    p.add_argument("--out", default="bench", help="folder for results.md and results.png")
    p.add_argument("--work", default="bench/out", help="folder for synthetic corpora and throwaway indexes")
    p.add_argument(
        "--documents",
        nargs="*",
        default=["../shared/corpora/r-faq", "../shared/corpora/python-faq"],
        metavar="DIR",
        help="folders of real documents whose ingest to time (full run only; missing ones are skipped)",
    )
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("feedback", help="work with the ratings users gave answers")
    feedback_sub = p.add_subparsers(dest="feedback_command", required=True)
    p = feedback_sub.add_parser("export", help="print stored feedback as JSONL in the eval file's format")
    p.add_argument("--since", metavar="DATE", help="only feedback given on or after DATE (YYYY-MM-DD)")
    p.add_argument("--rating", choices=["up", "down"], help="only thumbs up or thumbs down")
    p.set_defaults(func=cmd_feedback)

    p = sub.add_parser("hash-password", help="print a bcrypt hash for BOT_LOGIN_USERS (the password is not echoed)")
    p.add_argument("--stdin", action="store_true", help="read the password from standard input (for scripts)")
    p.set_defaults(func=cmd_hash_password)
    return parser


def main(argv: list[str] | None = None) -> int:

    logging.basicConfig(level=logging.WARNING, format="bot: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args, get_settings())
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a clear line, not a stack trace, for expected failures
        # lazy: start-up time: the index stack only on a failure
        from bot.ingest.index import IndexUnavailable

        if isinstance(exc, (IndexUnavailable, ValueError, OSError, ImportError)):  # ImportError: names the extra
            return fail(str(exc))
        raise


def run() -> None:
    """The `bot` command. After `ask` it leaves without tearing down torch, transformers and Chroma:
    freeing those modules takes 1-2 s after the answer is out, and `ask` has nothing to close."""
    argv = sys.argv[1:]
    code = main(argv)
    if argv[:1] == ["ask"]:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    run()
