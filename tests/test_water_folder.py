"""Faults a tester who had not seen the code found on a made-up water utility's folder (2026-12-06), each asked of
a small folder that says what that utility's documents said."""

from __future__ import annotations

import pytest

from .conftest import folder_indexed

pytestmark = pytest.mark.ingest


def _assistant(built_index, folder, files: dict[str, str]):
    """An assistant over a small folder of these files."""
    from bot.assistant import Assistant

    return Assistant.build(folder_indexed(built_index, folder, files))


CHARTER = (
    "# Kestrel Valley Water — Customer Charter\n\n*Effective 1 April 2025. Reviewed every two years by the Board of "
    "Directors.*\n\nKestrel Valley Water (KVW) supplies drinking water and collects wastewater for roughly 184,000 "
    "households and 6,200 businesses in the towns of Ardmere, Holloway Cross and Fenwick.\n\n## Our service standards\n\n"
    "We aim to meet each of the following standards. Where a standard is marked Guaranteed, we pay automatically.\n\n"
    "| Standard | Target | Guaranteed? | Payment if missed |\n|---|---|---|---|\n"
    "| Keeping appointments | Arrive within the agreed 2-hour slot | Yes | £40 credit |\n"
    "| Low water pressure | Investigate within 5 working days | No | — |\n\n"
    "Guaranteed payments are credited to your account within 20 working days.\n\n## How to contact us\n\n"
    "- **Customer Contact Centre:** 0300 555 0142 (Monday to Friday 8:00–18:00, Saturday 9:00–13:00)\n"
    "- **24-hour emergency line (bursts, no water, sewer flooding):** 0800 919 2277\n\n## Your responsibilities\n\n"
    "You are responsible for the supply pipe that runs from the boundary of your property to your home. Kestrel "
    "Valley Water is responsible for the water main in the street.\n"
)
CHARGES = (
    "# Kestrel Valley Water Charges Scheme 2025/26\n\nThis scheme applies to Kestrel Valley Water bills for the "
    "period 1 April 2025 to 31 March 2026.\n\n## Paying your bill\n\nCustomers paying the whole year by direct debit "
    "by 30 April receive a 2% early-payment discount. We never disconnect household customers for non-payment.\n\n"
    "## Fees\n\nA returned direct debit costs £15.00. A paper copy of a bill costs £8.00.\n\n"
    "## New connection charges\n\n| Item | Charge |\n| --- | --- |\n| Standard connection, up to 25 mm | £1,180 |\n"
    "| Standard connection, 32 mm | £1,540 |\n"
)
ASSIST = (
    "# Kestrel Valley Water WaterAssist Policy\n\n## WaterAssist social tariff\n\nWaterAssist reduces a household's "
    "bill by 45%. Where a customer qualifies for both WaterAssist and WaterSure, we will apply whichever gives the "
    "lower bill.\n\n## How to apply\n\n1. Download the application form from our website.\n2. Attach evidence of "
    "income for the last three months.\n3. Return the form by post.\n4. We decide within 20 working days.\n\n"
    "## Fresh Start\n\nCustomers with arrears of more than £300 can join "
    "Fresh Start. For every payment made on time, Kestrel Valley Water writes off an equal amount of arrears, up to "
    "£1,500.\n"
)
SOP = (
    "KESTREL VALLEY WATER\nStandard Operating Procedure (SOP) LR-04: Handling Reported Leaks and Bursts\n"
    "Version 4.1 — issued 3 March 2025 — owner: Head of Network Operations (Dana Okafor)\n\n"
    "1. PURPOSE\n\nThis SOP describes how Contact Centre advisers and network technicians handle reports of leaks.\n\n"
    "2. PRIORITY CATEGORIES\n\nEvery report must be assigned one of the following categories by the adviser:\n\n"
    "  P1 — Emergency: water flooding a property or a road. Target: technician on site within 1 hour.\n"
    "  P2 — Urgent: visible water running in a street with no flooding. Target: on site within 4 hours.\n\n"
    "3. RECORD KEEPING\n\nFWMS job records are kept for 7 years.\n"
)


@pytest.fixture(scope="module")
def utility(built_index, tmp_path_factory):
    files = {"customer-charter.md": CHARTER, "charges.md": CHARGES, "waterassist.md": ASSIST}
    files["leak-reporting-sop.txt"] = SOP
    files["quality.md"] = (
        "# Drinking Water Quality Report 2024\n\nWe carried out 148,350 tests in 2024. The overall compliance figure "
        "used by the Drinking Water Inspectorate, known as the Compliance Risk Index, was 1.8 for our company.\n"
    )
    files["connections.md"] = (
        "# New Connections FAQ\n\n## How long does it take?\n\nA standard connection takes 30 days.\n"
    )
    return _assistant(built_index, tmp_path_factory.mktemp("utility"), files)


def test_a_plain_text_procedure_s_sections_answer_from_under_their_headings(utility):
    # "3. RECORD KEEPING" alone on its line was read as a list item: the answer quoted the priority categories, then
    # "RECORD KEEPING." as a sentence, then the records sentence.
    records = utility.ask("How long are job records kept?")
    assert records.answered and records.text.startswith("FWMS job records are kept for 7 years."), records.text
    assert records.sources[0].heading.endswith("3. RECORD KEEPING") and "P2" not in records.text


def test_a_question_naming_the_organisation_is_not_answered_with_its_introduction(utility):
    # "Kestrel Valley Water" is in most passages: it lifted "grants for new boilers" to the charter's opening.
    boilers = utility.ask("Does Kestrel Valley Water give grants for new boilers?")
    assert not boilers.answered and "184,000 households" not in boilers.text, boilers.text
    # Near the line (0.53), but the passages found share no word with it besides the name: nothing is quoted.
    assert boilers.text.startswith("The documents I have don't cover that") and not boilers.sources, boilers.text


@pytest.mark.parametrize(
    "question",
    [
        "Does Kestrel Valley Water sell bottled water?",
        "Does Kestrel Valley Water offer discounts for filling swimming pools?",
        "Who is the chief executive of Kestrel Valley Water?",
    ],
)
def test_a_question_close_to_the_documents_only_by_their_name_is_declined(utility, question):
    # The tester's folder answered each with the charter's opening ("supplies drinking water ... Fenwick"): the
    # name alone comes closer to the documents than the whole question does.
    answer = utility.ask(question)
    assert not answer.answered and "184,000 households" not in answer.text, answer.text
    assert "own name alone comes" in answer.reason, answer.reason


def test_the_documents_own_name_is_read_as_a_question_writes_it(utility):
    view = utility.retriever.live_view()
    assert view.name_phrase("Does Kestrel Valley Water sell bottled water?") == "Kestrel Valley Water"
    assert view.name_phrase("Is the call centre open on Saturdays?") == ""
    # In lower case only a word English never uses is the name: "water" here asks about water.
    assert view.name_phrase("can kestrel valley water cut off my water?") == ""
    # A question naming them is still answered from what it asks besides the name.
    fee = utility.ask("How much does Kestrel Valley Water charge for a paper copy of a bill?")
    assert fee.answered and "£8.00" in fee.text, fee.text


def test_a_question_just_short_of_the_odds_an_answer_needs_is_shown_what_comes_closest(utility):
    # Tester's "Is the call centre open on Saturdays?" was declined at 0.56 with questions the documents answer;
    # the Saturday hours were in the passage found first. More likely answered than not, short of 2:1: still a
    # decline, with what comes closest quoted and cited.
    hours = utility.ask("Is the call centre open on Saturdays?")
    assert not hours.answered, hours.text
    assert hours.text.startswith("I'm not sure the documents I have answer that. What they say that comes closest:")
    assert "Saturday 9:00–13:00" in hours.text and hours.cited and hours.sources, hours.text
    assert "quoted what comes closest" in hours.reason, hours.reason
    # And offers what to ask instead: the charter's contact section holds the hours (2026-12-08).
    assert "How do I contact us?" in hours.suggestions, hours.suggestions


def test_an_amount_in_a_question_is_searched_as_written(utility):
    # "£800" was searched as "£8.00", the paper-bill fee, and that fee was quoted as the answer.
    arrears = utility.ask("I owe £800 in arrears. Can any of it be written off?")
    assert "£800" in arrears.query and "£8.00" not in arrears.text, (arrears.query, arrears.text)


def test_an_answer_is_never_sent_empty(utility):
    # The SOP's version line, the only line under its title, reads as a byline: nothing was quotable, and the answer
    # went out empty, marked answered.
    version = utility.ask("Which version of the leak SOP is current?")
    assert version.text.strip() and (not version.answered or "4.1" in version.text), version.text


def test_a_table_quoted_as_what_comes_closest_is_shown_as_a_table(utility):
    # The table followed "What they say that comes closest:" on the same line, so the page showed its pipes as text.
    closest = utility.ask("What does a standard connection cost in Wales?")
    assert not closest.answered and "comes closest:\n\n| Item | Charge |" in closest.text, closest.text
    # "25mm" is the documents' "25 mm": it had been declined as never mentioned.
    standard = utility.ask("What does a standard 25mm connection cost?")
    assert standard.answered and "£1,180" in standard.text, standard.text


def test_how_do_i_gets_the_steps_under_a_how_to_heading(utility):
    # "How do I apply for Water Assist?" got "we will apply whichever gives the lower bill" (it says "apply"), and
    # the steps under "How to apply", which do not, were left out.
    steps = utility.ask("How do I apply for Water Assist?")
    assert steps.answered and "Download the application form" in steps.text, steps.text
    assert "20 working days" in steps.text and "whichever gives the lower bill" not in steps.text


def test_a_decline_names_a_few_documents_and_counts_the_rest(utility):
    # Every decline listed all seven of the tester's document titles in one sentence.
    decline = utility.ask("What is the capital of France?")
    assert not decline.answered and "and 3 other documents" in decline.text, decline.text
    assert decline.text.count("“") <= 3 + 1 + 3  # three titles, the name it does not mention, three suggestions


def test_a_markdown_table_is_quoted_as_a_table_and_a_section_asked_about_whole(utility):
    # A Markdown file's table was one sentence of pipes, quoted on one line as raw Markdown; and the app's own
    # starter "What does ... say about Our service standards?" got the lead-in alone, not the table it introduces.
    slot = utility.ask("What is the payment if you miss an appointment?")
    assert slot.answered and "£40 credit" in slot.text and "|---|" not in slot.text, slot.text
    assert "\n| Keeping appointments | Arrive within the agreed 2-hour slot | Yes | £40 credit |" in slot.text
    section = utility.ask("What does Kestrel Valley Water — Customer Charter say about Our service standards?")
    assert section.answered and "We aim to meet each of the following standards." in section.text, section.text
    assert "| Low water pressure |" in section.text and "within 20 working days" in section.text


def test_a_time_or_a_quantity_in_a_question_is_no_name_the_documents_must_mention(utility):
    # A second tester's "My dog has eaten chocolate and it's 11pm, what do I do?" was declined "don't mention
    # “11pm”"; "30kg" prefaced a right answer with the same. The documents say "Saturday 9:00–13:00", not "9am".
    hours = utility.ask("Is the contact centre open at 9am on Saturday?")
    assert hours.answered and "Saturday 9:00–13:00" in hours.text, hours.text
    assert "don't mention" not in hours.text


def test_the_app_s_own_starters_are_answered_and_read_as_people_say_them(built_index, tmp_path):
    """A second tester's folder: the starter "What does Client Price List 2025 say about consultations?" was
    declined (0.66); another read "What do the documents say about revision 5)?" (a PDF heading cut at a bracket);
    a third kept its FAQ's "Q:"."""
    from bot.answer.overview import build_overview

    files = {
        "prices.md": "# Client Price List 2025\n\n## Consultations\n\n| Service | Price |\n|---|---|\n"
        "| Standard consultation with a vet (15 minutes) | £52.00 |\n| Nurse consultation | £24.00 |\n\n"
        "## Vaccinations\n\n| Service | Price |\n|---|---|\n| Dog annual booster | £62.00 |\n",
        "faq.md": "# New Client FAQ\n\n## Q: How do I register my pet?\n\nFill in the registration form on our website "
        "or at any reception desk. Registration is free.\n\n## Q: Do you see rabbits?\n\nYes, every site sees rabbits.\n",
        "ipc.md": "# Infection Control Procedure\n\n## revision 5)\n\nApproved by the clinical director.\n\n## Hand hygiene\n\n"
        "Wash your hands before and after every patient.\n",
    }
    assistant = _assistant(built_index, tmp_path, files)
    starters = build_overview(assistant.settings, assistant.retriever.live_view()).starters
    assert starters and not any("Q:" in s or "revision 5)" in s for s in starters), starters
    consult = assistant.ask("What does Client Price List 2025 say about Consultations?")
    assert consult.answered and "£52.00" in consult.text and "£62.00" not in consult.text, consult.text


def test_an_abbreviation_asked_about_is_answered_where_the_documents_spell_it_out(built_index, tmp_path):
    """Two testers: "What does RVN stand for?", "What does HAI mean?" were declined though the documents write
    "Registered Veterinary Nurses (RVNs)" and "healthcare-associated infections (HAIs)"; search ranked the passages
    that only use the abbreviation higher."""
    files = {
        "handbook.md": "# Staff Handbook\n\n## Rota\n\nEvery RVN works one late shift a week. The RVN on call carries "
        "the phone.\n\n## Training\n\nRegistered Veterinary Nurses (RVNs) get £750 a year for training.\n\n## Pay\n\n"
        "Salaries are paid on the 25th.\n",
        "ipc.md": "# Infection Control\n\n## Reporting\n\nAny suspected HAI must be reported within 24 hours.\n\n"
        "## Purpose\n\nThis procedure sets out how we prevent healthcare-associated infections (HAIs) in patients.\n\n"
        "## Audit\n\nThe IPC lead audits hand hygiene every month.\n",
    }
    assistant = _assistant(built_index, tmp_path, files)
    rvn = assistant.ask("What does RVN stand for?")
    assert rvn.answered and "Registered Veterinary Nurses (RVNs)" in rvn.text, rvn.text
    hai = assistant.ask("What does HAI mean?")
    assert hai.answered and "healthcare-associated infections (HAIs)" in hai.text, hai.text
    # Used but never written out: what the documents say beside it does not say what it stands for.
    ipc = assistant.ask("What does IPC stand for?")
    assert not ipc.answered and "audits hand hygiene" not in ipc.text, ipc.text


def test_a_decline_offers_the_closest_questions_not_one_heading_whatever_was_asked(utility):
    # A climbing gym's folder had two question headings, "Do I need to book?" and a closing slide's "Questions?":
    # every decline offered those two, whatever was asked.
    boilers = utility.ask("Does Kestrel Valley Water give grants for new boilers?")
    offered = boilers.suggestions
    assert not boilers.answered and len(offered) == 3 and len(set(offered)) == 3, offered
    assert all(q.endswith("?") for q in offered), offered
    # Another question gets other offers: the nearest to it, not the same few whatever was asked.
    records = utility.ask("Does Kestrel Valley Water keep my old bills for ten years?")
    assert not records.answered and set(records.suggestions) != set(offered), records.suggestions


def test_only_a_heading_that_asks_something_is_a_question_to_offer():
    from bot.text import is_question

    assert is_question("7.2 Why is R slow?") and is_question("Q: Do I need to book?") and is_question("Can LLMs?")
    assert is_question("5.7 (How) Does Debian support Unicode?")
    assert not is_question("Questions?") and not is_question("Any questions?") and not is_question("Fees (2026)")


def test_a_price_is_answered_by_a_sum_of_money_or_free_not_by_any_number(built_index, tmp_path):
    # A climbing gym's "How much does the Youth Squad assessment cost?" quoted the squad's section: "grade 6a",
    # "15% discount" and "free off-peak entry" are no price of the assessment, which the documents never give.
    files = {
        "youth.md": "# Youth Programmes\n\n## Youth Squad\n\nYouth Squad is a training group for young climbers. Entry is "
        "by assessment only. Assessments are held in the first week of September; applicants must climb grade 6a. "
        "Squad members receive free off-peak entry and a 15% discount in the shop.\n\n## Puppy club\n\n"
        "Free puppy socialisation evenings are held every Thursday at 18:30.\n\n## Kestrel Club\n\n"
        "Kestrel Club costs £84.00 per 8-week block.\n",
    }
    assistant = _assistant(built_index, tmp_path, files)
    assessment = assistant.ask("How much does the Youth Squad assessment cost?")
    assert not assessment.answered and "don't give an amount of money" in assessment.text, assessment.text
    club = assistant.ask("How much is Kestrel Club?")
    assert club.answered and "£84.00" in club.text, club.text
    puppies = assistant.ask("How much do the puppy evenings cost?")
    assert puppies.answered and "Free puppy socialisation evenings" in puppies.text, puppies.text


def test_a_list_is_quoted_under_its_lead_in_however_long_that_is(built_index, tmp_path):
    # A climbing gym's "Who can use the concession rate?" quoted the four groups without the sentence over them,
    # which holds the rate and "but not annual memberships": a lead-in over 60 characters was left out.
    files = {
        "prices.md": "# Membership and Prices\n\n## Concessions\n\nA concession rate of 20% off adult prices (single "
        "visits, punch cards and monthly memberships, but not annual memberships) is available to:\n"
        "- full-time students with a valid student card;\n- people aged 65 and over;\n"
        "- holders of a Blue Badge or a disability benefit award letter;\n"
        "- serving members of the Armed Forces and emergency services.\n\n## Lockers\n\nLockers cost £1, returned.\n",
    }
    assistant = _assistant(built_index, tmp_path, files)
    who = assistant.ask("Who can use the concession rate?")
    assert who.answered and "but not annual memberships) is available to:" in who.text, who.text
    assert who.text.index("is available to:") < who.text.index("- people aged 65 and over"), who.text


def test_a_word_only_the_file_name_uses_is_no_word_the_documents_never_mention(built_index, tmp_path):
    # Fjordline's "How long do I keep my onboarding buddy?": only "onboarding-faq.md" says "onboarding", and the
    # question was declined for never mentioning it.
    faq = (
        "# New starter FAQ\n\n## When do I get my laptop?\n\nOn your first day, at reception at 09:00.\n\n"
        "## Who is my buddy?\n\nEvery new starter is given a buddy from another team for their first three months. "
        "Your buddy's name is in your welcome email.\n"
    )
    assistant = _assistant(built_index, tmp_path, {"onboarding-faq.md": faq, "charter.md": CHARTER})
    answer = assistant.ask("How long do I keep my onboarding buddy?")
    assert "“onboarding”" not in answer.text, answer.text


def test_an_abbreviation_the_documents_only_write_out_is_read_as_what_they_write(utility):
    # The utility's "What was KVW's CRI score from the DWI?" was declined (0.14): the report writes "Drinking Water
    # Inspectorate" and "Compliance Risk Index" and never their initials. Issue 29: a short name is matched to what
    # the documents spell out before anything is declined for it, in capitals or typed in lower case.
    for question in ("What was KVW's CRI score from the DWI?", "whats the cri"):
        score = utility.ask(question)
        assert score.answered and "was 1.8 for our company" in score.text, (question, score.text)
    # Initials the documents write out as nothing stay as written, and what they ask is still declined.
    assert not utility.ask("What was KVW's TQI score from the DWI?").answered
