"""The benchmark (`eval/benchmark.toml`): its question sets, the answerability model fitted on the
development sets (`bot fit`), and every set scored by a model fitted without its corpus (`bot eval
--benchmark`, leave-one-corpus-out). Frozen sets are scored with the shipped model, only to report."""

from __future__ import annotations

import json
import sys
import tempfile
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

import numpy as np

from bot.answer.sentence_model import SHIPPED as SENTENCES_SHIPPED
from bot.answer.sentence_model import SentenceModel, SentenceModelError, fit_sentences
from bot.retrieval.answerability import ANSWER_AT, SHIPPED, AnswerabilityModel, fit
from bot.settings import Settings
from bot.tools.commands import corpus_settings, ensure_corpus_index
from bot.tools.evaluate import load_questions, normalize

# dev: fits the models and may be looked at; check: may be looked at, scored by the shipped models, never fitted;
# frozen: scored only to report (eval/benchmark.toml says why each set has its role).
Role = Literal["dev", "check", "frozen"]
ROLES: tuple[Role, ...] = get_args(Role)


@dataclass(frozen=True)
class BenchSet:
    """One question file and the folder it asks about."""

    name: str
    questions: Path
    corpus: Path
    role: Role

    @property
    def group(self) -> str:
        """Sets asking about the same folder are left out together."""
        return str(self.corpus.resolve())


def load_benchmark(path: Path) -> list[BenchSet]:
    """The sets of a benchmark file (paths relative to it); ValueError says what is wrong."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"Cannot read the benchmark {path}: {exc}") from None
    sets = []
    for n, row in enumerate(data.get("set", []), start=1):
        missing = [key for key in ("name", "questions", "corpus", "role") if key not in row]
        if missing or row["role"] not in ROLES:
            raise ValueError(
                f"{path}: set {n} needs name, questions, corpus and role dev|check|frozen (missing {missing})."
            )
        base = path.parent
        sets.append(BenchSet(row["name"], base / row["questions"], base / row["corpus"], row["role"]))
    if not sets:
        raise ValueError(f"{path} lists no [[set]].")
    return sets


def set_settings(settings: Settings, bench: BenchSet) -> Settings:
    """Settings for a set's folder, in its own index under index/corpora/ (kept: refits reuse it)."""
    return corpus_settings(settings.model_copy(update={"llm": "extractive"}), str(bench.corpus))


@dataclass
class Measured:
    """One set's questions measured: the answerability signals of each and whether it is answerable, and the
    sentence features of each answerable one's candidate sentences with whether each holds its evidence."""

    bench: BenchSet
    x: np.ndarray
    y: np.ndarray
    sentences: list[tuple[np.ndarray, np.ndarray]]  # per question: (features of its sentences, labels)


def holds_evidence(sentence: str, evidence: list[str]) -> bool:
    """Whether a sentence holds one of an item's evidence strings, or is a whole sentence of one."""
    said = normalize(sentence)
    return any(normalize(e) in said or (len(said) >= 25 and said in normalize(e)) for e in evidence)


def measure(settings: Settings, bench: BenchSet, log: Callable[[str], None]) -> Measured:
    """Retrieve for every question of a set (small talk left out: it is never searched) and keep the signals."""
    # lazy: loads the embedder and the index
    from bot.assistant import Assistant

    corpus = set_settings(settings, bench)
    ensure_corpus_index(corpus)
    assistant = Assistant.build(corpus)
    rows, labels, sentences = [], [], []
    for item in load_questions(bench.questions):
        retrieval = assistant.retrieve(item.question, item.turns[:-1] or None)
        decision, form = retrieval.decision, retrieval.form
        if decision is None or decision.signals is None or form is None:
            continue  # small talk: never searched
        rows.append(decision.signals.values())
        labels.append(1.0 if item.answerable else 0.0)
        if item.answerable and item.evidence:
            sources = retrieval.passages
            if form.wants_summary or form.wants_list or form.compare:
                sources = sources + retrieval.section_rest  # what the answerer reads for these
            found = assistant.extractive.sentence_features(
                form, retrieval.query_vector, sources, retrieval.term_weights
            )
            marks = np.array([holds_evidence(sentence.text, item.evidence) for _, sentence, _, _ in found], dtype=float)
            if len(found) > 1 and marks.any():
                sentences.append((np.stack([values for *_, values in found]), marks))
    log(f"{bench.name}: {len(rows)} questions measured, {len(sentences)} with a sentence holding the evidence")
    return Measured(bench, np.array(rows, dtype=float), np.array(labels), sentences)


def fit_on(measured: list[Measured]) -> AnswerabilityModel:
    return fit(
        np.vstack([m.x for m in measured]),
        np.concatenate([m.y for m in measured]),
        tuple(m.bench.name for m in measured),
    )


def fit_sentences_on(measured: list[Measured]) -> SentenceModel:
    return fit_sentences([q for m in measured for q in m.sentences], tuple(m.bench.name for m in measured))


def top_sentence_holds(model: SentenceModel, questions: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """Share of questions whose best-scored sentence holds the evidence."""
    if not questions:
        return float("nan")
    return float(np.mean([y[int(np.argmax([model.score(row) for row in x]))] for x, y in questions]))


def sentence_refit(measured: list[Measured]) -> tuple[bool, str]:
    """Leave-one-corpus-out for the sentence model: how often the best-scored sentence holds the evidence with
    weights fitted without the corpus, against the shipped weights. The refit is taken only when it does at
    least as well on the mean over corpora: each choice must help on corpora it was not fitted on."""
    shipped = SentenceModel.load()
    lines = ["corpus left out            questions  best sentence holds the evidence: refit  shipped"]
    refit, kept = [], []
    for group in dict.fromkeys(m.bench.group for m in measured):
        held = [q for m in measured if m.bench.group == group for q in m.sentences]
        try:
            model = fit_sentences_on([m for m in measured if m.bench.group != group])
            refit.append(top_sentence_holds(model, held))
        except (SentenceModelError, ValueError):  # too few labelled sentences in the other folders to fit on
            refit.append(float("nan"))
        kept.append(top_sentence_holds(shipped, held))
        name = "+".join(m.bench.name for m in measured if m.bench.group == group)
        lines.append(f"{name:<26} {len(held):>9}  {refit[-1]:>38.3f}  {kept[-1]:>7.3f}")
    fitted = not any(np.isnan(refit))
    better = fitted and float(np.nanmean(refit)) >= float(np.nanmean(kept))
    lines.append(f"{'mean of corpora':<26} {'':>9}  {np.nanmean(refit):>38.3f}  {np.nanmean(kept):>7.3f}")
    return better, "\n".join(lines)


def decision_table(measured: list[Measured]) -> str:
    """Leave-one-corpus-out on the signals alone: for each corpus, a model fitted on the others decides."""
    lines = ["corpus left out            questions  answerable answered  unanswerable declined"]
    for group in dict.fromkeys(m.bench.group for m in measured):
        held = [m for m in measured if m.bench.group == group]
        model = fit_on([m for m in measured if m.bench.group != group])
        x, y = np.vstack([m.x for m in held]), np.concatenate([m.y for m in held])
        said = np.array([model.probability_of(row) >= ANSWER_AT for row in x])
        answered = said[y == 1].mean() if (y == 1).any() else float("nan")
        declined = (~said[y == 0]).mean() if (y == 0).any() else float("nan")
        name = "+".join(m.bench.name for m in held)
        lines.append(f"{name:<26} {len(y):>9}  {answered:>19.3f}  {declined:>21.3f}")
    return "\n".join(lines)


def cmd_fit(benchmark: Path, out: Path | None, settings: Settings) -> int:
    """`bot fit`: measure the development sets, print leave-one-corpus-out figures, write both models' weights
    (to the shipped files, or into the folder `out`)."""
    sets = [s for s in load_benchmark(benchmark) if s.role == "dev"]
    measured = [measure(settings, s, lambda m: print(f"bot: {m}", file=sys.stderr)) for s in sets]
    print(decision_table(measured))
    print()
    better, table = sentence_refit(measured)
    print(table)
    fitted: list[tuple[Path, AnswerabilityModel | SentenceModel]] = [(SHIPPED, fit_on(measured))]
    if better:
        fitted.append((SENTENCES_SHIPPED, fit_sentences_on(measured)))
    else:
        print(
            f"kept {SENTENCES_SHIPPED.name}: a refit does not do better on folders it was not fitted on (or could not be fitted)"
        )
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    for shipped, model in fitted:
        path = out / shipped.name if out is not None else shipped
        path.write_text(model.to_json(), encoding="utf-8")
        print(f"wrote {path}: fitted on {model.items} questions of {len(model.fitted_on)} files")
    return 0


def scored_sets(
    benchmark: Path, settings: Settings, log: Callable[[str], None], folder: Path
) -> list[tuple[BenchSet, Settings, str]]:
    """Each set with the settings to score it by: a development set with models fitted without its corpus
    (their weights written into `folder`; the sentence model only when `bot fit` would refit it), a check or frozen set
    with the shipped models. The third item names the model."""
    sets = load_benchmark(benchmark)
    dev = [s for s in sets if s.role == "dev"]
    measured = [measure(settings, s, log) for s in dev]
    refit_sentences, _table = sentence_refit(measured)  # as `bot fit` would choose
    out = []
    for bench in sets:
        corpus = corpus_settings(settings, str(bench.corpus))
        if bench.role != "dev":
            out.append((bench, corpus, "shipped"))
            continue
        others = [m for m in measured if m.bench.group != bench.group]
        decides, scores = folder / f"{bench.name}-answerability.json", folder / f"{bench.name}-sentences.json"
        decides.write_text(fit_on(others).to_json(), encoding="utf-8")
        update: dict[str, Path] = {"answerability_model": decides}
        if refit_sentences:
            scores.write_text(fit_sentences_on(others).to_json(), encoding="utf-8")
            update["sentence_model"] = scores
        out.append((bench, corpus.model_copy(update=update), f"without {bench.corpus.name}"))
    return out


TABLE_KEYS = (
    ("retrieval_hit_at_1", "hit@1"),
    ("retrieval_hit_at_k", "hit@k"),
    ("strict_answer_accuracy", "strict"),
    ("refusal_accuracy", "refusals"),
)


def cmd_eval_benchmark(benchmark: Path, settings: Settings, as_json: bool = False) -> int:
    """`bot eval --benchmark`: every set scored strictly, each development set by a model fitted without its
    corpus, each check and frozen set by the shipped model; one table, then the mean of each role."""
    # lazy: loads the embedder and the indexes
    from bot.assistant import Assistant
    from bot.tools.evaluate import run_eval

    log = lambda message: print(f"bot: {message}", file=sys.stderr)  # noqa: E731
    rows = []
    with tempfile.TemporaryDirectory(prefix="bot-loco-") as folder:  # the per-set weights, removed afterwards
        for bench, scored, model_name in scored_sets(benchmark, settings, log, Path(folder)):
            ensure_corpus_index(scored)
            items = [item for item in load_questions(bench.questions) if not item.lacks_expected_terms]
            summary, _results = run_eval(Assistant.build(scored), items)
            rows.append({"set": bench.name, "role": bench.role, "model": model_name, "items": len(items), **summary})
            log(f"{bench.name}: strict {summary['strict_answer_accuracy']}, refusals {summary['refusal_accuracy']}")
    if as_json:
        print(json.dumps(rows))
        return 0
    print(format_benchmark(rows))
    return 0


def format_benchmark(rows: list[dict]) -> str:
    width = max([18, *(len(row["set"]) + 2 for row in rows)])  # "kestrel-valley-water" ran into its role
    head = f"{'set':<{width}}{'role':<8}{'model':<26}{'items':>6}" + "".join(f"{label:>10}" for _, label in TABLE_KEYS)
    lines = [head]
    for row in rows:
        lines.append(
            f"{row['set']:<{width}}{row['role']:<8}{row['model']:<26}{row['items']:>6}"
            + "".join(f"{_figure(row.get(key)):>10}" for key, _ in TABLE_KEYS)
        )
    for role in ROLES:
        mine = [row for row in rows if row["role"] == role]
        if mine:
            means = [np.nanmean([_number(row.get(key)) for row in mine]) for key, _ in TABLE_KEYS]
            lines.append(
                f"{'mean of sets':<{width}}{role:<8}{'':<26}{sum(r['items'] for r in mine):>6}"
                + "".join(f"{_figure(v):>10}" for v in means)
            )
    return "\n".join(lines)


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) else float("nan")


def _figure(value: object) -> str:
    number = _number(value)
    return "-" if number != number else f"{number:.3f}"
