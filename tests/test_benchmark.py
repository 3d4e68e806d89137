"""`bot fit` and `bot eval --benchmark` on a small benchmark of two folders: the models are fitted, each
development set is scored by a model fitted without its folder, and frozen sets are never fitted on."""

from __future__ import annotations

import json
import tempfile

import pytest

from bot.retrieval.answerability import AnswerabilityModel
from bot.tools.benchmark import load_benchmark

from .conftest import ROOT, copy_query_encoder

pytestmark = pytest.mark.ingest

HANDBOOK = """# Staff handbook

## Working hours

Core hours are 10:00 to 15:00. The working week is 37.5 hours.

## Leave

Every employee gets 25 days of annual leave. Up to five unused days can be carried over.
"""


def _questions(path, rows) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


@pytest.fixture
def benchmark(tmp_path):
    handbook = tmp_path / "handbook"
    handbook.mkdir()
    (handbook / "handbook.md").write_text(HANDBOOK, encoding="utf-8")
    _questions(
        tmp_path / "handbook.jsonl",
        [
            {
                "id": "h1",
                "question": "What are the core hours?",
                "evidence": ["Core hours are 10:00 to 15:00"],
                "must_include": [["10:00"]],
            },
            {
                "id": "h2",
                "question": "How many days of annual leave do I get?",
                "evidence": ["25 days"],
                "must_include": [["25"]],
            },
            {"id": "h3", "question": "Does the company pay for a gym membership?", "answerable": False},
            {"id": "h4", "question": "How do I bake sourdough bread?", "answerable": False},
        ],
    )
    _questions(
        tmp_path / "articles.jsonl",
        [
            {"id": "a1", "question": "Can LLMs make images?", "evidence": ["image"], "must_include": [["image"]]},
            {
                "id": "a2",
                "question": "What is generative AI?",
                "evidence": ["generative"],
                "must_include": [["generative"]],
            },
            {"id": "a3", "question": "Who won the football World Cup in 2018?", "answerable": False},
        ],
    )
    (tmp_path / "bench.toml").write_text(
        f'[[set]]\nname = "handbook"\nquestions = "handbook.jsonl"\ncorpus = "handbook"\nrole = "dev"\n\n'
        f'[[set]]\nname = "articles"\nquestions = "articles.jsonl"\ncorpus = "{ROOT / "corpus"}"\nrole = "dev"\n\n'
        f'[[set]]\nname = "held"\nquestions = "handbook.jsonl"\ncorpus = "handbook"\nrole = "frozen"\n\n'
        f'[[set]]\nname = "client"\nquestions = "articles.jsonl"\ncorpus = "{ROOT / "corpus"}"\nrole = "check"\n',
        encoding="utf-8",
    )
    return tmp_path / "bench.toml"


@pytest.fixture
def bench_settings(built_index, tmp_path):
    """The seed corpus's settings with an index folder of the test's own (each set's index goes under it)."""
    index = tmp_path / "index"
    copy_query_encoder(built_index.index_dir, index)
    return built_index.model_copy(update={"index_dir": index})


def test_fit_writes_both_models_and_prints_the_leave_one_corpus_out_tables(
    run_cli, bench_settings, benchmark, tmp_path
):
    out = tmp_path / "weights"
    code, printed, _err = run_cli("fit", str(benchmark), "--out", str(out), settings=bench_settings)
    assert code == 0, (printed, _err)
    assert "corpus left out" in printed and "handbook" in printed and "articles" in printed
    model = AnswerabilityModel.load(out / "answerability.json")
    assert model.fitted_on == ("handbook", "articles") and model.items == 7  # check and frozen sets are never read
    assert "best sentence holds the evidence" in printed


def test_eval_benchmark_scores_each_set_by_a_model_fitted_without_its_folder(
    run_cli, bench_settings, benchmark, tmp_path, monkeypatch
):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where the per-set weights are written
    code, printed, _err = run_cli("eval", "--benchmark", str(benchmark), "--json", settings=bench_settings)
    assert code == 0, (printed, _err)
    rows = {row["set"]: row for row in json.loads(printed.strip().splitlines()[-1])}
    assert rows["handbook"]["model"] == "without handbook" and rows["held"]["model"] == "shipped"
    assert rows["client"]["model"] == "shipped" and rows["client"]["role"] == "check"
    assert rows["handbook"]["items"] == 4 and rows["articles"]["items"] == 3
    assert all(0.0 <= row["strict_answer_accuracy"] <= 1.0 for row in rows.values())
    assert not [p.name for p in scratch.iterdir() if p.name.startswith("bot-loco-")]  # nothing left behind


def test_a_malformed_benchmark_says_what_is_missing(tmp_path):
    bad = tmp_path / "bench.toml"
    bad.write_text('[[set]]\nname = "x"\nquestions = "q.jsonl"\nrole = "test"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="missing \\['corpus'\\]"):
        load_benchmark(bad)
    bad.write_text("", encoding="utf-8")
    with pytest.raises(ValueError, match="lists no"):
        load_benchmark(bad)
