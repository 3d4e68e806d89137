"""Document sets (`bot.ingest.sets`): declared as folders with an optional set.toml, each with its own index
(real embedder, real Chroma), answering only from its own documents, and never re-embedded when unchanged."""

from __future__ import annotations

import json

import pytest

from bot.ingest.sets import DEFAULT_SET, SetError, document_sets, find_set
from bot.settings import Settings

from .conftest import copy_query_encoder

HR = """---
title: Fjordline HR Handbook
---
# Fjordline HR Handbook

## How many vacation days do employees get?

Every employee gets twenty-seven vacation days per calendar year, and unused days carry over until March.

## How is parental leave arranged?

Parents receive forty-nine weeks of parental leave at full pay, shared between both parents.
"""

IT = """---
title: Fjordline IT Policies
---
# Fjordline IT Policies

## How often must passwords be changed?

Passwords must be changed every ninety days and may not reuse any of the last twelve passwords.

## Which laptops are supported?

The service desk supports only the standard ThinkPad and MacBook models bought through procurement.

## Who do I tell about a lost laptop?

Report a lost or stolen laptop at once to the service desk at servicedesk@fjordline.example.
"""


def make_sets(root, with_files: bool = True):
    (root / "hr").mkdir(parents=True)
    (root / "it-policies").mkdir()
    if with_files:
        (root / "hr" / "handbook.md").write_text(HR, encoding="utf-8")
        (root / "it-policies" / "policies.md").write_text(IT, encoding="utf-8")
    (root / "hr" / "set.toml").write_text(
        'title = "HR handbook"\nwelcome = "Ask me about leave and holidays."\n'
        'starters = ["How many vacation days do employees get?"]\n',
        encoding="utf-8",
    )
    (root / "it-policies" / "set.toml").write_text('title = "IT policies"\nusers = ["anna"]\n', encoding="utf-8")
    return root


def test_without_a_sets_folder_the_corpus_folder_is_the_one_set_with_its_index_where_it_was(tmp_path):
    settings = Settings(_env_file=None, corpus_dir=tmp_path / "docs", index_dir=tmp_path / "index")
    [only] = document_sets(settings)
    assert only.name == DEFAULT_SET and only.settings is settings and only.visible_to(None, login=False)


def test_each_set_folder_is_a_set_with_its_own_index_welcome_starters_and_users(tmp_path):
    root = make_sets(tmp_path / "sets")
    (root / ".hidden").mkdir()
    (root / "bad name").mkdir()
    (root / "broken").mkdir()
    (root / "broken" / "set.toml").write_text("title = [", encoding="utf-8")
    settings = Settings(_env_file=None, sets_dir=root, index_dir=tmp_path / "index", welcome="Hello.")
    sets = document_sets(settings)
    assert [s.name for s in sets] == ["hr", "it-policies"]
    hr, it = sets
    assert hr.title == "HR handbook" and it.title == "IT policies"
    assert hr.settings.welcome == "Ask me about leave and holidays." and it.settings.welcome == "Hello."
    assert hr.settings.starters == ["How many vacation days do employees get?"]
    assert hr.settings.corpus_dir == root / "hr"
    assert hr.settings.index_dir == tmp_path / "index" / "sets" / "hr"
    assert hr.settings.collection != it.settings.collection
    # Every set shares the server's one ONNX export of the model, under the main index folder.
    assert hr.settings.query_encoder_root() == it.settings.query_encoder_root() == tmp_path / "index"
    problems = "\n".join(hr.problems)
    assert "bad name" in problems and "broken" in problems
    # A set naming its users is theirs alone, and only with a login.
    assert hr.visible_to(None, login=False) and hr.visible_to("bob", login=True)
    assert it.visible_to("anna", login=True) and not it.visible_to("bob", login=True)
    assert not it.visible_to(None, login=False)
    assert find_set(sets, "it-policies") is it and find_set(sets, "nope") is None


def test_a_sets_folder_that_is_missing_or_empty_or_a_set_file_with_unknown_keys_is_named(tmp_path):
    with pytest.raises(SetError, match="no folder"):
        document_sets(Settings(_env_file=None, sets_dir=tmp_path / "missing"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(SetError, match="holds no set folder"):
        document_sets(Settings(_env_file=None, sets_dir=tmp_path / "empty"))
    (tmp_path / "one" / "a").mkdir(parents=True)
    (tmp_path / "one" / "a" / "set.toml").write_text('titel = "typo"\n', encoding="utf-8")
    with pytest.raises(SetError, match="titel"):
        document_sets(Settings(_env_file=None, sets_dir=tmp_path / "one"))


@pytest.mark.ingest
def test_each_set_answers_from_its_own_index_and_an_unchanged_set_is_never_embedded_again(tmp_path, built_index):
    from bot.assistant import Assistant
    from bot.ingest.index import ingest

    root = make_sets(tmp_path / "sets")
    settings = built_index.model_copy(update={"sets_dir": root, "index_dir": tmp_path / "index"})
    copy_query_encoder(built_index.index_dir, settings.index_dir)
    hr, it = document_sets(settings)
    for document_set in (hr, it):
        report = ingest(document_set.settings, progress=False)
        assert report.passages_written > 0 and not report.errors, report.summary()
    hr_bot, it_bot = Assistant.build(hr.settings), Assistant.build(it.settings)

    answer = hr_bot.ask("How many vacation days do employees get?")
    assert answer.answered and "twenty-seven" in answer.text
    assert not it_bot.ask("How many vacation days do employees get?").answered  # not in the IT set
    answer = it_bot.ask("How often must passwords be changed?")
    assert answer.answered and "ninety days" in answer.text
    assert not hr_bot.ask("How often must passwords be changed?").answered

    # Asked again, or after the other set changed, an unchanged set keeps its generation: nothing re-embedded.
    generation = hr_bot.retriever.generation
    (root / "it-policies" / "more.md").write_text(
        "# VPN\n\nThe VPN must be used on hotel networks.\n", encoding="utf-8"
    )
    assert ingest(it.settings, progress=False).added == ["more.md"]
    again = ingest(hr.settings, progress=False)
    assert not again.changed and again.passages_written == 0 and again.generation == generation


@pytest.mark.ingest
def test_bot_ingest_and_bot_ask_take_every_set_or_the_one_named(tmp_path, built_index, run_cli, monkeypatch):
    root = make_sets(tmp_path / "sets")
    settings = built_index.model_copy(update={"index_dir": tmp_path / "index"})
    copy_query_encoder(built_index.index_dir, settings.index_dir)
    monkeypatch.setenv("BOT_SETS_DIR", str(root))
    code, out, _err = run_cli("ingest", "--quiet", settings=settings)
    assert code == 0 and "Set hr" in out and "Set it-policies" in out and out.count("1 added") == 2, out
    code, out, _err = run_cli("ingest", "--quiet", "--set", "hr", settings=settings)
    assert code == 0 and "Set hr" in out and "it-policies" not in out and "1 unchanged" in out, out
    code, _out, err = run_cli("ingest", "--set", "nope", settings=settings)
    assert code == 1 and "no set named 'nope'" in err
    # `bot ask` asks the sets as the chat does: the first set unless one is named ("twenty-seven" is HR's).
    code, out, _err = run_cli("ask", "How many vacation days do employees get?", "--json", settings=settings)
    assert code == 0 and "twenty-seven" in json.loads(out)["answer"], out
    code, out, _err = run_cli("ask", "How often must passwords be changed?", "--set", "it-policies", settings=settings)
    assert code == 0 and "ninety days" in out, out
    code, _out, err = run_cli("ask", "How often must passwords be changed?", "--set", "nope", settings=settings)
    assert code == 1 and "no set named 'nope'" in err and "it-policies" in err
