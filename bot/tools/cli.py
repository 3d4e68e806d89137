"""The `bot` command: ingest, ask, eval, serve, load, bench; the parser and `main` (the commands: `bot.tools.commands`)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from bot.settings import PROVIDERS, get_settings
from bot.tools.api_commands import cmd_api_key
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


def _eval_dispatch(args: argparse.Namespace, settings) -> int:
    if args.benchmark:
        if args.file or args.corpus or args.compare or args.answers:
            return fail("--benchmark takes no question file, --corpus, --compare or --answers: it names its own.")
        # lazy: the benchmark tool is only needed here
        from bot.tools.benchmark import cmd_eval_benchmark

        return cmd_eval_benchmark(
            Path(args.benchmark), settings.model_copy(update={"llm": args.llm or settings.llm}), args.json
        )
    if not args.file:
        return fail("bot eval needs a question file (or --benchmark eval/benchmark.toml).")
    return cmd_eval(args, settings)


def _fit(args: argparse.Namespace, settings) -> int:
    # lazy: the benchmark tool is only needed here
    from bot.tools.benchmark import cmd_fit

    return cmd_fit(Path(args.benchmark), Path(args.out) if args.out else None, settings)


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
    p.add_argument(
        "--set", metavar="NAME", help="with BOT_SETS_DIR: ask this document set (default: the first open to everyone)"
    )
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", help="score the assistant on a JSONL question file, or on the whole benchmark")
    p.add_argument("file", nargs="?", help="JSONL question file")
    p.add_argument(
        "--benchmark",
        metavar="TOML",
        help="score every set of a benchmark file (eval/benchmark.toml), each development set by a model "
        "fitted without its corpus",
    )
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.add_argument("--compare", choices=["naive"], help="also score the common recipe on the same file")
    p.add_argument("--llm", choices=PROVIDERS, help="answerer to score (default from settings: BOT_LLM)")
    p.add_argument("--corpus", metavar="DIR", help="score against this folder of documents, in a throwaway index")
    p.add_argument(
        "--answers", metavar="FILE", help="also write every answer (text, answered, sources) as JSONL, to compare runs"
    )
    p.set_defaults(func=_eval_dispatch)

    p = sub.add_parser("fit", help="refit the answerability model on the benchmark's development sets")
    p.add_argument("benchmark", nargs="?", default="eval/benchmark.toml", help="benchmark file (eval/benchmark.toml)")
    p.add_argument("--out", metavar="DIR", help="folder to write the weights to (default: the shipped files)")
    p.set_defaults(func=_fit)

    p = sub.add_parser("serve", help="run the chat app (Chainlit, headless)")
    p.add_argument("--host", help="address to listen on (default from settings: 127.0.0.1)")
    p.add_argument("--port", type=int, help="port to listen on (default from settings: 8000)")
    p.add_argument("--corpus", metavar="DIR", help=CORPUS_HELP)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("load", help="load-test a running `bot serve` with many chat sessions (or API clients) at once")
    p.add_argument("file", help="JSONL question file (e.g. the public eval file)")
    p.add_argument("--url", help="the running app (default from settings: http://127.0.0.1:8000)")
    p.add_argument("--sessions", type=int, default=50, help="concurrent chat sessions (API clients with --api)")
    p.add_argument("--questions", type=int, default=4, help="questions each session asks, one after another")
    p.add_argument("--timeout", type=float, default=60, help="seconds to wait for one answer")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.add_argument(
        "--api",
        action="store_true",
        help="drive the OpenAI-compatible API instead of the chat socket (the key in BOT_API_KEY)",
    )
    p.add_argument("--model", help="with --api: the document set to ask (default: the first the key may use)")
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
    p.add_argument(
        "--api", action="store_true", help="also every answer given through the API, with its key's name (unrated)"
    )
    p.set_defaults(func=cmd_feedback)

    p = sub.add_parser("api-key", help="make, list and revoke keys of the OpenAI-compatible API (docs/api.md)")
    key_sub = p.add_subparsers(dest="key_command", required=True)
    p = key_sub.add_parser("create", help="make a key and print it (once: it is stored only hashed)")
    p.add_argument("name", help="who uses it, e.g. intranet or slack-bot (logged and kept with its answers)")
    p.add_argument(
        "--set",
        action="append",
        metavar="SET",
        help="a document set the key may use (repeatable; `*` = every set); default: every set there is now",
    )
    p.add_argument(
        "--corpus",
        metavar="DIR",
        help="the folder `bot serve --corpus DIR` serves: the key is for its set (named after the folder)",
    )
    p.set_defaults(func=cmd_api_key)
    p = key_sub.add_parser("list", help="the keys made: name, first characters, sets, when made, revoked or not")
    p.set_defaults(func=cmd_api_key)
    p = key_sub.add_parser("revoke", help="end the key of that name at once")
    p.add_argument("name")
    p.set_defaults(func=cmd_api_key)

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
