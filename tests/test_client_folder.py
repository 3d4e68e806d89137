"""Issue 29's examples on a client's own folder (the Fjordline handbook: PDF, DOCX, HTML, Markdown): questions
naming the client that the handbook does not answer are declined, and ones it does answer are answered."""

from __future__ import annotations

import pytest

from .conftest import SHARED, copy_query_encoder, require_shared

HANDBOOK = SHARED / "corpora/fjordline/handbook"

pytestmark = pytest.mark.ingest


@pytest.fixture(scope="module")
def fjordline(built_index, tmp_path_factory):
    from bot.assistant import Assistant
    from bot.ingest.index import ingest

    index = tmp_path_factory.mktemp("fjordline") / "index"
    settings = built_index.model_copy(update={"corpus_dir": require_shared(HANDBOOK), "index_dir": index})
    copy_query_encoder(built_index.index_dir, index)
    ingest(settings, progress=False)
    return Assistant.build(settings)


@pytest.mark.parametrize(
    "question",
    [
        "Does Fjordline offer a gym membership?",  # once answered with the parental-leave sentence
        "How much does Fjordline contribute to my pension?",  # once answered with the handbook's title
        "Is there a company car?",
        # typed in lower case, the client's name is still its name ("fjordline" is no English word): answered 0.71
        "does fjordline offer a gym membership",
    ],
)
def test_a_benefit_the_handbook_does_not_have_is_declined_though_the_question_names_the_client(fjordline, question):
    answer = fjordline.ask(question)
    assert not answer.answered and not answer.sources, answer.text
    assert "Fjordline Employee Handbook 2026 [1]" not in answer.text
    assert answer.suggestions  # questions the handbook does answer are offered instead


def test_the_clients_name_typed_in_lower_case_is_its_name(fjordline):
    view = fjordline.retriever.live_view()
    assert view.name_phrase("how much does fjordline contribute to my pension?") == "fjordline"
    assert "own name alone comes" in fjordline.ask("does fjordline offer a gym membership").reason


def test_what_the_handbook_says_is_answered_with_the_clients_name_in_the_question(fjordline):
    answer = fjordline.ask("What are the core hours at Fjordline?")
    assert answer.answered and "10:00" in answer.text and "15:00" in answer.text and answer.cited == [1]
    allowance = fjordline.ask("What is the daily allowance in London?")
    assert allowance.answered and "75 euros" in allowance.text


def test_a_decline_over_a_place_the_handbook_never_names_quotes_what_it_says_on_the_rest(fjordline):
    # Issue 29: "Can I work remotely from Thailand for two months?" was declined over "Thailand" alone, though the
    # Remote Work section says where one may work from. Still a decline (the handbook never names Thailand).
    answer = fjordline.ask("Can I work remotely from Thailand for two months?")
    assert not answer.answered and answer.text.startswith("The documents I have don't mention “Thailand”."), answer
    assert "EU/EEA or the United Kingdom" in answer.text and answer.cited == [1], answer.text
    assert answer.sources[0].heading == "Remote Work", answer.sources
    # It offers that section whole to ask about, as a decline offers what comes closest (2026-12-08).
    assert "What does Fjordline Employee Handbook 2026 say about Remote Work?" in answer.suggestions, answer.suggestions
    # The city's row is not there, but the rule for the others is.
    lisbon = fjordline.ask("I'm going to a conference in Lisbon. What daily allowance do I get?")
    assert not lisbon.answered and "don't mention “Lisbon”." in lisbon.text and "55 euros" in lisbon.text
    # When the rest is no more likely answered than not, the decline quotes nothing: it offers questions.
    parking = fjordline.ask("Is there a parking space at the Bergen office?")
    assert not parking.answered and not parking.sources and parking.suggestions, parking.text


def test_the_decline_says_how_sure_the_model_was(fjordline):
    decision = fjordline.retrieve("Does Fjordline offer a gym membership?").decision
    assert decision.probability is not None and decision.probability < 0.5
    assert (
        f"probability {int(decision.probability * 100) / 100:.2f}" in decision.reason and "off-topic" in decision.reason
    )


def test_two_questions_in_one_message_get_the_answered_one_and_a_line_naming_the_other(fjordline):
    both = fjordline.ask("Is MFA required for the VPN, and which authenticator app do I use?")
    assert both.answered and "mandatory" in both.text and "Microsoft Authenticator" in both.text
    assert "other part" not in both.text
    half = fjordline.ask("Is MFA required for the VPN, and can I bring my dog to the office?")
    assert half.answered and "mandatory" in half.text
    assert (
        "The documents don't answer the other part of your question: “can I bring my dog to the office?”" in half.text
    )
    # The whole names something the handbook never mentions ("Christmas"), but only its second question does.
    payday = fjordline.ask("When is payday, and how much is the Christmas bonus?")
    assert payday.answered and "25th" in payday.text and payday.cited == [1]
    assert "“how much is the Christmas bonus?”" in payday.text
    # "the 25th" is a date: this was declined "the documents don't give a date".
    salary = fjordline.ask("What date does salary come in each month?")
    assert salary.answered and "paid on the 25th of each month" in salary.text and salary.cited == [1], salary.text


def test_the_answer_quotes_what_its_sentence_needs_around_it_from_the_best_passage(fjordline):
    # The sentence on the doctor's note answers only with the one before it: up to three days need none.
    sick = fjordline.ask("Do I need a doctor's note if I'm off sick for two days?")
    assert sick.answered and "self-certify for up to three calendar days" in sick.text, sick.text
    assert "From the fourth day you need a doctor’s note" in sick.text and sick.cited == [1]
    # Two facts of one short section, in its own order, cited once after the run.
    lunch = fjordline.ask("how much is lunch in the canteen and when is it open?")
    assert lunch.answered and "11:00 to 13:30" in lunch.text and "4 euros" in lunch.text, lunch.text
    assert lunch.text.index("11:00") < lunch.text.index("4 euros") and lunch.text.count("[1]") == 1


def test_a_short_new_question_after_another_is_answered_on_its_own_unless_it_needs_the_earlier_one(fjordline):
    # Read with the remote-work question glued on, "When do I get paid?" was answered with remote work.
    paid = fjordline.ask("When do I get paid?", ["Can I work from abroad?"])
    assert paid.answered and "25th" in paid.text and "EU/EEA" not in paid.text, paid.text
    assert paid.query == "When do I get paid?"
    # "How do I apply?" says nothing of what for: the earlier question stays with it.
    apply = fjordline.ask("How do I apply?", ["What is parental leave at Fjordline?"])
    assert "parental leave" in apply.query and "parental leave" in apply.text, apply.text
    # "What about ...?" leans on the question before, whatever it names: this was declined, asked alone.
    partner = fjordline.ask("What about the dad / the partner who isn't the main carer?", ["Is parental leave paid?"])
    assert partner.answered and "4 weeks at full pay to the secondary carer" in partner.text, partner.text


def test_a_table_row_that_answers_is_quoted_without_the_rest_of_its_table(fjordline):
    answer = fjordline.ask("and in Hamburg?", ["What's the hotel limit in London?"])
    assert answer.answered and "150 euros" in answer.text and "Hamburg" in answer.text, answer.text
    assert "London" not in answer.text and "Oslo" not in answer.text, answer.text  # not the whole table


def test_a_question_for_several_things_gets_the_list_that_names_them(fjordline):
    # It once got the sentence on what *is* reimbursed (car mileage), though the list's passage ranked first.
    answer = fjordline.ask("Which expenses are not reimbursed?")
    assert answer.answered and "never reimbursed" in answer.text and "Minibar" in answer.text, answer.text
    assert "0.30 euros" not in answer.text


def test_what_the_documents_are_about_is_answered_from_how_each_one_opens(fjordline):
    # A search for "documents" and "about" declined it; the handbook's title page or a random passage is no summary.
    answer = fjordline.ask("What are these documents about?")
    assert answer.answered and answer.cited == [1, 2, 3, 4], answer.text
    for title in ("Fjordline Employee Handbook 2026", "Travel and Expenses Policy", "IT Security Guidelines"):
        assert f"**{title}**" in answer.text
    assert "This handbook describes how we work at Fjordline Logistics AS." in answer.text
    assert "Parental Leave" in answer.text  # its main sections are named
    assert answer.used_sentences[1]  # the opening is quoted, so the source panel shows it in bold
    # One document named by a word of its title is summarised alone.
    handbook = fjordline.ask("Summarize the handbook")
    assert handbook.answered and handbook.cited == [1] and "Travel and Expenses Policy" not in handbook.text
    assert "This handbook describes how we work" in handbook.text
    # Words saying which one pick it by its title; words naming no document are a question like any other.
    travel = fjordline.ask("Summarize the travel policy")
    assert travel.cited == [1] and "**Travel and Expenses Policy**" in travel.text, travel.text
    remote = fjordline.ask("Summarize the remote work policy")
    assert remote.answered and "EU/EEA" in remote.text and "**" not in remote.text, remote.text
