"""Declining honestly: an answerability model over signals measured against each corpus, and names the
documents never mention."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bot.ingest.index.calibration import Calibration
from bot.question.patterns import named_terms
from bot.retrieval.answerability import SHIPPED, AnswerabilityModel, ModelFileError, fit
from bot.types import Signals

from .conftest import one_file_indexed


def test_ingest_measures_how_close_off_topic_questions_come(assistant):
    calibration = assistant.retriever.calibration()
    assert isinstance(calibration, Calibration)
    # The corpus's own headings come closer than everyday off-topic questions ever do.
    assert calibration.own_low > calibration.off_topic_max >= calibration.off_topic_high


def test_the_decision_is_the_models_probability_of_the_signals_it_shows(assistant):
    answered = assistant.retrieve("Can LLMs make images?").decision
    declined = assistant.retrieve("How do I bake sourdough bread?").decision
    model = assistant.retriever.answerability
    for decision in (answered, declined):
        assert decision.signals is not None
        assert decision.probability == pytest.approx(model.probability(decision.signals))
        assert f"probability {int(decision.probability * 100) / 100:.2f} that the documents answer" in decision.reason
    assert answered.answer and answered.probability >= 0.5
    assert not declined.answer and declined.probability < 0.5
    assert answered.signals.relevance_margin > declined.signals.relevance_margin


def test_a_pinned_floor_declines_below_it(built_index):
    from bot.assistant import Assistant

    pinned = Assistant.build(built_index.model_copy(update={"min_score": 0.99}))
    answer = pinned.ask("Can LLMs make images?")
    assert not answer.answered and "threshold set in settings 0.99" in answer.reason


def test_the_fit_learns_which_way_each_signal_points():
    rng = np.random.default_rng(0)
    answerable = rng.normal([0.5, 0.5, 0.8, 0.0, 0.0], 0.1, (80, 5))
    answerable[:, 4] = 0.0  # the whole question comes closer to the documents than their name alone
    off_topic = rng.normal([0.1, 0.1, 0.2, 0.0, 0.0], 0.1, (20, 5))
    off_topic[:, 3] = 1.0  # and they name things the documents never mention
    off_topic[:, 4] = np.abs(off_topic[:, 4])  # or are close to them only by their name
    x, y = np.vstack([answerable, off_topic]), np.r_[np.ones(80), np.zeros(20)]
    model = fit(x, y, ("synthetic",))
    assert model.coef[0] > 0 and model.coef[2] > 0 and model.coef[3] < 0 and model.coef[4] < 0
    asked = Signals(0.5, 0.5, 0.8, 0.0, 0.0)
    assert model.probability(asked) > 0.9 > 0.1 > model.probability(Signals(0.1, 0.1, 0.2, 1.0, 0.1))
    assert model.fitted_on == ("synthetic",) and model.items == 100


def test_the_shipped_weights_load_and_a_stale_file_says_to_refit(tmp_path):
    shipped = AnswerabilityModel.load()
    assert shipped.names == Signals.NAMES and shipped.items >= 320
    stale = tmp_path / "old.json"
    stale.write_text(SHIPPED.read_text().replace('"covered"', '"overlap"'))
    with pytest.raises(ModelFileError, match="bot fit"):
        AnswerabilityModel.load(stale)
    with pytest.raises(ModelFileError, match="bot fit"):
        AnswerabilityModel.load(tmp_path / "missing.json")
    # Weights fitted before the last signal was added: the same decisions, no weight on it, until `bot fit`.
    data = json.loads(SHIPPED.read_text())
    for key in ("names", "mean", "scale", "coef"):
        data[key] = data[key][:-1]
    earlier = tmp_path / "earlier.json"
    earlier.write_text(json.dumps(data))
    padded = AnswerabilityModel.load(earlier)
    assert padded.names == Signals.NAMES and padded.coef[-1] == 0.0
    asked = Signals(0.3, 0.3, 0.5, 0.0, 0.2)
    without = AnswerabilityModel(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})
    assert padded.probability(asked) == pytest.approx(without.probability_of(np.array(asked.values()[:-1])))


def test_eval_shows_how_questions_are_declined(run_cli, built_index, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        '{"id": "a", "question": "Can LLMs make images?", "evidence": ["text"], "must_include": [["text"]]}\n'
        '{"id": "b", "question": "How do I bake sourdough bread?", "answerable": false}\n',
        encoding="utf-8",
    )
    code, out, _err = run_cli("eval", str(questions), settings=built_index)
    assert code == 0
    assert "answerability model: answers at probability >= 0.67" in out
    line = next(ln for ln in out.splitlines() if ln.startswith("off-topic high"))
    assert "everyday questions" in line and "headings score" in line


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("Can R use my GPU to speed up computations?", ["GPU"]),
        ("What's new in Python 3.13?", ["Python", "3.13"]),
        ("How do I install the RStudio Server Pro edition?", ["RStudio", "Server", "Pro"]),
        ("What was Apple's revenue in 2023?", ["Apple", "2023"]),
        ("How Do I Install R On Windows?", []),  # Title Case: capitals say nothing
        ("I made a 2D list and every row changed. Why?", []),
        ("is an llm the same as generative ai?", []),
        # A short number right after a name is the release it names: documents on Windows 10 never mention "Windows
        # 11", though they use "Windows" and "11". A number elsewhere stays a quantity.
        ("Does it run on Windows 11 or Debian 12?", ["Windows 11", "Debian 12"]),
        ("Is PEP 8 binding? I have 2 PCs", ["PEP 8", "PCs"]),
    ],
)
def test_names_are_told_by_how_they_are_written(question, names):
    assert named_terms(question) == names


def test_a_question_about_a_name_the_documents_never_mention_is_declined_naming_it(assistant):
    answer = assistant.ask("Can Gemini make images?")
    assert not answer.answered and not answer.sources
    assert "don't mention “Gemini”" in answer.text
    versioned = assistant.ask("Can GPT-7 make images?")
    assert not versioned.answered and "“GPT-7”" in versioned.text


def test_the_check_can_be_turned_off(built_index):
    from bot.assistant import Assistant

    relaxed = Assistant.build(built_index.model_copy(update={"decline_unknown_names": False}))
    decision = relaxed.retrieve("Can Gemini make images?").decision
    assert decision.signals.unknown == 0 and not decision.unknown  # the signal is off, so no reply names it
    assert "Gemini" not in relaxed.ask("Can Gemini make images?").text


@pytest.mark.ingest
def test_code_is_quoted_verbatim_after_the_sentence_that_introduces_it(tmp_path):
    from bot.assistant import Assistant
    from bot.ingest.index import ingest
    from bot.settings import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "ops.md").write_text(
        "# Operations guide\n\n## How do I restart the queue worker?\n\n"
        "Log in to the worker host first. To restart the queue worker, run\n\n"
        "```\nsudo systemctl restart queue-worker   # needs root\njournalctl -u queue-worker --since -5m\n```\n\n"
        "and check that the log shows no errors.\n\n"
        "## How do I list the queues?\n\nThe queues are listed by the admin tool:\n\n```\nadmin queues[0:10]\n```\n",
        encoding="utf-8",
    )
    settings = Settings(_env_file=None, corpus_dir=corpus, index_dir=tmp_path / "index")
    ingest(settings, progress=False)
    assistant = Assistant.build(settings)
    answer = assistant.ask("How do I restart the queue worker?")
    assert answer.answered
    fence = "```\nsudo systemctl restart queue-worker   # needs root\njournalctl -u queue-worker --since -5m\n```"
    assert "To restart the queue worker, run [1]\n\n" + fence in answer.text  # spaces and comment kept
    listed = assistant.ask("How do I list the queues?")
    assert "admin queues[0:10]" in listed.text and listed.cited == [1]  # "[0:10]" in code is no citation


REMOTE_GUIDE = """# Remote access guide

## Connecting to the VPN

Open the VPN client from the Start menu and sign in with your work email address and your normal password. Approve
the sign-in on your phone. The VPN disconnects after 30 minutes with no traffic.

## Remote Desktop to your office workstation

Do not open large models directly over the VPN: it is slow and can corrupt the central file. For heavy modelling
and for rendering, connect to your desk workstation with Remote Desktop instead, so that the work runs in the
office, on the office network, at the office's speed, while your laptop only shows the screen.

- Your workstation name is on the asset label on the front of the PC, for example WS-042.
- Leave the workstation switched on and signed out (not shut down) when you leave the office in the evening.
- If you often forget, ask the helpdesk to enable Wake-on-LAN for your workstation, so it can be woken remotely.

Connect to the VPN first, then run Remote Desktop with your own workstation name, for example:

```
mstsc /v:WS-042.office.local
```

## Printing

Print to the Follow-Me queue and release the job at any printer with your badge.

## Passwords

Passwords must be at least 14 characters long. A passphrase of three random words is easy to remember.

## Email

Automatic forwarding of email to personal accounts is blocked. Mailboxes hold 100 GB.

## Wi-Fi

Guests use the Guest network; its password changes every Monday and is shown at reception.

## Scanning

Scans are saved to your personal scans folder and deleted after 30 days.

## Software requests

Ask the helpdesk for new software; the licence approver signs it off within three working days.

## Phones

Work mobiles are issued to partners and site staff only. Other staff may use their own phone for email.

## Backups

Project folders are backed up every night and kept for 90 days.

## Lost or stolen equipment

Report a lost or stolen laptop to the helpdesk at once, and to the police within 24 hours.
"""


@pytest.mark.ingest
def test_a_how_to_answer_gets_the_command_its_section_gives_next(built_index, tmp_path):
    """A tester's IT guide: "how do i remote into my desk pc from home" was answered with what to prepare (the
    section's first passage), without the command in the section's next passage."""
    from bot.assistant import Assistant

    settings = one_file_indexed(built_index, tmp_path, REMOTE_GUIDE)
    assistant = Assistant.build(settings)
    answer = assistant.ask("how do i remote into my desk pc from home so i can run my renders")
    assert answer.answered and "Leave the workstation switched on" in answer.text, answer.text
    assert "mstsc /v:WS-042.office.local" in answer.text, answer.text
    # After what to prepare, as the section reads, and cited as the passage it comes from.
    assert answer.text.index("Leave the workstation") < answer.text.index("Connect to the VPN first")
    assert [p.text.count("mstsc") for p in answer.sources[: max(answer.cited)]][-1] == 1


@pytest.mark.ingest
def test_a_short_name_an_acronym_or_a_version_written_otherwise_is_the_documents_own(built_index, tmp_path):
    from bot.ingest.index import index_backend, open_index
    from bot.retrieval.loaded import load_generation

    settings = one_file_indexed(
        built_index,
        tmp_path,
        "# Platform guide\n\nOur clusters run Kubernetes, version 1.29, and the billing API 3.0. Packages follow "
        "the Debian Free Software Guidelines. Translations use the usual internationalization tools. Laptops run "
        "macOS, and reports come from PostgreSQL on a machine of their own. Desktops run Windows 10 in all 11 "
        "offices; each PC has a VM for testing. Staff working from home connect through the VPN.\n",
    )
    view = load_generation(open_index(settings, index_backend(settings)))
    # "Mac" and "Postgres" begin names the guide writes with a capital inside ("macOS", "PostgreSQL"); a Python FAQ
    # had been declined "don't mention “Mac”" beside its macOS answer.
    # "PCs" is the plural of the guide's "PC" (the Python FAQ had been declined "don't mention “Windows PCs”").
    for name in (
        "K8s",
        "k8s",
        "1.29",
        "v3",
        "3",
        "3.0.0",
        "DFSG",
        "i18n",
        "Mac",
        "Postgres",
        "Windows 10",
        "PCs",
        "VMs",
    ):
        assert view.mentions(name), name
    # "Mach" begins only an everyday word ("machine"), and "Po" is too short to stand for a name.
    for name in ("K9s", "v4", "3.1", "1.3", "DFSA", "GPU", "GPUs", "l10n", "Mach", "Po", "Windows 11"):
        assert not view.mentions(name), name
    # A user's lower-case abbreviation of words the guide writes out: "which things need the vpn when im wfh" had
    # been declined "don't mention “wfh”" beside the table that answers it (a tester's IT helpdesk folder).
    assert view.writes_initials("wfh") and view.writes_initials("WFH")
    assert not view.writes_initials("pto") and not view.writes_initials("wfhx")


def test_a_decline_names_the_unknown_name_as_the_question_writes_it_whole():
    from bot.answer.replies import not_covered_reply

    reply = not_covered_reply("Can I fly business class to New York?", "the handbook", [], ["York"])
    assert "don't mention “New York”" in reply
    reply = not_covered_reply("How much does ChatGPT Plus cost per month?", "the articles", [], ["Plus"])
    assert "don't mention “ChatGPT Plus”" in reply
    reply = not_covered_reply("Does it work with Slack or Microsoft Teams?", "the guide", [], ["Slack", "Teams"])
    assert "don't mention “Slack” or “Microsoft Teams”" in reply
    # A name ends with its sentence: it said "don't mention “Lisbon What”".
    reply = not_covered_reply("I'm going to a conference in Lisbon. What daily allowance do I get?", "", [], ["Lisbon"])
    assert "don't mention “Lisbon”," in reply
    # A key word in lower case is no name: a new user's "Do LLMs hallucinate?" was told "don't mention “LLMs
    # hallucinate”".
    reply = not_covered_reply("Do LLMs hallucinate?", "the articles", [], ["hallucinate"])
    assert "don't mention “hallucinate”," in reply


@pytest.mark.ingest
def test_a_folder_of_one_short_document_answers_what_it_says_and_declines_the_rest(built_index, tmp_path):
    """A tester's one-file set declined "What did the board approve?", which its memo answers word for word: in
    one passage every word is in every passage, and every word weighed nothing ("0% of the question's words")."""
    from bot.assistant import Assistant

    settings = one_file_indexed(
        built_index,
        tmp_path,
        "---\ntitle: Project Falcon acquisition memo\n---\n# Project Falcon\n\nThe board approved the acquisition of "
        "Nordkapp Freight for 40 million euros. The deal closes on 30 June 2027. Project Falcon is the code name "
        "for the acquisition.\n",
    )
    assistant = Assistant.build(settings)
    for question in ("What did the board approve?", "How much did the acquisition cost?"):
        answer = assistant.ask(question)
        assert answer.answered and "40 million euros" in answer.text, (question, answer.text)
    assert not assistant.ask("What is the capital of France?").answered


PRICE_LIST = """---
title: Harbour Vets price list 2026
---
# Harbour Vets price list 2026

## Private prices

These prices apply to pets without insurance, and to treatment owners choose to have privately (for example a
dental scale and polish for an older cat). Insured owners pay us and claim from their insurer.

## Dental treatment

| Treatment | Price |
| --- | --- |
| Scale and polish – cat | £180 |
| Scale and polish – dog | £240 |
| Tooth extraction – incisor | £90 |
| Tooth extraction – molar | £150 |
| Dental X-rays | £75 |

## Vaccinations

| Vaccination | Price |
| --- | --- |
| Dog – first course | £70 |
| Dog – yearly booster | £55 |
| Cat – first course | £65 |
| Cat – yearly booster | £50 |

Boosters are due every twelve months. We send a reminder a month before, by text or by email.

## Opening hours

The surgery is open Monday to Friday from 8am to 7pm and on Saturday mornings from 9am to 12pm. Out of hours, call
the emergency line and you will be put through to the vet on call.

## Pet health club

Members of the pet health club pay a monthly fee and get their vaccinations and flea treatment included. Ask at
reception for the leaflet.
"""


@pytest.mark.ingest
def test_a_price_is_the_row_named_by_its_own_words_not_the_whole_table(built_index, tmp_path):
    """A tester's dental fee guide answered "How much is a root canal on a molar?" with a white filling's row beside
    the molar's: "Root canal treatment – molar" was named by no question that does not say "treatment". A row whose
    first cell's own words (those no other row has: "molar", not "premolar") are all asked is the row asked for."""
    from bot.assistant import Assistant

    assistant = Assistant.build(one_file_indexed(built_index, tmp_path, PRICE_LIST))
    answer = assistant.ask("How much does it cost to take out a molar?")
    assert answer.answered and "£150" in answer.text, answer.text
    assert "£90" not in answer.text and "£180" not in answer.text, answer.text
    # A word two rows share picks neither alone: "cat" is in two rows of the vaccinations.
    answer = assistant.ask("How much are a cat's vaccinations?")
    assert answer.answered and "£65" in answer.text and "£50" in answer.text, answer.text
    # What the list never prices stays declined.
    assert not assistant.ask("How much does the pet health club cost per month?").answered


DIGITAL_GUIDE = """---
title: Riverside Library digital services
---
# Riverside Library digital services

## E-books

With the BookCloud app you can borrow up to 8 e-books at a time, each for 21 days. Loans return themselves, so
there is nothing to pay if you forget.

## E-magazines

NewsShelf gives you free digital copies of popular magazines and newspapers, including the latest issues. Magazines
cover hobbies, cookery, gardening, travel, computing, news and more, and you can keep issues for as long as you like
once downloaded. Newspapers include national and international titles and are available on the day of publication.

To use NewsShelf, download the NewsShelf app and create an account with your library card number.

## Public computers

Members can use the public computers free for up to 2 hours a day. Printing costs 15p a page.
"""


@pytest.mark.ingest
def test_how_many_is_answered_by_a_number_not_by_once_or_a_day(built_index, tmp_path):
    """A tester's library guide answered "how many magazines can I have on PressRack at the same time?", which it
    never says, with the app's description: "once downloaded" and "the day of publication" passed for an amount. A
    count is a number ("8 e-books"), a number word, or no limit."""
    from bot.assistant import Assistant
    from bot.question.patterns import asked_kind
    from bot.text import gives_kind

    question = "how many magazines can I have on PressRack at the same time?"
    kind = asked_kind(question)
    for sentence in (
        "Magazines cover hobbies, cookery and more, and you can keep issues for as long as you like once downloaded.",
        "Newspapers include national titles and are available on the day of publication.",
    ):
        assert not gives_kind(sentence, kind, question), sentence
    for sentence in ("You can borrow up to 8 e-books at a time.", "There is no limit.", "Each member has one pass."):
        assert gives_kind(sentence, kind, question), sentence
    # "How many times ...?" is answered by "once" or "every day".
    assert gives_kind("Bins are emptied once a week.", asked_kind("How many times are bins emptied?"), "")

    assistant = Assistant.build(one_file_indexed(built_index, tmp_path, DIGITAL_GUIDE))
    answer = assistant.ask("How many e-books can I borrow on BookCloud at once?")
    assert answer.answered and "up to 8 e-books" in answer.text, answer.text
    answer = assistant.ask("how many magazines can I have on NewsShelf at the same time?")
    assert not answer.answered and "don't give a number" in answer.text, answer.text
