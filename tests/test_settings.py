"""Every setting is documented, in the code and in .env.example."""

from __future__ import annotations

import re

from bot.settings import Settings

from .conftest import ROOT


def test_every_setting_is_documented():
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^(BOT_[A-Z_]+)=", example, flags=re.MULTILINE))
    fields = Settings.model_fields
    assert listed == {f"BOT_{name.upper()}" for name in fields}
    for name, field in fields.items():
        assert field.description, f"{name} has no description"


def test_example_values_are_the_defaults(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text((ROOT / ".env.example").read_text(encoding="utf-8").replace("BOT_EMBEDDING_MODEL=\n", ""))
    from_example = Settings(_env_file=env_file)
    defaults = Settings(_env_file=None)
    assert from_example.model_dump() == defaults.model_dump()
