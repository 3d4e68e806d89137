"""Tables stay tables (issue 28): the rows an answer quotes, and a source's passage, shown as Markdown tables.

The converters write a table's row as "Column: cell; Column: cell" (every row names its columns in the
index); these tests take such passages through the real sentence splitter, the answer's quoting, the source
panel, bot eval's sentence reader and the stream sanitizer.
"""

from __future__ import annotations

import numpy as np

from bot.answer.quoting import quoted
from bot.answer.replies import highlighted_markdown
from bot.answer.sections import Candidate
from bot.answer.tables import as_rows
from bot.ingest.sentences import passage_sentences
from bot.safe_markdown import inert_markdown, live_constructs
from bot.safe_stream import StreamSanitizer
from bot.tools.evaluate import sentences

LEAVE = (
    "Annual Leave\n\n"
    "Your annual leave entitlement depends on your years of service:\n"
    "- Years of service: 0 to 2 years; Annual leave days: 25 days\n"
    "- Years of service: 3 to 5 years; Annual leave days: 27 days\n"
    "- Years of service: 6 years or more; Annual leave days: 30 days\n\n"
    "Book leave in the HR portal Harbour at least two weeks ahead."
)
OFFICES = (
    "Opening hours and parking\n\n"
    "Each office has its own opening hours and a number of parking spaces for visitors.\n\n"
    "- Office: Oslo; Opening hours: 7:30 to 17:00; Visitor parking spaces: 12 spaces\n"
    "- Office: Bergen; Visitor parking spaces: 6 spaces\n"  # an empty cell is left out by the converters
    "- Office: Stavanger; Opening hours: 8:00 to 15:30; Visitor parking spaces: 4 spaces | shared"
)
SHORT = "Ferries\n\nDepartures:\n- Port: Oslo; Time: 9:00\n- Port: Kiel; Time: 14:00"  # rows joined as one sentence


def _candidates(text: str, source_n: int = 1) -> list[Candidate]:
    return [Candidate(s, source_n, 0.5, np.zeros(1)) for s in passage_sentences(text)]


def test_quoted_rows_are_one_table_under_their_column_names_in_document_order_then_cited():
    rows = [c for c in _candidates(LEAVE) if c.sentence.list_id]
    prose = [c for c in _candidates(LEAVE) if not c.sentence.list_id]
    text, used = quoted([rows[2], rows[1], prose[0]], {1: False})  # chosen by score, shown in the table's order
    assert text == (
        "| Years of service | Annual leave days |\n"
        "| --- | --- |\n"
        "| 3 to 5 years | 27 days |\n"
        "| 6 years or more | 30 days |\n\n"
        "[1]\n\n"
        "Book leave in the HR portal Harbour at least two weeks ahead. [1]"
    )
    assert set(used[1]) == {rows[1].sentence.text, rows[2].sentence.text, prose[0].sentence.text}


def test_a_pipe_is_escaped_and_a_row_with_an_empty_cell_joins_the_table():
    rows = [c for c in _candidates(OFFICES) if c.sentence.list_id]
    text, _ = quoted(rows[1:], {1: False})
    assert text == (
        "| Office | Opening hours | Visitor parking spaces |\n"
        "| --- | --- | --- |\n"
        "| Bergen | | 6 spaces |\n"
        "| Stavanger | 8:00 to 15:30 | 4 spaces \\| shared |\n\n"
        "[1]"
    )
    assert as_rows(text) == (
        "Office: Bergen; Visitor parking spaces: 6 spaces\n"
        "Office: Stavanger; Opening hours: 8:00 to 15:30; Visitor parking spaces: 4 spaces | shared\n\n"
        "[1]"
    )


def test_a_column_named_with_a_spaced_colon_keeps_its_name_and_its_cell():
    """A tester's Word table had a column "Ratio (instructor : children)": the answer showed a column "Ratio
    (instructor" over the cell "children): 1 : 8"."""
    clubs = (
        "Programmes\n\nOur clubs:\n"
        "- Programme: Kestrel Club; Price: £84.00; Ratio (instructor : children): 1 : 8\n"
        "- Programme: Youth Squad; Price: £120.00; Ratio (instructor : children): 1 : 6"
    )
    rows = [c for c in _candidates(clubs) if c.sentence.list_id]
    text, _ = quoted(rows, {1: False})
    assert (
        "| Programme | Price | Ratio (instructor : children) |\n| --- | --- | --- |\n| Kestrel Club | £84.00 | 1 : 8 |\n"
    ) in text, text


def test_a_table_with_an_empty_top_left_cell_is_shown_as_a_table():
    """A tester's opening-hours table had no name over its first column: the converters write its rows as
    "Monday - Friday; Northgate: 07:00 - 22:30; ...", and answers and the source panel showed them as bullets."""
    hours = (
        "Opening hours\n\nOur centres open at these times.\n\n"
        "- Monday - Friday; Northgate: 07:00 - 22:30; Riverside: 07:00 - 22:00; Eastfield: 10:00 - 22:00\n"
        "- Saturday; Northgate: 08:00 - 20:00; Riverside: 08:00 - 20:00; Eastfield: 09:00 - 19:00\n"
        "- Sunday; Northgate: 09:00 - 18:00; Riverside: 09:00 - 18:00; Eastfield: closed"
    )
    rows = [c for c in _candidates(hours) if c.sentence.list_id]
    text, _ = quoted(rows[1:], {1: False})
    assert text == (
        "| | Northgate | Riverside | Eastfield |\n"
        "| --- | --- | --- | --- |\n"
        "| Saturday | 08:00 - 20:00 | 08:00 - 20:00 | 09:00 - 19:00 |\n"
        "| Sunday | 09:00 - 18:00 | 09:00 - 18:00 | closed |\n\n"
        "[1]"
    ), text
    assert as_rows(text).split("\n")[0] == rows[1].sentence.text  # bot eval reads the row the index holds
    assert "| **Sunday** | **09:00 - 18:00** |" in highlighted_markdown(hours, [rows[2].sentence.text])
    assert inert_markdown(text) == text and not live_constructs(text)
    # a list item with one "name: text" after a semicolon is no table row
    tip = "Tips\n\nRemember:\n- Bring a towel and a padlock; note: lockers take a £1 coin\n- Arrive early"
    assert "|" not in quoted(_candidates(tip), {1: False})[0]


def test_a_short_table_quoted_whole_keeps_its_lead_in_above_it():
    (whole,) = _candidates(SHORT)
    text, _ = quoted([whole], {1: False})
    assert text == "Departures:\n\n| Port | Time |\n| --- | --- |\n| Oslo | 9:00 |\n| Kiel | 14:00 |\n\n[1]"


def test_rows_of_two_tables_and_two_sources_are_two_tables():
    leave = [c for c in _candidates(LEAVE, 1) if c.sentence.list_id]
    offices = [c for c in _candidates(OFFICES, 2) if c.sentence.list_id]
    text, _ = quoted([leave[0], offices[0]], {1: False, 2: False})
    first, second = text.split("\n\n[1]\n\n")
    assert first.startswith("| Years of service |") and second.startswith("| Office |") and second.endswith("[2]")


def test_a_list_that_is_no_table_is_quoted_as_before():
    text = (
        "Tips\n\nRemember:\n- Lock your screen whenever you leave your desk, even for a minute or two\n- Never share it"
    )
    chosen = _candidates(text)
    assert "|" not in quoted(chosen, {1: False})[0]


def test_the_source_panel_shows_the_table_with_the_quoted_rows_in_bold():
    rows = [c.sentence.text for c in _candidates(LEAVE) if c.sentence.list_id]
    shown = highlighted_markdown(LEAVE, [rows[1]])
    assert shown == (
        "### Annual Leave\n\n"
        "Your annual leave entitlement depends on your years of service:\n\n"
        "| Years of service | Annual leave days |\n"
        "| --- | --- |\n"
        "| 0 to 2 years | 25 days |\n"
        "| **3 to 5 years** | **27 days** |\n"
        "| 6 years or more | 30 days |\n\n"
        "Book leave in the HR portal Harbour at least two weeks ahead."
    )
    plain = "Heading\n\nOne sentence.\n- an item\n- another item"
    assert (
        highlighted_markdown(plain, ["One sentence."]) == "### Heading\n\n**One sentence.**\n- an item\n- another item"
    )


def test_bot_eval_reads_a_table_as_its_rows():
    rows = [c for c in _candidates(LEAVE) if c.sentence.list_id]
    text, _ = quoted(rows[:2], {1: False})
    assert sentences(text) == [rows[0].sentence.text, rows[1].sentence.text]
    assert as_rows(text, cited=True) == f"{rows[0].sentence.text} [1].\n{rows[1].sentence.text} [1]."


def test_a_table_passes_the_sanitizers_intact():
    text, _ = quoted([c for c in _candidates(OFFICES) if c.sentence.list_id], {1: False})
    assert inert_markdown(text) == text and not live_constructs(text)
    stream = StreamSanitizer()
    pieces = [stream.feed(token) for token in text.replace(" ", " \x00").split("\x00")]  # word by word
    assert "".join(pieces) + stream.flush() == text


def test_a_row_label_naming_its_range_after_a_word_holds_a_number_in_it():
    """A ferry's fares named their rows "Vehicle 5.01 m to 7.00 m long (large vans, car with trailer)": "the car plus
    trailer measures 6.2 m" got the whole table (a tester's held-out folder). Times of day are no range."""
    from bot.answer.tables import in_range

    assert in_range("Vehicle 5.01 m to 7.00 m long (large vans, car with trailer)", 6.2)
    assert not in_range("Vehicle 7.01 m to 10.00 m long (motorhomes, minibuses)", 6.2)
    assert in_range("Car or van up to 5.00 m long", 4.5) and not in_range("Car or van up to 5.00 m long", 6.2)
    assert in_range("Dog over 25 kg", 35) and not in_range("Dog up to 10 kg", 35)
    assert in_range("Less than 3 years", 2) and in_range("3 to 5 years", 4) and in_range("10+", 12)
    assert not in_range("Monday to Friday 08:00 - 19:00", 12) and not in_range("Daily at 10:00, May to September", 12)
    assert not in_range("Standard consultation with a vet (15 minutes)", 15)
    # both bounds: "uptime was 99.7%" is in the second row of a service-credit table, not the first (a tester's)
    assert not in_range("Below 99.95% but at least 99.9%", 99.7) and in_range("Below 99.9% but at least 99.5%", 99.7)
    assert in_range("At least 10 and under 20 people", 15) and not in_range("At least 10 and under 20 people", 25)
