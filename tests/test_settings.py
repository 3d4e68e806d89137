"""Every setting is documented, in the code and in .env.example."""

from __future__ import annotations

import re

import pytest

from bot.settings import Settings

from .conftest import ROOT


def test_every_setting_is_documented():
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^([A-Z_]+)=", example, flags=re.MULTILINE))
    fields = Settings.model_fields

    def env_names(name, field) -> set[str]:
        alias = field.validation_alias
        return set(alias.choices) if alias is not None else {f"BOT_{name.upper()}"}

    for name, field in fields.items():
        assert listed & env_names(name, field), f"{name} is not in .env.example"
    assert listed <= set().union(*(env_names(n, f) for n, f in fields.items())), "unknown names in .env.example"
    for name, field in fields.items():
        assert field.description, f"{name} has no description"


def test_example_values_are_the_defaults(tmp_path):
    env_file = tmp_path / ".env"
    blank = re.compile(r"^[A-Z_]+=\n", re.MULTILINE)  # empty values mean "not set"
    env_file.write_text(blank.sub("", (ROOT / ".env.example").read_text(encoding="utf-8")))
    from_example = Settings(_env_file=env_file)
    defaults = Settings(_env_file=None)
    assert from_example.model_dump() == defaults.model_dump()


def test_env_example_copied_as_is_means_every_default(tmp_path, monkeypatch):
    """The README's demo step: `cp .env.example .env`. Its `NAME=` lines (empty) are the defaults, so the
    bundled embedding model and local model are found, not the current folder."""
    env_file = tmp_path / ".env"
    env_file.write_text((ROOT / ".env.example").read_text(encoding="utf-8"))
    monkeypatch.setenv("BOT_TOP_K", "")  # empty in the environment too
    copied = Settings(_env_file=env_file)
    assert copied.model_dump() == Settings(_env_file=None).model_dump()
    assert copied.embedding_model is None and (copied.embedding_model_path() / "modules.json").is_file()


@pytest.mark.llm  # the bundled SmolLM2 package imports llama.cpp: the `local` extra, not in the fast lane
def test_env_example_copied_as_is_finds_the_bundled_local_model(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text((ROOT / ".env.example").read_text(encoding="utf-8"))
    copied = Settings(_env_file=env_file)
    assert copied.local_model_path is None and copied.local_model_file().name.endswith(".gguf")


def test_path_settings_expand_home_and_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("CLIENTS", str(tmp_path / "clients"))
    env_file = tmp_path / ".env"
    env_file.write_text("BOT_CORPUS_DIR=~/clients/acme/handbook\nBOT_DATA_DIR=$CLIENTS/data\nBOT_BRAND_DIR=~/brand\n")
    settings = Settings(_env_file=env_file)
    assert settings.corpus_dir == tmp_path / "clients" / "acme" / "handbook"
    assert settings.data_dir == tmp_path / "clients" / "data"
    assert settings.brand_dir == tmp_path / "brand"
    assert Settings(_env_file=None, index_dir="~/idx").index_dir == tmp_path / "idx"


def test_a_wrong_model_folder_is_named_without_advice_that_does_not_fit(tmp_path):
    from bot.ingest.index import IndexUnavailable, load_embeddings

    settings = Settings(_env_file=None, embedding_model=tmp_path)
    try:
        load_embeddings(settings)
    except IndexUnavailable as exc:
        message = str(exc)
    else:
        raise AssertionError("an empty folder loaded as a model")
    assert f"BOT_EMBEDDING_MODEL={tmp_path}" in message and "leave it empty" in message
    assert "pip install" not in message  # the bundled package is installed: installing it again fixes nothing
