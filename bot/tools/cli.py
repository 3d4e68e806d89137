"""The `bot` command: ingest, ask, eval, serve, load, bench.

Longer than most modules on purpose: one small function per command, plus the parser that lists them
all with their options, which reads best in one place.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import tempfile
from pathlib import Path

from bot.settings import PROVIDERS, Settings, get_settings


def _fail(message: str, code: int = 1) -> int:
    print(f"bot: {message}", file=sys.stderr)
    return code


def corpus_settings(settings: Settings, corpus: str | None, index_dir: Path | None = None) -> Settings:
    """Settings for another corpus folder: its own index under `index/corpora/`, or `index_dir` (throwaway).

    Each folder keeps its own index, so switching between a client's folder and the demo corpus never
    re-embeds either.
    """
    if not corpus:
        return settings
    corpus_dir = Path(corpus).expanduser()
    if not corpus_dir.is_dir():
        raise ValueError(f"No folder at {corpus}: --corpus takes a folder of documents.")
    if index_dir is not None:  # a throwaway index is always a local one
        return settings.model_copy(update={"corpus_dir": corpus_dir, "index_dir": index_dir, "chroma_host": None})
    resolved = str(corpus_dir.resolve())
    slug = re.sub(r"[^a-z0-9]+", "-", corpus_dir.resolve().name.lower()).strip("-")[:40] or "corpus"
    name = f"{slug}-{hashlib.sha1(resolved.encode()).hexdigest()[:8]}"
    return settings.model_copy(
        update={
            "corpus_dir": corpus_dir,
            "index_dir": settings.index_dir / "corpora" / name,
            "collection": f"{settings.collection}-{name}",
        }
    )


def _ensure_index(settings: Settings) -> None:
    from bot.ingest.index import ensure_index

    report = ensure_index(settings, log=lambda message: print(f"bot: {message}", file=sys.stderr))
    if report:
        print(report.summary(), file=sys.stderr)


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from bot.ingest.index import ingest

    settings = corpus_settings(settings, args.corpus)
    report = ingest(settings, progress=None if not args.quiet else False, wait_seconds=args.wait)
    print(report.summary())
    return 0 if report.passages_total else 1


def _with_llm(settings: Settings, llm: str | None) -> Settings:
    return settings.model_copy(update={"llm": llm}) if llm else settings


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from bot.assistant import Assistant, InvalidQuestion

    settings = corpus_settings(_with_llm(settings, args.llm), args.corpus)
    _ensure_index(settings)
    assistant = Assistant.build(settings)  # an unusable provider is reported once, through logging
    streamed: list[str] = []
    # Tokens stream to the terminal as they come; with --json they go to stderr so that stdout
    # stays one JSON object.
    stream = sys.stderr if args.json else sys.stdout

    def on_token(token: str) -> None:
        streamed.append(token)
        stream.write(token)
        stream.flush()

    try:
        answer = assistant.ask(args.question, args.history or [], on_token=on_token)
    except InvalidQuestion as exc:
        if args.json:
            print(json.dumps({"question": args.question[:200], "error": str(exc), "answered": False}))
        return _fail(str(exc), 2)
    if streamed:
        stream.write("\n\n")
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False))
        return 0
    if not streamed or answer.text != "".join(streamed).strip():
        print(("Checked against the articles:\n" if streamed else "") + answer.text)
    if answer.notice and answer.notice != assistant.notice:
        print(f"\n({answer.notice})")
    if answer.grounding and not answer.grounding.fallback:
        print(
            f"\nGrounding: {answer.grounding.supported} of {answer.grounding.total} sentences supported by the passages"
        )
    if answer.removed:
        print(f"Removed as unsupported: {' | '.join(answer.removed)}")
    if answer.sources and answer.answered:
        print("\nSources:")
        for n in answer.cited:
            p = answer.sources[n - 1]
            print(f"  [{n}] {p.where} - {p.source}  score {p.score:.2f}")
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    items_path = Path(args.file)
    if not args.corpus:
        return _eval(args, _with_llm(settings, args.llm), items_path)
    # Another corpus is scored in an index made for this run and deleted after it.
    with tempfile.TemporaryDirectory(prefix="bot-eval-") as throwaway:
        settings = corpus_settings(_with_llm(settings, args.llm), args.corpus, Path(throwaway))
        print(f"bot: indexing {settings.corpus_dir} in a throwaway index", file=sys.stderr)
        return _eval(args, settings, items_path)


def _eval(args: argparse.Namespace, settings: Settings, items_path: Path) -> int:
    from bot.assistant import Assistant
    from bot.tools.evaluate import embedding_floor_ms, format_comparison, format_report, load_questions, run_eval

    items = load_questions(items_path)
    lacking = [item for item in items if item.lacks_expected_terms]
    if lacking:  # e.g. exported feedback a person has not yet given must_include / lead
        print(f"bot: skipped {len(lacking)} item(s) without expected terms (add must_include or lead)", file=sys.stderr)
        items = [item for item in items if not item.lacks_expected_terms]
        if not items:
            return _fail("no item of the file has expected terms to score.")
    _ensure_index(settings)
    assistant = Assistant.build(settings)
    calibration = assistant.retriever.calibration()
    threshold = assistant.retriever.min_relevance()
    if settings.min_score is not None:
        refusal_line = f"refusal threshold {threshold:.3f}, pinned by BOT_MIN_SCORE"
    elif calibration:
        refusal_line = calibration.explain()
    else:
        refusal_line = f"refusal threshold {threshold:.3f} (an index built before calibration: run `bot ingest`)"
    summary, results = run_eval(assistant, items)
    if args.answers:
        from bot.tools.evaluate import write_answers

        write_answers(results, Path(args.answers))
    summary["min_score"] = round(threshold, 4)
    floor = embedding_floor_ms(assistant.retriever.embed_query, items)
    ratio = summary["latency_ms_p50"] / floor if floor else float("nan")
    floor_line = f"query embedding p50 {floor:.1f} ms; answer p50 is {ratio:.2f}x that"
    compared = {}
    if args.compare == "naive":
        from bot.tools.baseline import NaiveAssistant

        compared = {"this": summary, "naive": run_eval(NaiveAssistant(settings), items)[0]}
    if args.json:
        print(floor_line, file=sys.stderr)
        print(refusal_line, file=sys.stderr)
        if compared:
            print(format_comparison(compared), file=sys.stderr)
        print(json.dumps(summary))
    else:
        print(format_report(summary, results))
        print(f"\n{floor_line}")
        print(refusal_line)
        if compared:
            print("\nSide by side (naive = RecursiveCharacterTextSplitter 1000/100, dense top-4, no rerank):")
            print(format_comparison(compared))
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    problem = settings.login_problem()
    if problem:
        return _fail(problem)
    # Answers run on many worker threads; few malloc arenas keep the server's memory flat under load.
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")
    app = Path(__file__).parents[1] / "web" / "app.py"
    if args.corpus:  # the app reads its settings from the environment, in the process execv starts
        settings = corpus_settings(settings, args.corpus)
        os.environ.update(
            BOT_CORPUS_DIR=str(settings.corpus_dir),
            BOT_INDEX_DIR=str(settings.index_dir),
            BOT_COLLECTION=settings.collection,
        )
    host = args.host or settings.host
    os.environ["BOT_HOST"] = host  # the app answers to the name it listens on (its allowed hosts)
    os.environ["CHAINLIT_APP_ROOT"] = str(_app_root(Path.cwd()))
    argv = [sys.executable, "-m", "chainlit", "run", str(app), "--headless"]
    argv += ["--host", host, "--port", str(args.port or settings.port)]
    os.execv(sys.executable, argv)  # replaces this process


def _app_root(project: Path) -> Path:
    """A folder of this server's own for Chainlit: links to the project's `.chainlit/` and `chainlit.md`.

    Chainlit keeps each chat's elements (the source panels) under `<app root>/.files` and deletes that
    whole folder when a server stops, so two servers started from one checkout (two demos, or a test
    beside a running app) must not share it.
    """
    root = Path(tempfile.mkdtemp(prefix="bot-serve-"))
    for name in (".chainlit", "chainlit.md", "public"):
        if (project / name).exists():
            (root / name).symlink_to((project / name).resolve())
    return root


def cmd_load(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from bot.tools.evaluate import load_questions
    from bot.tools.load import run_load

    questions = [item.question for item in load_questions(Path(args.file)) if len(item.turns) == 1]
    url = args.url or f"http://{settings.host}:{settings.port}"
    report = asyncio.run(run_load(url, questions, args.sessions, args.questions, args.timeout))
    print(json.dumps(report.to_dict()) if args.json else report.summary())
    return 0 if not report.errors else 1


def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    from bot.tools.bench import run_bench

    questions = Path(args.questions)
    if not questions.is_file():
        return _fail(f"No question file at {questions}; pass one with --questions.")
    result = run_bench(
        settings,
        questions,
        Path(args.out),
        Path(args.work),
        quick=args.quick,
        log=lambda message: print(f"bot: {message}", file=sys.stderr),
        documents=[Path(d) for d in args.documents if Path(d).is_dir()],
    )
    print(result.to_markdown())
    print(f"Wrote {Path(args.out) / 'results.md'} and {Path(args.out) / 'results.png'}", file=sys.stderr)
    return 0


def cmd_feedback(args: argparse.Namespace, settings: Settings) -> int:
    from bot.history.feedback import export_feedback

    for line in export_feedback(settings, since=args.since, rating=args.rating):
        print(line)
    return 0


def cmd_hash_password(args: argparse.Namespace, settings: Settings) -> int:
    import getpass

    import bcrypt

    password = sys.stdin.readline().rstrip("\n") if args.stdin else getpass.getpass("Password: ")
    if len(password) < 8:
        return _fail("Use a password of at least 8 characters.")
    if not args.stdin and getpass.getpass("Again: ") != password:
        return _fail("The two passwords differ.")
    print(bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()).decode("ascii"))
    return 0


CORPUS_HELP = "folder of documents to use instead of BOT_CORPUS_DIR (indexed in index/corpora/)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bot", description="A chat assistant grounded in the documents in corpus/.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="index the corpus (only what changed)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--wait", type=float, default=0, help="seconds to wait for another running ingest")
    p.add_argument("--corpus", metavar="DIR", help=CORPUS_HELP)
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
    import logging

    logging.basicConfig(level=logging.WARNING, format="bot: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args, get_settings())
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a clear line, not a stack trace, for expected failures
        from bot.ingest.index import IndexUnavailable

        if isinstance(exc, (IndexUnavailable, ValueError, OSError, ImportError)):  # ImportError: names the extra
            return _fail(str(exc))
        raise


def run() -> None:
    """The `bot` command. After `ask` it leaves without tearing down torch, transformers and Chroma:
    freeing those modules takes 1-2 s after the answer is out, and `ask` has nothing to close."""
    argv = sys.argv[1:]
    code = main(argv)
    if argv[:1] == ["ask"]:
        import logging

        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    run()
