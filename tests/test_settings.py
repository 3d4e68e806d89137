"""Every setting is documented, in the code and in .env.example."""

from __future__ import annotations

import re

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
