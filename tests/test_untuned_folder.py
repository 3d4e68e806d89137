"""Faults a tester who had not seen the code found on a made-up company's folder (2026-12-05), each asked of a
small folder that says what that company's documents said."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from .conftest import folder_assistant, folder_indexed, one_file_indexed

SCHOOL_FEES = Path(__file__).parent / "cases/school-fees"  # a tester's fees PDF, as written

pytestmark = pytest.mark.ingest


def test_a_sentence_opening_with_no_as_a_word_keeps_it(built_index, tmp_path):
    """ "No customer data is stored outside the UK" was quoted as "Customer data is stored outside the UK": its
    "No" was taken for a verdict answering another question, and stripped."""
    from bot.assistant import Assistant

    settings = one_file_indexed(
        built_index,
        tmp_path,
        "# Data retention policy\n\n## Hosting\n\nCustomer data is hosted in the London region. Backups are copied "
        "to the Ireland region. No customer data is stored outside the European Economic Area and the UK.\n\n"
        "## Deletion\n\nA deletion request is answered within 30 days.\n",
    )
    answer = Assistant.build(settings).ask("Where is customer data hosted?")
    assert answer.answered and "No customer data is stored outside" in answer.text, answer.text


HANDBOOK = (
    "# Tidewell Software Employee Handbook\n\nVersion 4.2. This handbook applies to all permanent employees of "
    "Tidewell Software Ltd. Questions about this handbook go to the People team.\n\n## Annual leave\n\nYour "
    "entitlement grows with your length of service: 23 days in your first three years, 25 days after that.\n\n"
    "## Sick leave\n\nTell your manager before 10:00 on the first day you are unwell.\n"
)


def test_a_question_naming_a_document_by_its_title_is_answered_from_the_section_it_asks_about(built_index, tmp_path):
    """The starter "What does Tidewell Software Employee Handbook say about Annual leave?" was answered with the
    handbook's opening: the title's words, searched for, outweighed the section's."""
    from bot.assistant import Assistant

    files = {
        "handbook.md": HANDBOOK,
        "security.md": "# IT and Security Policy\n\n## Passwords\n\nPasswords have at least 14 characters. Staff "
        "of Tidewell Software use two-factor sign-in.\n",
        "pricing.md": "# Ledgerly Pricing and Plans\n\n## Plans\n\nThe Growth plan costs 29 pounds per user per "
        "month. Tidewell Software offers a 21-day trial.\n",
    }
    assistant = Assistant.build(folder_indexed(built_index, tmp_path, files))
    answer = assistant.ask("What does Tidewell Software Employee Handbook say about Annual leave?")
    assert answer.answered and "23 days" in answer.text and "Version 4.2" not in answer.text, answer.text


RETENTION = (
    "# Data Retention Policy\n\nTidewell Software Ltd keeps customer and company data only as long as it is needed.\n\n"
    "## Where data is stored\n\nCustomer data is hosted in the London region.\n\n## Requests from individuals\n\n"
    "Subject access requests and deletion requests must be answered within 30 days. Forward any such request to "
    "the DPO on the day you receive it. Requests can be made by:\n\n- email to dpo@tidewell.io\n"
    "- the privacy form in Ledgerly's settings\n- post to the Bristol office\n"
)


def test_a_list_question_gets_the_list_its_best_passage_holds(built_index, tmp_path):
    """ "Which ways can someone send us a subject access request?" got only "... must be answered within 30
    days.", without the three ways listed after it (tester)."""
    from bot.assistant import Assistant

    files = {"retention.md": RETENTION, "handbook.md": HANDBOOK}
    answer = Assistant.build(folder_indexed(built_index, tmp_path, files)).ask(
        "Which ways can someone send us a subject access request?"
    )
    assert answer.answered and "30 days" in answer.text, answer.text
    assert "privacy form" in answer.text and "Bristol office" in answer.text, answer.text


LEAVE = (  # a table in HTML (or Word, or PDF) is read as rows "Column: cell; Column: cell"
    "<html><head><title>Staff Handbook</title></head><body><h1>Staff Handbook</h1><h2>Annual leave</h2>"
    "<p>Your entitlement grows with your length of service, as shown below.</p><table><thead><tr><th>Length of "
    "service</th><th>Annual leave days</th></tr></thead><tbody><tr><td>Less than 3 years</td><td>23 days</td></tr>"
    "<tr><td>3 to 5 years</td><td>25 days</td></tr><tr><td>More than 5 years</td><td>28 days</td></tr></tbody>"
    "</table><p>Working from abroad is allowed for at most 20 working days per calendar year.</p></body></html>"
)


def test_a_number_in_the_question_picks_the_table_row_whose_range_holds_it(built_index, tmp_path):
    """ "How many days of holiday do I get after working here four years?" showed the "Less than 3 years" row
    (tester): the row whose range holds four is the answer."""
    from bot.assistant import Assistant

    assistant = Assistant.build(
        folder_indexed(built_index, tmp_path, {"handbook.html": LEAVE, "retention.md": RETENTION})
    )
    _answered_by_rows(
        assistant,
        [
            (
                "How many days of holiday do I get after working here four years?",
                "3 to 5 years | 25 days",
                ("23", "28"),
            ),
            ("How much annual leave do I get after 6 years?", "More than 5 years | 28 days", ("23 days", "25 days")),
        ],
    )


def _answered_by_rows(assistant, cases: list[tuple[str, str, tuple[str, ...]]]) -> None:
    """Each question is answered with its row and none of the other rows' `others`."""
    for question, row, others in cases:
        answer = assistant.ask(question)
        assert answer.answered and row in answer.text, (question, answer.text)
        assert not any(other in answer.text for other in others), (question, answer.text)


PLANS = (
    "<html><head><title>Pricing</title></head><body><h1>Pricing and plans</h1><h2>Plans</h2><p>Every plan is "
    "billed per user per month, as shown below.</p><table><thead><tr><th>Plan</th><th>Price per user per month</th>"
    "<th>Team size</th></tr></thead><tbody><tr><td>Starter</td><td>$0</td><td>Up to 3 users</td></tr><tr><td>Pro"
    "</td><td>$6</td><td>4 to 50 users</td></tr><tr><td>Business</td><td>$5</td><td>More than 50 users</td></tr>"
    "</tbody></table><p>Users can be added at any time from the billing page.</p></body></html>"
)


def test_a_row_the_question_names_outweighs_a_number_counting_something_else(built_index, tmp_path):
    """ "We're on Business and need three more people. How much extra per month?" quoted the row whose range
    holds three (a tester's help-centre folder, 2026-12-06): the question names its row, and its number counts
    the people to add. A question naming no row still gets the row its number falls in, and a row named by a range
    ("More than 5 years") is not named by the number in it."""
    from bot.assistant import Assistant

    assistant = Assistant.build(folder_indexed(built_index, tmp_path, {"pricing.html": PLANS, "handbook.html": LEAVE}))
    _answered_by_rows(
        assistant,
        [
            ("We're on Business and need three more people. How much extra per month?", "Business | $5", ("$0", "$6")),
            ("What does a team of 30 users pay per user per month?", "Pro | $6", ("$0", "$5")),
            ("How many leave days after 5 years?", "3 to 5 years | 25 days", ("23 days", "28 days")),
        ],
    )


WALKS = (
    "<html><head><title>Walks</title></head><body><h1>Heron Point Visitor Centre</h1><h2>Guided walks</h2><table>"
    "<thead><tr><th>Walk</th><th>Distance</th><th>Price per adult</th><th>When</th></tr></thead><tbody><tr><td>Marsh "
    "Trail</td><td>5 km</td><td>£8</td><td>Daily at 10:00, April to October</td></tr><tr><td>Estuary Birds</td><td>9 "
    "km</td><td>£14</td><td>Saturdays at 08:00, all year, binoculars lent free</td></tr><tr><td>Night Sky Stroll</td>"
    "<td>3 km</td><td>£12</td><td>First Friday of each month, start time varies with sunset</td></tr></tbody></table>"
    "<p>Walks need at least 3 people to go ahead. If a walk does not reach 3 bookings, we cancel it the day before "
    "and refund you in full. The Night Sky Stroll is for ages 12 and over; the other walks welcome children.</p>"
    "</body></html>"
)


def test_a_list_of_things_and_their_prices_asked_in_one_question_gets_the_whole_table(built_index, tmp_path):
    """ "Which guided tours do you offer and how much are they?" showed one tour of three, then said the documents
    don't answer "how much are they?" beside the price it had shown (a tester's bike-hire folder, 2026-12-06):
    "they" had been read as "offer", and "Which guided tours" as no list. Asked again after it, "they" are the
    walks."""
    from bot.assistant import Assistant

    assistant = Assistant.build(folder_indexed(built_index, tmp_path, {"walks.html": WALKS, "handbook.html": LEAVE}))
    for question in ("Which guided walks do you offer and how much are they?", "Which guided walks do you offer?"):
        answer = assistant.ask(question)
        assert answer.answered, (question, answer.text)
        for row in ("Marsh Trail | 5 km | £8", "Estuary Birds | 9 km | £14", "Night Sky Stroll | 3 km | £12"):
            assert row in answer.text, (question, answer.text)
        assert "don't answer" not in answer.text, (question, answer.text)
    follow_up = assistant.retrieve("How much are they?", ["Which guided walks do you offer?"])
    assert follow_up.query == "How much are guided walks?", follow_up.query


BOATS = (
    "Heron Point Boat Hire: Terms\n\n1. RETURNING THE BOAT\n\nBring the boat back to the jetty by the time on your "
    "ticket. Late returns are charged as follows:\n\n    Minutes late        Charge\n    up to 10            no "
    "charge\n    11 to 45            £6\n    46 to 120           £18\n    more than 120       one extra day\n\n"
    "If you will be late, call the jetty office.\n\n2. LIFE JACKETS\n\nEveryone on board wears a life jacket.\n"
)


def test_a_fee_table_laid_out_with_spaces_in_a_text_file_answers_with_its_row(built_index, tmp_path):
    """ "I brought my bike back 40 minutes late. How much will I be charged?" was declined as giving no amount (a
    tester's bike-hire terms, .txt): the fee table, indented under "... as follows:", was read as code."""
    from bot.assistant import Assistant

    assistant = Assistant.build(folder_indexed(built_index, tmp_path, {"terms.txt": BOATS, "handbook.html": LEAVE}))
    answer = assistant.ask("I brought the boat back 30 minutes late. How much will I be charged?")
    assert answer.answered and "| 11 to 45 | £6 |" in answer.text, answer.text
    assert "£18" not in answer.text, answer.text


def test_a_number_counted_in_hours_looks_up_a_table_counted_in_minutes(built_index, tmp_path):
    """ "What if I am 2 hours late bringing the bike back?" was answered with the "up to 15 | no charge" row (a
    tester in the browser, bike-hire folder, 2026-12-06): the 2 was looked up in a table of minutes late."""
    from bot.assistant import Assistant

    assistant = Assistant.build(folder_indexed(built_index, tmp_path, {"terms.txt": BOATS, "handbook.html": LEAVE}))
    _answered_by_rows(
        assistant,
        [
            ("What is the charge if I bring the boat back 1.5 hours late?", "| 46 to 120 | £18 |", ("no charge", "£6")),
            ("What is the charge if I bring the boat back 20 minutes late?", "| 11 to 45 | £6 |", ("no charge", "£18")),
        ],
    )


HIRE_TERMS = (
    "# Heron Point Boat Hire: Terms\n\n## 1. Who can hire\n\nThe person who signs the hire agreement (the hirer) must "
    "be at least 18 years old and must show photo ID. Bank cards are not accepted as ID. Young people aged 16 or 17 "
    "may hire a rowing boat on their own with a parent's signed consent form. They may not hire a motor boat or a "
    "canoe under any circumstances. Children under 16 may go out only with an adult hirer in the same boat.\n\n"
    "## 2. Life jackets\n\nEveryone on board wears a life jacket.\n"
)


def test_a_yes_no_answer_led_by_its_best_sentence_keeps_the_one_leaning_on_it_beside_it(built_index, tmp_path):
    """ "I'm 17, can I rent an e-bike?" was answered "Young people aged 16 or 17 may hire a city bike ... The person
    who signs the rental agreement ... They may not hire an e-bike ...": the best sentence led, the rest followed in
    document order, and "They" came after the sentence about the hirer (a tester in the browser, 2026-12-06)."""
    from bot.assistant import Assistant

    assistant = Assistant.build(folder_indexed(built_index, tmp_path, {"terms.md": HIRE_TERMS, "handbook.html": LEAVE}))
    answer = assistant.ask("I'm 17, can I hire a motor boat?")
    assert answer.answered and "consent form. They may not hire a motor boat" in answer.text, answer.text


WALL_PRICES = (
    "# Heron Point Climbing Wall: Prices\n\n## Entry prices\n\nAn adult off-peak entry costs £9.00 and a peak entry "
    "costs £12.50. Off-peak is Monday to Friday before 16:00; every other time is peak.\n\n## Parties\n\nA "
    "climbing party for up to 8 children costs £160, and each extra child costs £15. Parties run on Saturdays.\n"
)


def test_a_day_or_an_ordinal_the_documents_do_not_write_is_no_unknown_name(built_index, tmp_path):
    """A tester's climbing-wall folder (2026-12-06): "... coming in on a Wednesday around 2pm. What will I pay?" was
    declined as "The documents I have don't mention “Wednesday”", though they say "Monday to Friday"; and a party
    "for my daughter's 10th birthday" as not mentioning "10th"."""
    from bot.assistant import Assistant

    assistant = Assistant.build(
        folder_indexed(built_index, tmp_path, {"prices.md": WALL_PRICES, "handbook.html": LEAVE})
    )
    answer = assistant.ask("How much is adult entry on a Wednesday at 2pm?")
    assert "Wednesday" not in answer.text and "£9.00" in answer.text, answer.text
    answer = assistant.ask("How much is a climbing party for my daughter's 10th birthday?")
    assert answer.answered and "£160" in answer.text, answer.text


PARTIES = (
    "# Heron Point Parties\n\nLooking for a party with a difference? This pack explains what we offer, what it costs "
    "and how to book a party. For anything else, contact the jetty office.\n\n## 1. Birthday parties\n\n"
    "A Boat Party costs £150 for up to 10 children; each extra child costs £12. A party room can be added for £40. "
    "Party food is £6.50 per child and must be ordered 7 days ahead.\n\n## 2. Booking a party, step by step\n\n"
    "- Check availability on the Parties page of our website, or call the jetty office on 01632 960999.\n"
    "- Choose your package, date and start time, and tell us roughly how many children will come.\n"
    "- Pay a £50 deposit to hold the booking. The deposit is non-refundable, but you may move your date once.\n"
    "- Send the registration link from your confirmation email to the parents of every guest. Every child who goes "
    "on the water must be registered by their own parent or guardian before the day of the party.\n"
    "- Confirm final numbers and any extras at least 48 hours before the party, by email or by phone.\n"
    "- Pay the balance no later than 14 days before the party; a later booking pays in full when it is made.\n"
    "- On the day, arrive 15 minutes before the start time and check in at the jetty office.\n\n"
    "## 3. Party terms\n\nIf you cancel 14 days or more before the party, we refund everything except the deposit.\n"
)


def test_a_procedure_headed_step_by_step_is_quoted_whole_for_a_how_to_question(built_index, tmp_path):
    """ "How do I book a party?" quoted the folder's introduction and one step (a tester's climbing-wall folder,
    2026-12-06): the procedure's heading, "2. Booking a party, step by step", was no "How to ..." heading, and its
    steps, cut into two passages, were quoted from the one retrieved. "Can you walk me through ...?" asks the same."""
    from bot.assistant import Assistant

    assistant = Assistant.build(folder_indexed(built_index, tmp_path, {"parties.md": PARTIES, "handbook.html": LEAVE}))
    for question in ("How do I book a party?", "Can you walk me through booking a party?"):
        answer = assistant.ask(question)
        assert answer.answered, (question, answer.text)
        for step in ("Check availability on the Parties page", "Pay a £50 deposit", "arrive 15 minutes before"):
            assert step in answer.text, (question, answer.text)


SETUP = (
    "# Tool setups\n\n## quilt\n\nThe quilt command offers a basic method for recording modifications. For packaging, "
    "it should be customized to record modifications in the debian/patches/ directory instead of its default patches/ "
    "directory.\n\nTo avoid changing the behaviour of the quilt command itself, create an alias dquilt by adding these "
    'lines to the ~/.bashrc file:\n\n```\nalias dquilt="quilt --quiltrc=${HOME}/.quiltrc-dpkg"\n'
    ". /usr/share/bash-completion/completions/quilt\ncomplete -F _quilt_completion $_quilt_complete_opt dquilt\n```\n\n"
    "Then create ~/.quiltrc-dpkg as follows.\n\n```\nd=.\nwhile [ ! -d $d/debian -a `readlink -e $d` != / ];\n"
    '    do d=$d/..; done\nif [ -d $d/debian ] && [ -z $QUILT_PATCHES ]; then\n    QUILT_PATCHES="debian/patches"\n'
    '    QUILT_PATCH_OPTS="--reject-format=unified"\n    QUILT_DIFF_ARGS="-p ab --no-timestamps --no-index"\n'
    '    QUILT_REFRESH_ARGS="-p ab --no-timestamps --no-index"\nfi\n```\n\n'
    "## devscripts\n\nThe devscripts package holds helper scripts such as debsign and dch. Set DEBEMAIL and "
    "DEBFULLNAME in ~/.bashrc so that dch writes your name into the changelog.\n"
)


def test_a_how_to_question_naming_a_section_gets_the_whole_section(built_index, tmp_path):
    """ "How should I set up quilt so that it writes patches to debian/patches?" quoted the section's opening, that
    quilt "should be customized", and none of the setup that follows it in the section "quilt" (debmake-doc): a
    how-to question naming the section by its heading is answered with the section, as a summary request is."""
    from bot.assistant import Assistant

    assistant = Assistant.build(one_file_indexed(built_index, tmp_path, SETUP, "setups.md"))
    answer = assistant.ask("How should I set up quilt so that it writes patches to debian/patches instead of patches/?")
    assert answer.answered and "should be customized" in answer.text, answer.text
    assert "alias dquilt" in answer.text and 'QUILT_PATCHES="debian/patches"' in answer.text, answer.text
    assert "DEBFULLNAME" not in answer.text, answer.text


def test_a_table_an_answer_quotes_part_of_is_quoted_whole_when_it_fits(built_index, tmp_path):
    """ "piano lessons price?" got the three sentences about the lessons and two of the four price rows (a tester's
    primary school, 2026-12-07: its fees PDF, as written): the answer's length cut the table, though the table alone
    is short."""
    answer = folder_assistant(built_index, tmp_path / "index", SCHOOL_FEES).ask("piano lessons price?")
    assert answer.answered and "£24.00" in answer.text, answer.text
    assert "| Shared lesson (pair), 30 minutes | £14.00 per pupil |" in answer.text, answer.text


MOVING_OUT = (
    "STORAGE FAQ\n===========\n\nQ. How do I end my rental?\nA. 1. Give us notice - at least 7 days for personal "
    "customers, 14 days for\n      business customers - in My Northgate (Account > Move out), by email to your store or\n"
    "      in writing.\n   2. Empty the unit completely. Please don't leave anything behind for us\n      to dispose "
    "of, including broken furniture or boxes.\n   3. Sweep out the unit. Brushes are available by the loading bay.\n"
    "   4. Remove your padlock and leave the door closed but unlocked.\n   5. Hand your access card (Leeds) in at the office, "
    "or post it to us.\n   6. We will inspect the unit within 2 working days and email you to\n      confirm it's been "
    "accepted.\n   7. Your deposit is refunded within 10 working days after you vacate,\n      less any charges (for "
    "example a £40 cleaning charge if the unit\n      wasn't left swept and empty).\n\n"
    "Q. Can I pay by card?\nA. Yes. We take all major debit and credit cards at the office.\n"
)


def test_a_plain_text_faqs_numbered_steps_are_quoted_to_the_last(built_index, tmp_path):
    """ "I want to stop renting my unit. What do I need to do?" got the self-storage FAQ's seven move-out steps as
    one run-on paragraph (a tester, 2026-12-06); as a list, the answer's length had then cut the seventh, about
    the deposit."""
    from bot.assistant import Assistant

    assistant = Assistant.build(folder_indexed(built_index, tmp_path, {"faq.txt": MOVING_OUT, "handbook.html": LEAVE}))
    answer = assistant.ask("I want to stop renting my unit. What do I need to do?")
    assert answer.answered and "Give us notice" in answer.text, answer.text
    assert "Your deposit is refunded within 10 working days" in answer.text, answer.text
    assert "\n- Empty the unit completely." in answer.text, answer.text  # a step is a list item, not run on


STORAGE = {
    "prices.md": "# Storage prices\n\n## Other charges\n\n| Item | Charge | When it applies |\n|---|---|---|\n"
    "| Administration fee | £10.00 | Once, when you first move in |\n| Late payment fee | £15.00 | Rent still unpaid 7 "
    "days after the due date |\n| Overlock removal | £25.00 | When access was suspended for arrears |\n",
    "terms.md": "# Terms of storage\n\n## 12. Late payment\n\n12.1 If any rent is unpaid 7 days after its due date we "
    "will charge a late payment fee. 12.2 After 14 days we may deny access to the unit.\n",
}


def test_a_second_question_the_answer_gives_the_amount_for_is_not_called_unanswered(built_index, tmp_path):
    """ "When does a late fee kick in and how much is it?" quoted the "Late payment fee | £15.00 | Rent still unpaid 7
    days after the due date" row, then said "The documents don't answer the other part of your question: “how much
    is it?”" (a tester's self-storage folder, 2026-12-06)."""
    from bot.answer.extractive import with_parts
    from bot.assistant import Assistant
    from bot.types import Answer

    assistant = Assistant.build(folder_indexed(built_index, tmp_path, {**STORAGE, "handbook.html": LEAVE}))
    question = "I'm a bit behind with my rent. When does a late fee kick in and how much is it?"
    answer = assistant.ask(question)
    assert answer.answered and "£15.00" in answer.text, answer.text
    assert "don't answer" not in answer.text, answer.text
    # There, "how much is it?" read alone had been declined (here it reads with the first part and is answered).
    retrieval = assistant.retrieve(question)
    assert [part.form.kind for part in retrieval.parts] == ["", "amount"], retrieval.parts
    first = assistant.extractive.answer(retrieval.parts[0])
    declined = Answer("how much is it?", "The documents I have don't give an amount.", False, [], "how much is it?", {})
    combined = with_parts(answer, [first, declined], retrieval)
    assert "don't answer" not in combined.text, combined.text
    # A part asking for an amount the answer does not give is still named.
    clause = dataclasses.replace(first, text="We charge a late payment fee when the rent is overdue. [1]")
    combined = with_parts(clause, [clause, declined], retrieval)
    assert "don't answer the other part of your question: “how much is it?”" in combined.text, combined.text


GROUPS = (
    "<html><head><title>Group hire</title></head><body><h1>Heron Point Boat Hire: Groups</h1><h2>Group discounts</h2>"
    "<p>Groups who book together, for the same day and the same time, get a discount on the hire price (not on "
    "extras):</p><table><thead><tr><th>Number of boats</th><th>Discount</th></tr></thead><tbody><tr><td>1 to 4</td>"
    "<td>none</td></tr><tr><td>5 to 9</td><td>10%</td></tr><tr><td>10 to 19</td><td>15%</td></tr><tr><td>20 to 40"
    "</td><td>20%</td></tr><tr><td>more than 40</td><td>price on request; call the jetty office</td></tr></tbody>"
    "</table><h2>Notice for groups</h2><table><thead><tr><th>Group type</th><th>Booking notice needed</th><th>Staff "
    "escort</th></tr></thead><tbody><tr><td>School group (under 16)</td><td>14 days</td><td>One free instructor per "
    "8 pupils; required</td></tr><tr><td>Youth club</td><td>7 days</td><td>Optional, 30 pounds per instructor</td>"
    "</tr><tr><td>Private party</td><td>2 days</td><td>Not available</td></tr></tbody></table></body></html>"
)


def test_a_table_asked_about_as_a_whole_is_quoted_whole_and_a_cell_may_hold_a_semicolon(built_index, tmp_path):
    """A tester in the browser, on the bike-hire folder (2026-12-06): "Is there a discount for groups?" showed the
    three best-fitting rows of five and left out the 20% for 20 to 40 bikes; and the school row, whose escort cell
    reads "One free guide per 8 pupils; required", came out as a raw "Group type: ...; ..." line above a table of
    the other rows. A question naming a number still gets its one row."""
    from bot.assistant import Assistant

    assistant = Assistant.build(folder_indexed(built_index, tmp_path, {"groups.html": GROUPS, "handbook.html": LEAVE}))
    answer = assistant.ask("Is there a discount for groups?")
    assert answer.answered, answer.text
    rows = ("| 1 to 4 | none |", "| 5 to 9 | 10% |", "| 10 to 19 | 15% |", "| 20 to 40 | 20% |")
    assert all(row in answer.text for row in rows), answer.text
    assert "| more than 40 | price on request; call the jetty office |" in answer.text, answer.text
    assert answer.text.count("| --- |") == 1, answer.text  # one table
    answer = assistant.ask("How much notice do school groups need to give?")
    assert "| School group (under 16) | 14 days | One free instructor per 8 pupils; required |" in answer.text, answer
    assert "Group type:" not in answer.text, answer.text
    _answered_by_rows(assistant, [("We are 12 boats. What discount do we get?", "| 10 to 19 | 15% |", ("20%",))])


CANOES = {
    "guide.md": "# Redwing Canoe Hire: Booking Guide\n\n## Booking a canoe\n\nBook your canoe online up to 60 days "
    "ahead. Each canoe seats two adults and one child.\n\n## Collecting your canoe\n\nCollect the canoe from the "
    "boathouse with your booking code. Paddles and buoyancy aids come with every canoe.\n\n## Returning a canoe "
    "outside opening hours\n\nThe boathouse has a locked return pen beside the slipway, open 24 hours. Chain the "
    "canoe to a free ring and post the key through the letterbox. A canoe left in the pen counts as returned at "
    "the time on the key tag.\n",
    "terms.md": "# Redwing Canoe Hire: Terms\n\n## Who can hire\n\nThe hirer must be 18 or over and able to swim "
    "50 metres.\n\n## Damage\n\nA holed canoe is charged at the cost of repair, up to 400 pounds per canoe."
    "\n\n## Weather\n\nWe close the river when the flood warning is amber or red; your canoe hire is then "
    "moved to another day free of charge.\n",
    "prices.md": "# Redwing Canoe Hire: Prices\n\n## Canoe prices\n\nA canoe costs 30 pounds for half a day and "
    "45 pounds for a full day. A deposit of 100 pounds is taken for every canoe.\n",
}


def test_a_word_of_the_documents_own_name_asked_about_as_a_thing_counts(built_index, tmp_path):
    """ "Can I drop the bike off at night when you're closed?" was declined on a tester's folder for "Kittiwake Bike
    Hire": "bike", a word of the documents' own name, did not count as covered, and nothing else of the question
    was in the passage that answers it. Only the name as the question writes it ("Redwing Canoe Hire") goes."""
    from bot.assistant import Assistant

    assistant = Assistant.build(folder_indexed(built_index, tmp_path, CANOES))
    answer = assistant.ask("Can I drop the canoe off at night when you're closed?")
    assert answer.answered and "open 24 hours" in answer.text, answer.text


VEHICLES = (
    "<html><head><title>Fares</title></head><body><h1>Vehicle fares</h1><p>Cars, vans and motorhomes are charged "
    "by their length, including anything towed.</p><table><thead><tr><th>Vehicle length</th><th>Single</th><th>Return</th></tr>"
    "</thead><tbody><tr><td>Up to 5.00 m</td><td>£38</td><td>£70</td></tr><tr><td>5.01 to 7.00 m</td><td>£52</td>"
    "<td>£96</td></tr><tr><td>7.01 to 10.00 m</td><td>£85</td><td>£160</td></tr></tbody></table><p>Vehicles over "
    "10 m must be booked by phone.</p></body></html>"
)


def test_a_length_with_its_unit_is_a_detail_of_the_question_not_a_name(built_index, tmp_path):
    """ "My motorhome is 8.5 m long" was declined as "don't mention “8.5”" beside the fares table whose row holds
    it (a tester's ferry folder, held out, 2026-12-06): a number followed by its unit is a quantity, as "30kg" is.
    A version after a name is still a name the documents must mention."""
    from bot.assistant import Assistant

    assistant = Assistant.build(folder_indexed(built_index, tmp_path, {"fares.html": VEHICLES, "handbook.html": LEAVE}))
    _answered_by_rows(
        assistant, [("My motorhome is 8.5 m long. How much is a single ticket?", "7.01 to 10.00 m | £85", ("£52",))]
    )
    answer = assistant.ask("What are the fares for Ferrylink 4.2?")
    assert not answer.answered and "Ferrylink 4.2" in answer.text, answer.text


def test_a_decline_offers_the_questions_nearest_to_what_was_asked(built_index, tmp_path):
    """Documents without question headings had every decline offer the same three starters, whatever was asked
    (tester): the nearest questions about their sections are offered instead."""
    from bot.assistant import Assistant

    security = (
        "# IT and Security Policy\n\n## Passwords\n\nPasswords have at least 14 characters.\n\n## Lost devices\n\n"
        "Report a lost laptop to the security team within one hour.\n"
    )
    files = {"handbook.md": HANDBOOK, "retention.md": RETENTION, "security.md": security}
    assistant = Assistant.build(folder_indexed(built_index, tmp_path, files))
    answer = assistant.ask("Do I get paid when I have the flu?")
    assert not answer.answered, answer.text
    assert answer.suggestions[0] == "What does Tidewell Software Employee Handbook say about sick leave?", answer
    assert assistant.overview.example_questions()[0] != answer.suggestions[0]  # the starters open with annual leave


SOLAR_TERMS = (
    "# Terms and Conditions\n\n## 5. Payment\n\nA deposit of 25% is due when you sign the order, 65% on the first "
    "day of installation and the final 10% within 7 days of commissioning.\n\n## 6. Your right to cancel\n\n"
    "You may cancel for any reason within 14 days of the day you sign the order (the cooling-off period), and we "
    "refund everything you have paid within 14 days. After that, if materials have not been ordered, we refund "
    "your deposit less a £250 administration fee.\n"
)


def test_a_word_the_documents_write_in_another_form_is_not_called_missing(built_index, tmp_path):
    """ "If I change my mind in the first couple of weeks after signing, do I get all my money back?" was declined as
    "The documents I have don't mention “mind”, “couple” or “signing”", beside "the day you sign the order" (a
    tester's solar-installer folder, 2026-12-06): "signing" is their "sign"."""
    from bot.assistant import Assistant

    assistant = Assistant.build(
        folder_indexed(built_index, tmp_path, {"terms.md": SOLAR_TERMS, "prices.md": WALL_PRICES})
    )
    answer = assistant.ask(
        "If I change my mind in the first couple of weeks after signing, do I get all my money back?"
    )
    assert "“signing”" not in answer.text, answer.text


WARRANTY = (
    "# Warranty and Maintenance Policy\n\n## 1. Warranty cover at a glance\n\n| Item | What is covered | Length |\n"
    "|---|---|---|\n| Installation workmanship | Defects in how we installed the system, including roof leaks caused by "
    "our fixings | 10 years |\n| Panels | Product warranty against defects in materials and manufacture | 25 years |\n"
    "| Inverters | Repair or replacement of a faulty inverter | 10 years |\n\n## 2. What the warranties do not cover\n\n"
    "- Damage from storms, lightning, flooding or falling trees.\n- Reduced output caused by new shading.\n"
    "- Dirt, moss, bird droppings or the cost of cleaning.\n\n## 3. Maintenance plans\n\nOur plans can be paid "
    "monthly by direct debit or yearly in advance.\n"
)


def test_what_is_not_covered_is_answered_by_the_section_saying_so(built_index, tmp_path):
    """ "What isn't covered by the warranty?" got the table of what is covered (a tester's solar-installer folder,
    2026-12-06): word vectors hardly tell "covered" from "not covered"; the section headed "What the warranties do
    not cover" answers it."""
    from bot.assistant import Assistant

    assistant = Assistant.build(
        folder_indexed(built_index, tmp_path, {"warranty.md": WARRANTY, "prices.md": WALL_PRICES})
    )
    answer = assistant.ask("What isn't covered by the warranty?")
    assert answer.answered and "Damage from storms" in answer.text and "cost of cleaning" in answer.text, answer.text
    assert "Installation workmanship" not in answer.text, answer.text


EQUIPMENT = (
    "# Your Solar System: Customer Guide\n\n## Your equipment\n\n- **Panels:** Auralis AX-430 Full Black (430 W, "
    "all-black) on Starter 8 and Home 10; Auralis AX-460 (460 W, silver frame) on Max 16.\n- **Inverter:** Veritron "
    "HY-3600 (3.6 kW hybrid) or Veritron HY-5000 (5 kW hybrid).\n- **Battery:** StrataStore SB-5 modules, each 5.12 "
    "kWh.\n\n## Getting started\n\nYour installer shows you the app on the day the system is switched on.\n"
)
PANEL_WARRANTY = (
    "# Warranty and Maintenance Policy\n\n## Warranty cover at a glance\n\n| Item | What is covered | Length |\n"
    "|---|---|---|\n| Auralis AX-430 Full Black panels | Product warranty against defects | 25 years product, 30 "
    "years performance |\n| Auralis AX-460 panels | Product warranty against defects | 15 years product, 25 years "
    "performance |\n| Veritron inverters | Product warranty | 10 years |\n\n## Making a claim\n\nCall us first; "
    "we arrange a visit within ten working days.\n"
)


def test_a_model_number_asked_alone_finds_the_name_it_is_part_of(built_index, tmp_path):
    """ "Which panel has the better warranty, the 430 or the 460?" got the equipment list (a tester's solar folder,
    2026-12-06): the warranty table writes "AX-430" and "AX-460", read as words of their own, so the question's
    "430" and "460" were found only in the list that also writes "430 W"."""
    from bot.assistant import Assistant

    assistant = Assistant.build(
        folder_indexed(built_index, tmp_path, {"guide.md": EQUIPMENT, "warranty.md": PANEL_WARRANTY})
    )
    answer = assistant.ask("Which panel has the better warranty, the 430 or the 460?")
    assert answer.answered and "25 years product" in answer.text and "15 years product" in answer.text, answer.text


POTTERY_FAQ = (
    "# Pottery Studio: Frequently Asked Questions\n\nWelcome to the studio. Below are the questions we hear most "
    "often.\n\n## Booking and payment\n\n**How do I book?**\nBook online or phone us during reception hours. Course "
    "places are paid in full at the time of booking.\n\n**How can I pay?**\nWe accept Visa, Mastercard and American "
    "Express. We are a cashless studio and no longer take cash at the front desk.\n\n**Can I bring a friend?**\n"
    "Full members may bring a guest twice a year.\n"
)


def test_an_faq_whose_questions_are_bold_lines_answers_from_the_entry_asked(built_index, tmp_path):
    """A tester's Markdown FAQ wrote each question as a bold line over its answer ("**How can I pay?**"): the
    questions were quoted as sentences of one passage per section, "How can I pay?. How do I book?. Book online
    ...", for "Can I pay cash when I come in?" (a pottery studio's folder, 2026-12-06)."""
    from bot.assistant import Assistant

    settings = one_file_indexed(built_index, tmp_path, POTTERY_FAQ)
    answer = Assistant.build(settings).ask("can i pay cash when I come in?")
    assert answer.answered and "no longer take cash" in answer.text, answer.text
    assert "?." not in answer.text and "How do I book" not in answer.text, answer.text
    assert answer.sources[0].heading.endswith("How can I pay?"), answer.sources[0].heading


COURSES = (
    "# Courses\n\n## Course details\n\n| Course | Sessions | Session length | Max. students | Price |\n|---|---|---|---|"
    "---|\n| Taster Session | 1 | 2 hours | 8 | £38 |\n| Beginners Wheel Throwing | 6, weekly | 2.5 hours | 8 | £245 |\n"
    "| Handbuilding Foundations | 6, weekly | 2.5 hours | 10 | £210 |\n| Intermediate Throwing | 8, weekly | 3 hours | 6 "
    "| £320 |\n\n## Booking\n\nBook online or phone reception.\n"
)


def test_a_number_of_weeks_is_looked_up_where_the_table_counts_time(built_index, tmp_path):
    """ "How much is the 6 week hand building course?" got the Intermediate Throwing row, the one row with a cell
    of just "6": its class size (a tester's pottery studio, 2026-12-06)."""
    from bot.assistant import Assistant

    settings = one_file_indexed(built_index, tmp_path, COURSES)
    answer = Assistant.build(settings).ask("how much is the 6 week hand building course")
    assert answer.answered and "£210" in answer.text and "Intermediate" not in answer.text, answer.text


PACKAGES = (
    "# Parties & Private Events\n\n## Our packages at a glance\n\n| | Kids' Clay Party | Paint-a-Pot Party | Adult Social "
    "Evening |\n|---|---|---|---|\n| Who is it for? | Children aged 6-12 | Ages 4 and up | Adults 18+ |\n| Length | 2 "
    "hours | 1.5 hours | 2.5 hours |\n| Price | £240 for up to 10 children | £180 for up to 10 painters | £45 per "
    "person |\n\n## Booking\n\nA £60 deposit confirms the date.\n\n## Celebrate with clay\n\n- Birthdays and team "
    "socials in our studio\n- Every party is run by one of our tutors\n- Choose from three packages: Kids' Clay Party, "
    "Paint-a-Pot Party or Adult Social Evening\n"
)


def test_a_comparison_of_two_columns_of_a_table_quotes_those_two(built_index, tmp_path):
    """ "What's the difference between the clay party and the paint-a-pot party?" got the slide listing what every
    party has (a tester's pottery studio, 2026-12-06); the packages table has a column for each. The answer is
    that table with the two parties' columns, and the source panel marks the rows as the document writes them."""
    from bot.assistant import Assistant

    settings = one_file_indexed(built_index, tmp_path, PACKAGES)
    answer = Assistant.build(settings).ask("what's the difference between the clay party and the paint-a-pot party?")
    assert answer.answered and "| | Kids' Clay Party | Paint-a-Pot Party |\n" in answer.text, answer.text
    assert "£240 for up to 10 children | £180 for up to 10 painters |" in answer.text, answer.text
    assert "Adult" not in answer.text, answer.text
    source = answer.sources[0].text
    assert all(quote in source for quote in answer.used_sentences[1]), (answer.used_sentences, source)


def test_a_comparison_of_two_rows_of_a_table_quotes_those_two(built_index, tmp_path):
    """The same for a table with a row per thing compared: the two rows, under the table's column names."""
    from bot.assistant import Assistant

    plans = (
        "# Prepaid lesson blocks\n\n## Blocks\n\n| Block | Lessons | Price | Valid for |\n|---|---|---|---|\n| B10 | "
        "10 hours | £400 | 6 months |\n| B20 | 20 hours | £780 | 9 months |\n| B30 | 30 hours | £1,140 | 12 months |\n\n"
        "## Refunds\n\nUnused hours are refunded at the single-lesson price minus used lessons.\n"
    )
    settings = one_file_indexed(built_index, tmp_path, plans)
    answer = Assistant.build(settings).ask("What's the difference between the B20 and the B30 block?")
    assert answer.answered and "| B20 | 20 hours | £780 | 9 months |" in answer.text, answer.text
    assert "| B30 | 30 hours | £1,140 | 12 months |" in answer.text and "B10" not in answer.text, answer.text


CENTRES = (
    "KESTREL PEAK CLIMBING CENTRES\nCentres, Opening Hours and Contacts\n\n1. OUR CENTRES\n\nNorthgate (the flagship "
    "centre)\n  Address: Unit 4, Northgate Trading Estate\n  Walls: 16 m lead wall, 44 top-rope lines\n  Parking: 60 "
    "free spaces\n\nRiverside\n  Address: The Old Mill, 22 Wharf Lane\n  Walls: bouldering only (no ropes), kids' "
    "bouldering area\n  Parking: no on-site parking\n\nEastfield\n  Address: Eastfield Leisure Park\n  Walls: 12 m "
    "top-rope wall\n  Parking: 3 hours free\n\n2. CONTACTS\n\nThis page applies to all three centres "
    "(Northgate, Riverside and Eastfield) unless a section says otherwise.\n"
)


def test_a_plain_text_records_name_introduces_its_fields(built_index, tmp_path):
    """ "Does the Riverside centre have rope climbing?" was answered "This page applies to all three ... centres
    (Northgate, Riverside and Eastfield) ... Riverside [2]": the record's name alone, without its fields (a
    climbing-centre folder's plain text, a check set's question). Then both centres' records were quoted: the
    record asked about comes without its sibling."""
    from bot.assistant import Assistant

    settings = one_file_indexed(built_index, tmp_path, CENTRES, name="centres.txt")
    answer = Assistant.build(settings).ask("Does the Riverside centre have rope climbing?")
    assert answer.answered and "Riverside:" in answer.text and "bouldering only (no ropes)" in answer.text, answer.text
    assert "Riverside [" not in answer.text and "Eastfield:" not in answer.text, answer.text


WATER = (
    "# Kestrel Valley Water Customer Charter\n\n## Your water supply\n\nWe aim to keep your water supply running at "
    "all times. Water pressure is at least 7 metres head at the boundary stop tap.\n\n## Planned interruptions\n\n"
    "We give at least 48 hours' notice before we turn your water off for planned work.\n\n## Unplanned interruptions"
    "\n\nIf your water supply is interrupted without warning, we restore it within 12 hours. If we do not, we pay you "
    "£30, and £30 for each further 24 hours.\n\n## Water quality\n\nTell us if your water looks cloudy or tastes odd."
    "\n\n## Bills\n\nWater bills are sent every six months.\n"
)


def test_a_question_in_the_documents_topic_is_not_declined_for_its_everyday_words(built_index, tmp_path):
    """ "My water went off unexpectedly. How fast must you get it back?" was declined as "The documents I have don't
    mention “unexpectedly” or “How fast”" (a check set's water company): its only rarer words were those two, and
    "water", the word the documents are about, counted for nothing."""
    from bot.assistant import Assistant

    answer = Assistant.build(one_file_indexed(built_index, tmp_path, WATER)).ask(
        "My water went off unexpectedly. How fast must you get it back, and what if you don't?"
    )
    assert "unexpectedly" not in answer.text and "we restore it within 12 hours" in answer.text, answer.text
    assert answer.answered, answer.text


MUSEUM = """---
title: Harbour Museum visitor guide
---
# Harbour Museum visitor guide

## Tickets

An adult ticket costs £12 and a child ticket £6. Tickets are valid for a year from the day you buy them, and
they let you into the temporary exhibitions as well.

Remember, entry to the museum is free for everyone under 5.

## Did you know?

- Entry to the museum is FREE if you are:
- under 5 years old, or a student under 25 in full-time education with a valid card
- a carer coming with a disabled visitor who needs your help to get around the galleries
- a member of the Friends of Harbour Museum, for as long as your membership lasts
- Please show proof of who you are at the ticket desk, or you will be asked to pay
"""


def test_a_list_item_that_answers_is_quoted_under_its_lead_in(built_index, tmp_path):
    """A slide's bullets "NHS dental treatment is FREE if you are:", "pregnant, or have had a baby ..." (a dental
    practice's folder, 2026-12-07): "Is dental treatment free when you're pregnant?" was answered by another
    document's "Remember, NHS dental treatment is free for everyone under 18.", the lead-in fitting best but
    quotable only with its list; and an item that answered was quoted before its lead-in, which then read as
    one item among the others."""
    from bot.assistant import Assistant

    assistant = Assistant.build(one_file_indexed(built_index, tmp_path, MUSEUM))
    for question, item in (
        ("Is entry to the museum free when you're a student?", "a student under 25"),
        ("Is entry free if I come as a carer?", "a carer coming with a disabled visitor"),
    ):
        answer = assistant.ask(question)
        assert answer.answered and item in answer.text, (question, answer.text)
        lead_in = answer.text.find("Entry to the museum is FREE if you are:")
        assert 0 <= lead_in < answer.text.find(item), (question, answer.text)


VPN_TABLE = """# Remote access guide

## What needs the VPN

Use the table below to check whether you need to connect to the VPN. The two offices are joined by a permanent
site-to-site link, so staff in either office reach the servers of the other without connecting to the VPN.

| System | Where it is hosted | From home or travelling | From the other office |
| --- | --- | --- | --- |
| Email, Teams, SharePoint and OneDrive (Microsoft 365) | Cloud | No VPN needed | No VPN needed |
| Timesheets and expenses (Deltek Vantagepoint) | Cloud | No VPN needed | No VPN needed |
| Holidays and HR records (BreatheHR) | Cloud | No VPN needed | No VPN needed |
| Autodesk licensing (named user) | Cloud | No VPN needed | No VPN needed |
| Project file server, the P: drive (fs01) | Leeds server room | VPN required | Not needed (site-to-site link) |
| Revit Server (central models) | Leeds server room | VPN required | Not needed (site-to-site link) |
| Sage 200 (finance team only) | Leeds server room | VPN required | Not needed (site-to-site link) |
| Project archive, the A: drive (yk-arch01) | York comms cupboard | VPN required | Not needed (site-to-site link) |

## Passwords

Passwords must be at least 14 characters long. A passphrase of three random words is easy to remember.

## Printing

Printing is not available over the VPN. Save to PDF and print when you are next in the office.
"""


def test_a_table_cut_between_passages_is_quoted_whole(built_index, tmp_path):
    """An IT guide's table of what needs the VPN is longer than a passage, so the index holds it in parts, each
    after the same lead-in: "which things need the vpn when im wfh" got two of its nine rows, both "No VPN
    needed" (a tester's folder, 2026-12-07)."""
    from bot.assistant import Assistant

    settings = one_file_indexed(built_index, tmp_path, VPN_TABLE)
    passages = Assistant.build(settings).retriever.live_view().passages
    assert sum("Use the table below" in p.text for p in passages) > 1  # the table is in parts
    answer = Assistant.build(settings).ask("which things actually need the vpn when im working from home")
    assert answer.answered, answer.text
    for system in ("Email, Teams", "Deltek", "Revit Server", "Sage 200", "yk-arch01"):
        assert system in answer.text, (system, answer.text)
    assert answer.text.count("| System |") == 1, answer.text  # one table, in the document's order, after its lead-in
    assert answer.text.index("Use the table below") < answer.text.index("Deltek") < answer.text.index("Sage 200")
    # Its source says which parts of the section it holds: "part 2 of 3" had labelled the whole table.
    from bot.answer.present import source_views

    view = Assistant.build(settings).retriever.live_view()
    parts = sum("Use the table below" in p.text for p in passages)
    labels = [v.label for v in source_views(answer, view.documents())]
    assert any(f"parts 1–{parts} of " in label for label in labels), labels
