"""What each `bot` command does (`bot.tools.cli` parses the command line and calls one of these)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

from bot.settings import Settings


def fail(message: str, code: int = 1) -> int:
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


def refusal_summary(retriever) -> str:
    """How this corpus's questions are declined, in two lines (for `bot eval`)."""
    from bot.retrieval.answerability import ANSWER_AT  # lazy, as the rest of the question path

    model, calibration = retriever.answerability, retriever.calibration()
    floor = retriever.settings.min_score
    lines = [
        f"answerability model: answers at probability >= {ANSWER_AT:.2f}; fitted on {model.items} questions of "
        f"{len(model.fitted_on)} files" + (f"; floor BOT_MIN_SCORE {floor:.3f}" if floor is not None else ""),
        calibration.explain()
        if calibration
        else "no off-topic calibration (an index built before it: run `bot ingest`)",
    ]
    return "\n".join(lines)


def ensure_corpus_index(settings: Settings) -> None:
    """Build or update the index of `settings`' folder, saying what was done on stderr."""
    # lazy: each command loads only what it uses (start-up time)
    from bot.ingest.index import ensure_index

    report = ensure_index(settings, log=lambda message: print(f"bot: {message}", file=sys.stderr))
    if report:
        print(report.summary(), file=sys.stderr)


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    # lazy: start-up time
    from bot.ingest.index import IndexUnavailable, ingest
    from bot.ingest.sets import SetError, document_sets

    if args.corpus or settings.sets_dir is None:
        settings = corpus_settings(settings, args.corpus)
        report = ingest(settings, progress=None if not args.quiet else False, wait_seconds=args.wait)
        print(report.summary())
        return 0 if report.passages_total else 1
    # BOT_SETS_DIR: every set (or the one named), each in its own index; an unchanged set is only hashed.
    try:
        sets = document_sets(settings)
    except SetError as exc:
        return fail(str(exc))
    for problem in sets[0].problems:
        print(f"bot: {problem}", file=sys.stderr)
    chosen = [s for s in sets if not args.set or s.name == args.set]
    if not chosen:
        return fail(f"no set named {args.set!r} in {settings.sets_dir} (sets: {', '.join(s.name for s in sets)})")
    code = 0
    for document_set in chosen:
        print(f"Set {document_set.name} ({document_set.folder}):")
        try:
            report = ingest(document_set.settings, progress=None if not args.quiet else False, wait_seconds=args.wait)
        except IndexUnavailable as exc:
            print(f"  {exc}")
            code = 1
            continue
        print(report.summary())
        code = code or (0 if report.passages_total else 1)
    return code


def _with_llm(settings: Settings, llm: str | None) -> Settings:
    return settings.model_copy(update={"llm": llm}) if llm else settings


def _asked_set(settings: Settings, name: str | None) -> Settings:
    """The settings of the set named `name` in BOT_SETS_DIR, or of the first one open to everyone (as the chat
    opens with); SetError names the sets there are when none fits."""
    # lazy: start-up time
    from bot.ingest.sets import SetError, document_sets

    sets = document_sets(settings)
    for problem in sets[0].problems:
        print(f"bot: {problem}", file=sys.stderr)
    fits = [s for s in sets if s.name == name] if name else [s for s in sets if not s.users] or sets[:1]
    if not fits:
        raise SetError(f"no set named {name!r} in {settings.sets_dir} (sets: {', '.join(s.name for s in sets)})")
    return fits[0].settings


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    # lazy: start-up time
    from bot.assistant import Assistant, InvalidQuestion
    from bot.ingest.sets import SetError
    from bot.safe_markdown import terminal_text

    settings = _with_llm(settings, args.llm)
    if args.corpus or settings.sets_dir is None:
        settings = corpus_settings(settings, args.corpus)
    else:  # BOT_SETS_DIR: the chat's sets, asked as the chat asks them
        try:
            settings = _asked_set(settings, args.set)
        except SetError as exc:
            return fail(str(exc))
    ensure_corpus_index(settings)
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
        return fail(str(exc), 2)
    if streamed:
        stream.write("\n\n")
    # A terminal or a script gets the text as the chat shows it: e-mail addresses whole, no escapes against directives.
    text = terminal_text(answer.text)
    if args.json:
        print(json.dumps({**answer.to_dict(), "answer": text}, ensure_ascii=False))
        return 0
    if not streamed or answer.text != "".join(streamed).strip():
        print(("Checked against the articles:\n" if streamed else "") + text)
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
    # lazy: start-up time
    from bot.assistant import Assistant
    from bot.tools.eval_report import format_comparison, format_report, write_answers
    from bot.tools.evaluate import embedding_floor_ms, load_questions, run_eval

    items = load_questions(items_path)
    lacking = [item for item in items if item.lacks_expected_terms]
    if lacking:  # e.g. exported feedback a person has not yet given must_include / lead
        print(f"bot: skipped {len(lacking)} item(s) without expected terms (add must_include or lead)", file=sys.stderr)
        items = [item for item in items if not item.lacks_expected_terms]
        if not items:
            return fail("no item of the file has expected terms to score.")
    ensure_corpus_index(settings)
    assistant = Assistant.build(settings)
    refusal_line = refusal_summary(assistant.retriever)
    summary, results = run_eval(assistant, items)
    if args.answers:
        write_answers(results, Path(args.answers))
    calibration = assistant.retriever.calibration()
    summary["off_topic_high"] = round(calibration.off_topic_high, 4) if calibration else None
    floor = embedding_floor_ms(assistant.retriever.embed_query, items)
    ratio = summary["latency_ms_p50"] / floor if floor else float("nan")
    floor_line = f"query embedding p50 {floor:.1f} ms; answer p50 is {ratio:.2f}x that"
    compared = {}
    if args.compare == "naive":
        # lazy: start-up time
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
        return fail(problem)
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
    os.environ["CHAINLIT_APP_ROOT"] = str(_app_root(_project(Path.cwd())))
    argv = [sys.executable, "-m", "chainlit", "run", str(app), "--headless"]
    argv += ["--host", host, "--port", str(args.port or settings.port)]
    os.execv(sys.executable, argv)  # replaces this process


def _project(cwd: Path) -> Path:
    """The folder holding the app's `.chainlit/` settings and `public/` page files: the one the server is started
    in when it has them, else this checkout's. Started elsewhere ("bot serve --corpus ~/docs" from a home folder),
    Chainlit made default settings there and the chat never answered."""
    checkout = Path(__file__).resolve().parents[2]
    return cwd if (cwd / ".chainlit").is_dir() or not (checkout / ".chainlit").is_dir() else checkout


def _app_root(project: Path) -> Path:
    """A folder of this server's own for Chainlit: links to the project's `.chainlit/` and `chainlit.md`.

    Chainlit keeps each chat's elements (the source panels) under `<app root>/.files` and deletes that
    whole folder when a server stops, so two servers started from one checkout (two demos, or a test
    beside a running app) must not share it.
    """
    _remove_stopped_app_roots()
    root = Path(tempfile.mkdtemp(prefix=_APP_ROOT_PREFIX))
    (root / _APP_ROOT_PID).write_text(str(os.getpid()))  # the server keeps this process id (`os.execv`)
    for name in (".chainlit", "chainlit.md", "public"):
        if (project / name).exists():
            (root / name).symlink_to((project / name).resolve())
    return root


_APP_ROOT_PREFIX, _APP_ROOT_PID = "bot-serve-", ".server-pid"


def _remove_stopped_app_roots() -> None:
    """Remove the app roots of servers that have stopped: the server replaces this process, so nothing is
    left to remove its own (a folder a start, and the uploads of a server killed with -9)."""
    for folder in Path(tempfile.gettempdir()).glob(_APP_ROOT_PREFIX + "*"):
        try:
            if folder.stat().st_uid != os.getuid() or folder.is_symlink():
                continue
            pid = int((folder / _APP_ROOT_PID).read_text())
        except (OSError, ValueError):
            continue  # not ours, or a server between its folder and its process id: leave it
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:  # alive (another user's process of that id)
            pass


def cmd_load(args: argparse.Namespace, settings: Settings) -> int:
    # lazy: start-up time
    from bot.tools.evaluate import load_questions
    from bot.tools.load import run_load

    questions = [item.question for item in load_questions(Path(args.file)) if len(item.turns) == 1]
    url = args.url or f"http://{settings.host}:{settings.port}"
    if args.api:
        # lazy: start-up time (httpx)
        from bot.tools.load_api import run_api_load

        key = os.environ.get("BOT_API_KEY", "")  # from the environment: a key on the command line is in `ps`
        load = run_api_load(url, questions, args.sessions, args.questions, key, args.timeout, args.model or "")
    else:
        load = run_load(url, questions, args.sessions, args.questions, args.timeout)
    report = asyncio.run(load)
    print(json.dumps(report.to_dict()) if args.json else report.summary())
    return 0 if not report.errors else 1


def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    # lazy: start-up time
    from bot.tools.bench import run_bench

    questions = Path(args.questions)
    if not questions.is_file():
        return fail(f"No question file at {questions}; pass one with --questions.")
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
    # lazy: start-up time
    from bot.history.feedback import export_feedback

    for line in export_feedback(settings, since=args.since, rating=args.rating, api=args.api):
        print(line)
    return 0


def cmd_hash_password(args: argparse.Namespace, settings: Settings) -> int:
    # lazy: start-up time
    import bcrypt

    password = sys.stdin.readline().rstrip("\n") if args.stdin else getpass.getpass("Password: ")
    if len(password) < 8:
        return fail("Use a password of at least 8 characters.")
    if not args.stdin and getpass.getpass("Again: ") != password:
        return fail("The two passwords differ.")
    print(bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()).decode("ascii"))
    return 0
