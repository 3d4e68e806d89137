"""The one reading of a question: every row of the pattern table finds its examples and none of its others,
and `read_question` fills the form every later stage reads."""

from __future__ import annotations

import pytest

from bot.question.form import read_question
from bot.question.patterns import PATTERNS


@pytest.mark.parametrize("row", PATTERNS.values(), ids=list(PATTERNS))
def test_each_pattern_finds_its_examples_and_not_the_others(row):
    assert row.examples, f"{row.name} has no example"
    for example in row.examples:
        assert row.find(example), f"{row.name} misses {example!r}"
    for other in row.not_in:
        assert not row.find(other), f"{row.name} finds {other!r}"


def test_a_yes_no_question_is_read_without_its_aside():
    form = read_question("Can LLMs make images? Yes or no.")
    assert form.question == "Can LLMs make images?" and form.query == form.question
    assert form.yes_no and form.subject == "llm" and not form.small_talk and not form.follow_up


def test_a_yes_no_question_after_a_clause_of_its_own_is_read_as_yes_no():
    led = read_question("Now that AI is so capable, can we drop human review?")
    assert led.yes_no and led.subject == "drop"  # the subject comes from its own clause, not "ai"
    assert read_question("Am I allowed to fly business class on a 7 hour flight?").yes_no
    assert not read_question("When I travel to London, what is the daily allowance?").yes_no


def test_a_yes_no_question_is_the_messages_last_sentence():
    bug = read_question("R gives -4 for -2^2. Is that a bug?")
    assert bug.yes_no and bug.subject == ""  # "that" stands for what came before: it is not about bugs
    assert read_question("They use the two words alike - do they mean the same?").yes_no
    assert read_question("Can LLMs make images? 🖼️🤖").yes_no
    assert not read_question("LLMs are everywhere. What can they do?").yes_no
    # "Why?" reads as the yes/no question before it, but asks why; "And videos?" asks what it asked.
    assert not read_question("Why?", ["Our firm audits accounts. Should we use an LLM?"]).yes_no
    assert read_question("And videos?", ["Can LLMs make images?"]).yes_no
    # A word saying how or whether is no subject: the answer about "still" had quoted privacy, not human review.
    assert read_question("Should we still have humans check AI-generated content?").subject == "human"
    # Nor is a pronoun for anyone: "does everyone get a work phone?" was answered with the one sentence saying
    # "everyone" (about downloads), not with the one saying who gets a work mobile.
    assert read_question("does everyone get a work phone?").subject == "work"
    assert read_question("Can anybody book the room?").subject == "book"


def test_what_a_question_asks_for():
    assert read_question("How much does it cost to train an LLM?").kind == "price"
    assert read_question("How much memory does R use?").kind == "amount"  # a number, not a price
    assert read_question("What is a GAN?").definition_terms == {"gan"}
    assert read_question("What is the Zephyr plan?").defined_name == "Zephyr plan"
    assert read_question("How do I install a package with pip?").tool == "pip"
    assert read_question("Is GPT-4 free?").names == ("GPT-4",)
    listing = read_question("List the challenges of adopting LLMs.")
    assert listing.wants_list and not listing.compare and not listing.wants_summary


def test_a_comparison_is_read_with_each_side():
    form = read_question("What's the difference between LLMs and generative AI?")
    assert form.compare and form.pair == "LLMs and generative AI"
    assert [side.query for side in form.sides] == [
        "What's the difference between LLMs?",
        "What's the difference between generative AI?",
    ]
    assert all(not side.sides for side in form.sides)


def test_small_talk_is_not_read_as_a_follow_up():
    form = read_question("thanks!", ["Can LLMs make images?"])
    assert form.small_talk == "thanks" and form.query == "thanks!"
    follow_up = read_question("What about videos?", ["Can LLMs make images?"])
    assert follow_up.query == "Can LLMs make videos?" and follow_up.follow_up and follow_up.yes_no


@pytest.mark.parametrize(
    ("follow_up", "query"),
    [
        ("What about a tandem?", "How much does it cost to rent a tandem?"),
        ("And tandems?", "How much does it cost to rent tandems?"),
    ],
)
def test_a_follow_up_naming_a_thing_with_its_article_stands_in_for_the_earlier_one(follow_up, query):
    """ "And what about a tandem?" after a question on renting an electric bike was searched as "what about a
    tandem (How much ...)" and declined (a tester's bike-hire folder): a phrase with its article is a phrase."""
    assert read_question(follow_up, ["How much does it cost to rent an electric bike?"]).query == query


@pytest.mark.parametrize(
    ("message", "parts"),
    [
        (
            "What does debmake -j do, and where do I find its output?",
            ("What does debmake -j do?", "where do I find its output?"),
        ),
        (
            "I need to cite R in my paper. Who do I list as the author, and can R generate the BibTeX for me?",
            ("I need to cite R in my paper. Who do I list as the author?", "can R generate the BibTeX for me?"),
        ),
        (
            "what does -x3 give me? and what's with the .ex files?",
            ("what does -x3 give me?", "what's with the .ex files?"),
        ),
        ("How do LLMs and generative AI differ?", None),  # one question about two things
        ("My laptop was stolen. Who do I call and how quickly?", None),  # "how quickly" asks nothing of its own
        ("When and where do I pick up my laptop?", None),
        ("In plain terms, what's the difference between an LLM and generative AI?", None),
    ],
)
def test_two_questions_in_one_message_are_read_each_on_its_own(message, parts):
    form = read_question(message)
    assert tuple(p.question for p in form.parts) == (parts or ())
    if parts:
        assert form.query == message  # the whole is still searched and decided as one, too


def test_the_x_of_what_is_x_is_read_from_the_first_of_two_questions():
    form = read_question("What is a GAN, and who invented it?")
    assert form.defined_name == "GAN" and form.definition_terms == {"gan"}


def test_a_request_for_more_that_names_nothing_is_read_with_the_earlier_question():
    # "Give me an example." was searched on its own and answered with the definition of generative AI.
    form = read_question("Give me an example.", ["What does generative AI do in entertainment?"])
    assert "entertainment" in form.query and form.alone is None
    assert read_question("Give me an example of a GAN.", ["What is generative AI?"]).query.startswith(
        "Give me an example of a GAN"
    )


def test_a_yes_no_question_with_how_much_inside_asks_whether_not_how_much():
    # It was declined for giving no amount, though the Debian Reference says how to cap APT's bandwidth.
    assert read_question("Can I cap how much bandwidth APT uses for downloads?").kind == ""
    assert read_question("How much bandwidth does APT use?").kind == "amount"


def test_tell_me_more_asks_for_more_of_the_answer_before_and_an_example_may_repeat_one():
    assert read_question("Tell me more.", ["Can LLMs make images?"]).more
    assert not read_question("Give me an example.", ["Can LLMs make images?"]).more
    assert not read_question("Tell me more.").more  # nothing before it to go on from


def test_a_documents_title_before_says_about_is_read_as_the_kind_of_document():
    from bot.question.patterns import title_as_document

    titles = ["Tidewell Software Employee Handbook", "Incident Response Runbook - Tidewell", "Remote Work", "Guide"]
    assert title_as_document("What does Tidewell Software Employee Handbook say about Annual leave?", titles) == (
        "What does the handbook say about Annual leave?"
    )
    # "Runbook" is no "book"; a title that is the topic ("remote work") stays where it is not what "says about".
    assert title_as_document("What does the Incident Response Runbook - Tidewell mention on paging?", titles) == (
        "What does the document mention on paging?"
    )
    assert title_as_document("Can I do remote work from Spain?", titles) == "Can I do remote work from Spain?"


@pytest.mark.parametrize(
    ("question", "query"),
    [
        # A tester's library: "list" weighed most of the question's words, and the answer was about bringing drinks.
        (
            "what do I need to bring with me to join the library? list please",
            "what do I need to bring with me to join the library?",
        ),
        ("what activities do you have for kids? can you list them", "what activities do you have for kids?"),
        ("Which rooms can I hire, as a list?", "Which rooms can I hire?"),
    ],
)
def test_asking_for_a_list_is_the_answers_form_not_a_word_of_what_is_asked(question, query):
    form = read_question(question)
    assert form.query == query and form.wants_list, (form.query, form.wants_list)
    # "list" that names something stays a word of the question.
    assert "list" in read_question("What is on the waiting list?").query


def test_a_pronoun_with_its_verb_run_on_is_no_word_of_what_is_asked():
    # "im in a 1st floor flat", respelt "i'm", weighed as the question's rarest word: one the documents never use.
    from bot.text import tokenize

    assert tokenize("can i put laminate flooring down, i'm in a 1st floor flat") == [
        "put",
        "laminate",
        "flooring",
        "1st",
        "floor",
        "flat",
    ]
    assert tokenize("you've, we're, there's, what's, it'll, i'd") == []
    assert tokenize("the user's o'clock") == ["user", "o'clock"]
    # typed without the apostrophe too, where no other word is spelt so
    assert tokenize("whats the GIL, thats it, wills and shells") == ["gil", "will", "shell"]


def test_whats_x_names_its_own_subject_after_another_question():
    # "What's an RSA?" after a question on ages was read with that question glued on, so the next follow-up's
    # "they" stood for Kestrel Peak, not the RSA.
    history = ["How old do you have to be to climb at Kestrel Peak?", "What's an RSA?"]
    form = read_question("Can they climb themselves while they're supervising?", history)
    assert form.query.startswith("Can RSA climb"), form.query
