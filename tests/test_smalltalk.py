"""Talking like an assistant: greetings, thanks and questions about the assistant get short replies about
it (never a refusal), and everything else still goes to the documents. Also the branding helpers."""

from __future__ import annotations

import pytest

from bot.question.patterns import small_talk


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("thanks!", "thanks"),
        ("Thanks, that helps!", "thanks"),
        ("ok thank you so much", "thanks"),
        ("What can you do?", "about"),
        ("Who are you?", "about"),
        ("help", "about"),
        ("Hello, what can you do?", "about"),
        ("how do I use this?", "about"),
        ("hi there", "greeting"),
        # About the documents' subject, not about the assistant: retrieval answers these.
        ("What can you do with an LLM?", ""),
        ("help me compare LLMs and generative AI", ""),
        ("What do you know about deepfakes?", ""),
        ("Thanks to LLMs, can chatbots write code?", ""),
    ],
)
def test_small_talk_is_recognised_only_as_a_whole_message(message, kind):
    assert small_talk(message) == kind


def test_thanks_get_a_brief_reply_not_a_greeting_or_a_refusal(assistant):
    answer = assistant.ask("thanks!")
    assert answer.answered and not answer.sources and not answer.cited
    assert answer.text.startswith("You're welcome!") and len(answer.text) < 100
    assert "don't cover" not in answer.text and not answer.suggestions


@pytest.mark.parametrize("question", ["What can you do?", "Who are you?", "help"])
def test_questions_about_the_assistant_say_what_it_is_knows_and_how_to_use_it(assistant, question):
    answer = assistant.ask(question)
    assert answer.answered and not answer.sources and not answer.cited  # no "[n]" that names nothing
    text = answer.text
    assert text.startswith(f"I'm {assistant.settings.assistant_name}.")
    assert "“LLMs vs Generative AI” (Zero Gravity Marketing)" in text and "“LLM vs Generative AI” (Globussoft)" in text
    assert "pick a suggestion" in text and "The documents I have don't cover that" not in text
    assert "“Can LLMs make images?”" in text and "Can LLMs make images?" in answer.suggestions  # offered as buttons


def test_small_talk_is_not_scored_as_a_refusal_or_an_uncited_answer(assistant):
    from bot.tools.evaluate import EvalItem, run_eval

    items = [
        EvalItem(id="t1", turns=["Who are you?"], answerable=False),
        EvalItem(id="t2", turns=["thanks!"], answerable=False),
        EvalItem(id="t3", turns=["What is the capital of France?"], answerable=False),
        EvalItem(id="t4", turns=["Can LLMs make images?"], evidence=["text-based tasks"], must_include=[["no"]]),
    ]
    summary, results = run_eval(assistant, items)
    assert [r.answer.answered for r in results] == [True, True, False, True]
    assert summary["refusal_accuracy"] == 1.0  # only France is judged as a refusal, and it is one
    assert summary["citation_validity"] == 1.0  # the small-talk replies cite nothing and are not counted


def test_the_brand_colour_and_files_come_from_settings_with_the_projects_defaults(tmp_path):
    from bot.settings import Settings
    from bot.web.branding import DEFAULT_BRAND_DIR, brand_css, brand_file, brand_problems, hsl_triplet, initials_avatar

    assert hsl_triplet("#3b6fd8") == "220 67% 54%" and hsl_triplet("#000000") == "0 0% 0%"
    (tmp_path / "logo_light.png").write_bytes(b"\x89PNG")
    settings = Settings(_env_file=None, brand_dir=tmp_path, primary_color="#c2410c")
    assert brand_file("logo_light", settings) == tmp_path / "logo_light.png"
    assert brand_file("logo_dark", settings) == DEFAULT_BRAND_DIR / "logo_dark.svg"  # the project's own
    assert brand_file("avatar", settings) is None  # the initials stand in
    assert "no logo_dark, favicon, avatar image" in brand_problems(settings)[0]
    assert "--primary: 17 88% 40% !important" in brand_css(settings) and "a.element-link" in brand_css(settings)
    svg = initials_avatar("Acme Advisor", "#c2410c")
    assert ">AA</text>" in svg and 'fill="#c2410c"' in svg
    with pytest.raises(ValueError, match="primary_color"):
        Settings(_env_file=None, primary_color="orange")
