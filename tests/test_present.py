"""What the chat shows for an answer: sources, bold backing sentences, notes - checked without a browser."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.answer.present import reply_markdown, retrieval_summary, source_views
from bot.types import Grounding


def test_an_answer_lists_its_sources_and_opens_them_with_the_quoted_sentences_in_bold(assistant):
    answer = assistant.ask("Can LLMs make images?")
    sources = source_views(answer, assistant.retriever.live_view().documents())
    assert [s.label for s in sources] == [
        "[1] Zero Gravity Marketing › Can LLMs Create Images and Videos Like… (part 1 of 2)",
        "[2] Zero Gravity Marketing › Can LLMs Create Images and Videos Like… (part 2 of 2)",
    ]  # two passages of one section told apart
    assert len(sources) == len(answer.cited)
    assert "\n\n**No, LLMs are built specifically for text-based tasks.** **They excel at" in sources[0].content
    assert "`zero-gravity-marketing-llms-vs-generative-ai.md`" in sources[0].content
    whole = sources[0].content.split("##### The whole section (2 passages)", 1)[1]  # folded in the chat
    assert "For now, if your goal is to create AI-generated images" in whole and "**" not in whole
    reply = reply_markdown(answer, sources)
    # Each [n] is followed by an invisible mark that makes it the link to its source (see CITE_MARK).
    assert reply.replace("\u2060", "").startswith(answer.text)
    assert "analysis. [1]\u2060 For now" in reply  # a run of one passage's sentences is cited once, after it
    assert (
        "\n- [1]\u2060 Zero Gravity Marketing › Can LLMs Create Images and Videos Like Generative AI? (part 1 of 2)"
        " · “LLMs vs Generative AI”" in reply
    )


def test_a_sources_footer_names_the_document_title_once():
    from bot.types import Answer, Passage

    passage = Passage(
        "p1", "What is not reimbursed\n\nMinibar.", "Travel and Expenses Policy", "", "travel.docx",
        heading="Travel and Expenses Policy > What is not reimbursed",
    )  # fmt: skip
    answer = Answer("Q?", "Minibar. [1]", True, [passage], "Q?", {1: ["Minibar."]})
    (view,) = source_views(answer)
    # It read "*Travel and Expenses Policy* - Travel and Expenses Policy › What is not reimbursed - ..." (tester).
    assert "*Travel and Expenses Policy* - What is not reimbursed - `travel.docx`" in view.content, view.content


def test_footnotes_after_an_answer_ending_in_a_list_are_a_list_of_their_own():
    from markdown_it import MarkdownIt

    from bot.types import Answer, Passage

    passage = Passage(
        "p1", "Policy\n\nWe will:\n\n- fix it\n- tell you", "Security", "", "SECURITY.md", heading="Policy"
    )
    answer = Answer("Q?", "We will: [1]\n\n- fix it\n- tell you", True, [passage], "Q?", {1: ["We will:"]})
    reply = reply_markdown(answer, source_views(answer))
    tokens = MarkdownIt("commonmark").parse(reply)
    lists = [t for t in tokens if t.type == "bullet_list_open"]
    items = [t for t in tokens if t.type == "list_item_open"]
    # The tester saw the footnote as a third item of the answer's own list.
    assert len(lists) == 2 and len(items) == 3, reply


def test_a_declined_question_is_shown_as_its_text_alone(assistant):
    declined = assistant.ask("What is the capital of France?")
    assert not declined.answered
    sources = source_views(declined, assistant.retriever.live_view().documents())
    assert sources == [] and reply_markdown(declined, sources) == declined.text  # no footnotes, links or notes


def test_removed_sentences_and_notices_show_under_the_answer_as_text(assistant):
    answer = replace(
        assistant.ask("Can LLMs make images?"),
        grounding=Grounding(supported=1, total=1, fallback=False),
        removed=["LLMs paint *masterpieces* [click](https://evil.example)"],
        notice="The language model timed out.",
    )
    reply = reply_markdown(answer, source_views(answer))
    assert "✔ 1 of 1 sentences supported by the articles" in reply
    # Never a live link: GitHub-flavoured Markdown would still link the bare address, so a word joiner breaks it.
    assert "~~LLMs paint \\*masterpieces\\* \\[click\\]\\(https:\u2060//evil.example\\)~~" in reply
    assert reply.rstrip().endswith("*ℹ The language model timed out.*")


def test_the_search_step_shows_the_rewritten_query_escaped(assistant):
    retrieval = assistant.retrieve("What about **videos**?", ["Can LLMs make images?"])
    summary = retrieval_summary(retrieval)
    assert summary.startswith("Searched for: ") and "\\*\\*" in summary and "1. " in summary


def test_the_search_step_lists_the_passages_by_the_relevance_it_shows(assistant):
    retrieval = assistant.retrieve("How do the strengths of generative AI differ from those of LLMs?")
    ranked = [p.score for p in retrieval.passages]
    assert ranked != sorted(ranked, reverse=True)  # the retriever's rank also weighs keywords and sentences
    rows = retrieval_summary(retrieval).split("\n")[2:]
    shown = [float(re.search(r"· relevance (\d\.\d\d)$", row).group(1)) for row in rows]
    assert shown == sorted(shown, reverse=True) and len(shown) == len(ranked), rows
    assert [row.split(". ", 1)[0] for row in rows] == [str(n) for n in range(1, len(rows) + 1)]


def test_the_search_step_says_declined_when_the_answerer_declines_what_retrieval_found_answerable(assistant):
    question = "Who invented the generative adversarial network?"  # the articles name no inventor
    retrieval = assistant.retrieve(question)
    answer = assistant.compose(retrieval)
    assert retrieval.decision.answer and not answer.answered  # found answerable, then no name to give
    first = retrieval_summary(retrieval, answer).split("\n")[0]
    assert "· declined: asks for a name" in first and "answerable" not in first
    assert "· answerable: " in retrieval_summary(retrieval).split("\n")[0]  # before the answer is known
