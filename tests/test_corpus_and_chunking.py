"""The corpus keeps the articles word for word, and passages follow the article structure."""

from __future__ import annotations

import random
import re

import pytest

from bot.ingest.chunking import _balanced_groups, chunk_article
from bot.ingest.corpus import Article, load_corpus, read_article
from bot.ingest.sentences import passage_sentences

from .conftest import ROOT, SHARED, require_shared


def _words(text: str) -> list[str]:
    return re.findall(r"\S+", text)


def test_corpus_is_the_seed_articles_word_for_word():
    seeds = sorted(require_shared(SHARED / "seeds").glob("*.txt"))
    articles, errors = load_corpus(ROOT / "corpus")
    assert not errors
    assert {a.publisher for a in articles} == {"Globussoft", "Zero Gravity Marketing"}
    by_origin = {a.origin.rsplit("/", 1)[-1]: a for a in articles}
    assert sorted(by_origin) == [s.name for s in seeds]
    for seed in seeds:
        article = by_origin[seed.name]
        assert article.title and article.publisher
        # Only Markdown structure was added: heading marks and list dashes.
        body = re.sub(r"^(#{1,6} |- )", "", article.body, flags=re.MULTILINE)
        assert _words(body) == _words(seed.read_text(encoding="utf-8").replace("\n- ", "\n"))


@pytest.fixture(scope="module")
def passages():
    articles, _ = load_corpus(ROOT / "corpus")
    return [c for a in articles for c in chunk_article(a, 700)]


def test_faq_question_stays_with_its_answer(passages):
    faq = [c for c in passages if c.heading.startswith("FAQs > ")]
    assert len({c.heading for c in faq}) == 6
    first = next(c for c in faq if "Can LLMs Create Images" in c.heading)
    assert first.text.startswith("Can LLMs Create Images and Videos Like Generative AI?\n\nNo, LLMs are built")
    for chunk in faq:
        assert chunk.text.split("\n\n")[1].strip(), "a question without its answer"


def test_heading_stays_with_its_text_and_list_with_its_lead_in(passages):
    for chunk in passages:
        if chunk.heading_path:
            assert chunk.text.startswith(chunk.heading_path[-1] + "\n\n")
    characteristics = next(c for c in passages if "Key characteristics include:" in c.text)
    assert "Key characteristics include:\n- Advanced natural language understanding" in characteristics.text
    assert characteristics.text.startswith("What Is a Large Language Model (LLM)?")
    industries = [c for c in passages if "Industries That Benefit from LLMs:" in c.text]
    assert len(industries) == 1 and "- Law & Finance:" in industries[0].text


def test_passages_respect_the_size_limit(passages):
    assert all(len(c.text) <= 700 for c in passages)
    assert all("FAQs" in c.search_text.split("\n")[0] for c in passages if c.heading.startswith("FAQs"))


def test_sentences_keep_short_lists_with_their_lead_in():
    sentences = passage_sentences("What Is Generative AI?\n\nIt can generate:\n- Written content\n- Videos")
    assert [s.text for s in sentences] == ["It can generate: Written content, Videos."]
    yes = passage_sentences("Q?\n\nYes. Many systems use GANs. Others do not.")
    assert yes[0].text == "Yes. Many systems use GANs."
    # A label on the line before its list leads it in without a colon: a tester's branch sheet had its hours quoted
    # before their "Opening hours", which came last as a sentence of its own.
    hours = passage_sentences(
        "Hollins Green\n\nPhone: 01632 960 452.\nOpening hours\n- Monday: 10am - 5pm\n- Tuesday: CLOSED"
    )
    assert [s.text for s in hours] == ["Phone: 01632 960 452.", "Opening hours: Monday: 10am - 5pm, Tuesday: CLOSED."]
    assert hours[1].quotes == ("Opening hours", "Monday: 10am - 5pm", "Tuesday: CLOSED")
    # A sentence going on from a label made its heading is quoted after the label, not as a fragment in lower case.
    expired = passage_sentences('"Card expired"\n\nthis usually means your e-card has run out. Ask at the desk.')
    assert [s.text for s in expired] == [
        '"Card expired": this usually means your e-card has run out.',
        "Ask at the desk.",
    ]
    assert expired[0].quotes == ("this usually means your e-card has run out.",)
    assert passage_sentences("Tools\n\ndebmake is a tool.")[0].text == "debmake is a tool."  # a name in lower case
    # A sentence that ends is no label: its list's items are quoted alone.
    said = passage_sentences("Shop\n\nWe sell food.\n- milk\n- bread")
    assert [s.text for s in said] == ["We sell food.", "milk, bread."]


def test_a_list_item_with_a_bold_label_keeps_both_of_its_marks():
    # It lost the first "**" only and was quoted as "CITGM**: Canary In The Gold Mine ..." (own check, Node.js docs).
    text = "Glossary\n\n- **CITGM**: Canary In The Gold Mine - a smoke test with popular npm packages run on every change.\n"
    text += "- **CI**: Continuous Integration - the automated test runs on the project's build machines.\n"
    body = text.split("\n\n", 1)[1]
    items = [s.text for s in passage_sentences(text)]
    assert items[0].startswith("**CITGM**: Canary") and all(item in body for item in items), items


def test_plain_text_and_bad_files(tmp_path):
    (tmp_path / "notes.txt").write_text(
        "Intro line that is long enough to be text.\nPricing Tiers\nThe basic tier costs little and suits most teams.\n",
        encoding="utf-8",
    )
    (tmp_path / "empty.md").write_text("  \n", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 cr\xe8me".encode("latin-1"))
    (tmp_path / "blob.md").write_bytes(b"\x89PNG\x00\x00binary")
    articles, errors = load_corpus(tmp_path)
    assert [a.source for a in articles] == ["notes.txt"]
    assert "## Pricing Tiers" in articles[0].body
    assert sorted(e.split(":")[0] for e in errors) == ["blob.md", "empty.md", "latin1.txt"]
    assert any("not UTF-8" in e for e in errors) and any("binary" in e for e in errors)
    assert read_article(tmp_path / "notes.txt").title == "Notes"


def _article(body: str, source: str = "doc.md") -> Article:
    return Article(source=source, title="Doc", publisher="", origin="", body=body, sha256="")


def test_a_comment_in_a_code_fence_is_no_heading_and_the_fence_stays_whole():
    fence = "```python\n# not a heading\nimport os\n\n\n## nor this\nprint(os.sep)  # trailing spaces kept   \n```"
    prose = [f"Paragraph {i} says " + "something useful about setup. " * 8 for i in range(6)]
    body = "## Setup\n\nInstall it, then run:\n\n" + fence + "\n\n" + "\n\n".join(prose) + "\n\n## Next\n\nMore.\n"
    passages = chunk_article(_article(body), 700)
    assert [c.heading for c in passages if c.heading != "Setup"] == ["Next"]
    assert sum(fence in c.text for c in passages) == 1  # verbatim, in one passage
    assert all(len(c.text) <= 700 for c in passages)
    long_fence = "~~~\n" + "\n".join(f"# step {i}: " + "x" * 60 for i in range(20)) + "\n~~~"
    passages = chunk_article(_article(f"## Script\n\nShort intro.\n\n{long_fence}\n\nShort outro.\n"), 700)
    assert [c.text for c in passages] == ["Script\n\nShort intro.", f"Script\n\n{long_fence}", "Script\n\nShort outro."]


def test_a_code_block_stays_with_the_line_that_introduces_it():
    """debmake's manual ended one passage with "debian/rules (maintainer version):" and began the next with the
    rules file: the answer to how to install to /usr quoted the lead-in without the command."""
    prose = "Some manual modification is required to make the proper package as a maintainer. " * 6
    fence = "```\noverride_dh_auto_install:\n\tdh_auto_install -- prefix=/usr\n```"
    body = f"## Step 3\n\n{prose}\n\ndebian/rules (maintainer version):\n\n{fence}\n\n{prose}\n"
    passages = chunk_article(_article(body), 700)
    holding = [c for c in passages if fence in c.text]
    assert len(holding) == 1 and "debian/rules (maintainer version):" in holding[0].text, [c.text for c in passages]
    lead = [s for s in passage_sentences(holding[0].text) if s.code]
    assert [s.text for s in lead] == ["debian/rules (maintainer version):"] and "prefix=/usr" in lead[0].code
    # Only a paragraph that introduces it: one ending in a full stop may be cut from it, as before.
    script = "```\n" + "\n".join(f"step {i}" + "x" * 40 for i in range(6)) + "\n```"
    intro = ("Set up the build as the maintainer would. " * 7).rstrip()  # ends in "."
    # Manuals end a lead-in with a full stop as often ("Then let's create ~/.quiltrc-dpkg as follows.": debmake's
    # passage ended on it, the file it creates in the next one).
    follows = intro[:-1] + " as follows."
    following = intro + " Erase everything by the following."
    for lead_in, together in ((intro, False), (intro[:-1] + ":", True), (follows, True), (following, True)):
        passages = chunk_article(_article(f"## S\n\n{lead_in}\n\n{script}\n"), 480)
        assert any(lead_in in c.text and script in c.text for c in passages) == together, lead_in
    # A procedure's last step may introduce it, with "below" inside its sentence: an IT guide's "... or map it
    # again by running the command below in PowerShell." ended one passage, and the command began the next, so the
    # answer to "how do I get on the VPN?" ended on "the command below" without it.
    steps = "\n".join(f"- Step {i}: " + "do this and then that, " * 4 + "and wait." for i in range(3))
    last = "- If it does not, map it again by running the command below in PowerShell."
    command = "```\nnet use P: \\\\fs01\\Projects /persistent:yes\n```"
    intro = "Connect to the VPN from home with the firm's laptop as follows, one step at a time. " * 4
    passages = chunk_article(_article(f"## Connecting\n\n{intro}\n\n{steps}\n{last}\n\n{command}\n"), 700)
    holding = [c for c in passages if command in c.text]
    assert len(holding) == 1 and last in holding[0].text, [c.text for c in passages]
    lead = [s for s in passage_sentences(holding[0].text) if s.code]
    assert [s.text for s in lead] == [last[2:]] and "net use P:" in lead[0].code


def test_markdown_structure_comes_from_commonmark():
    body = "# Learn C#\n\n1. first\n2. second\n   continued\n   - nested\n\nSetext Title\n---\n\nText under it.\n"
    passages = chunk_article(_article(body), 700)
    assert [(c.heading, c.text) for c in passages] == [
        ("Learn C#", "Learn C#\n\n- first\n- second continued\n- nested"),
        ("Learn C# > Setext Title", "Setext Title\n\nText under it."),
    ]


def _reference_split(lengths: list[int], limit: int, overhead: int) -> list[int]:
    """Group sizes the former exhaustive search chose: fewest groups, then, from the last group back, the
    smallest largest group and the longest last group."""
    n, best = len(lengths), None
    for mask in range(2 ** (n - 1)):
        cuts = [0, *(i for i in range(1, n) if mask >> (i - 1) & 1), n]
        sizes = [overhead + sum(lengths[a:b]) + 2 * (b - a - 1) for a, b in zip(cuts, cuts[1:])]
        if max(sizes) <= limit:
            key = (len(sizes), *(x for p in range(len(sizes), 0, -1) for x in (max(sizes[:p]), cuts[p - 1])))
            best = min(best or (key, cuts), (key, cuts))
    return [b - a for a, b in zip(best[1], best[1][1:])]


def test_the_fast_split_is_the_split_the_exhaustive_search_chose():
    rng = random.Random(5)
    for _ in range(300):
        limit, overhead = rng.choice([200, 700]), rng.choice([0, 12])
        lengths = [rng.randint(1, limit - overhead) for _ in range(rng.randint(1, 9))]
        groups = _balanced_groups(["x" * n for n in lengths], limit, overhead)
        assert [len(g) for g in groups] == _reference_split(lengths, limit, overhead), (limit, overhead, lengths)


def test_a_long_section_splits_into_balanced_passages_under_the_limit():
    rng = random.Random(3)
    paragraphs = [f"Paragraph {i}: " + "word " * rng.randint(5, 60) for i in range(400)]
    passages = chunk_article(_article("## Long Section\n\n" + "\n\n".join(paragraphs)), 700)
    assert all(c.text.startswith("Long Section\n\n") and len(c.text) <= 700 for c in passages)
    bodies = [c.text.removeprefix("Long Section\n\n").split("\n\n") for c in passages]
    assert [p for body in bodies for p in body] == [p.strip() for p in paragraphs]  # all of them, in order
    greedy, size = 1, 0  # the fewest passages that fit
    for p in paragraphs:
        size = size + 2 + len(p.strip()) if size else len("Long Section\n\n") + len(p.strip())
        if size > 700:
            greedy, size = greedy + 1, len("Long Section\n\n") + len(p.strip())
    assert len(passages) == greedy
    lengths = [len(c.text) for c in passages]
    assert min(lengths) >= 700 / 2  # no small leftover


def test_a_long_txt_without_headings_splits_into_balanced_passages(tmp_path):
    lines = [f"Line {i} of the notes says " + "more " * (i % 17) + "and ends here." for i in range(2000)]
    (tmp_path / "notes.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    passages = chunk_article(read_article(tmp_path / "notes.txt"), 700)
    assert all(not c.heading_path and len(c.text) <= 700 for c in passages)
    assert [p for c in passages for p in c.text.split("\n\n")] == lines
    assert min(len(c.text) for c in passages) >= 700 / 2


def test_front_matter_is_read_as_yaml(tmp_path):
    (tmp_path / "guide.md").write_text(
        "---\n"
        'title: "Pricing: plans, tiers and \\"Pro\\""\n'
        "publisher: 'O''Reilly'  # a comment\n"
        "Source: https://example.com/a:b\n"
        "tags: [pricing, plans]\n"
        "---\n\n## Plans\n\nThe basic plan suits most teams.\n",
        encoding="utf-8",
    )
    (tmp_path / "folded.md").write_text(
        "---\ntitle: >-\n  A title folded\n  over two lines\npublisher:\n---\nBody text.\n", encoding="utf-8"
    )
    (tmp_path / "bare.md").write_text("---\n---\n\nNo metadata at all.\n", encoding="utf-8")
    (tmp_path / "plain.md").write_text("---\ntitle: 1.10\npublisher: No\n---\nText.", encoding="utf-8")
    articles, errors = load_corpus(tmp_path)
    assert not errors
    bare, folded, guide, plain = articles
    assert (guide.title, guide.publisher, guide.origin) == (
        'Pricing: plans, tiers and "Pro"',
        "O'Reilly",
        "https://example.com/a:b",
    )
    assert guide.body.startswith("## Plans")
    assert (folded.title, folded.publisher, folded.body) == ("A title folded over two lines", "", "Body text.\n")
    assert (bare.title, bare.body) == ("Bare", "No metadata at all.\n")
    assert (plain.title, plain.publisher) == ("1.10", "No")  # values stay text as written


def test_malformed_front_matter_is_reported_per_file(tmp_path):
    (tmp_path / "good.md").write_text("---\ntitle: Good\n---\n\nFine text.\n", encoding="utf-8")
    (tmp_path / "colon.md").write_text("---\npublisher: Acme\ntitle: LLMs: a guide\n---\n\nText.\n", encoding="utf-8")
    (tmp_path / "unclosed.md").write_text('---\ntitle: "Half quoted\n---\n\nText.\n', encoding="utf-8")
    (tmp_path / "listed.md").write_text("---\n- just\n- a list\n---\n\nText.\n", encoding="utf-8")
    (tmp_path / "nested.md").write_text("---\ntitle: [one, two]\n---\n\nText.\n", encoding="utf-8")
    articles, errors = load_corpus(tmp_path)
    assert [a.source for a in articles] == ["good.md"]
    by_file = dict(e.split(": ", 1) for e in errors)
    assert sorted(by_file) == ["colon.md", "listed.md", "nested.md", "unclosed.md"]
    assert by_file["colon.md"].startswith("front matter is not valid YAML at line 3 (mapping values")
    assert "quote a value" in by_file["colon.md"]
    assert by_file["unclosed.md"].startswith("front matter is not valid YAML")
    assert "key: value" in by_file["listed.md"] and "`title` must be text" in by_file["nested.md"]


def test_a_markdown_file_without_front_matter_is_titled_by_its_first_h1(tmp_path):
    """Front matter first, else the first `# heading` (not one in a code block), else the file name."""
    (tmp_path / "onboarding-faq.md").write_text(
        "```\n# a shell comment\n```\n\n# New starter **FAQ**\n\n## When do I get my laptop?\n\nOn day one.\n",
        encoding="utf-8",
    )
    (tmp_path / "titled.md").write_text("---\ntitle: From front matter\n---\n# The H1\n\nText.\n", encoding="utf-8")
    (tmp_path / "no-heading.md").write_text("## Only a subheading\n\nText.\n", encoding="utf-8")
    assert read_article(tmp_path / "onboarding-faq.md").title == "New starter FAQ"  # was "Onboarding Faq"
    assert read_article(tmp_path / "titled.md").title == "From front matter"
    assert read_article(tmp_path / "no-heading.md").title == "No Heading"
    shared = SHARED / "corpora/fjordline/handbook/onboarding-faq.md"
    assert read_article(require_shared(shared)).title == "New starter FAQ"


def test_a_title_in_quotes_is_titled_without_them(tmp_path):
    """Every reply quotes a title itself: “"Staff Rules"” read doubled."""
    (tmp_path / "rules.md").write_text('---\ntitle: "“Staff Rules”"\n---\n# Staff Rules\n\nBe kind.\n')
    (tmp_path / "guide.md").write_text("# 'The “Fast” Guide'\n\nGo fast.\n")
    (tmp_path / "inner.md").write_text("# The “Fast” Guide\n\nGo fast.\n")
    assert read_article(tmp_path / "rules.md").title == "Staff Rules"
    assert read_article(tmp_path / "guide.md").title == "The “Fast” Guide"
    assert read_article(tmp_path / "inner.md").title == "The “Fast” Guide"  # quotes inside a title stay


def test_quoted_sentences_carry_no_markup():
    """Block quote markers, bold markers and entities are not quoted; a run-in bold heading is its own sentence."""
    body = (
        "# Guide\n\n## Where to publish\n\n**Websites**\nIt will normally take a day &amp; a half to publish on"
        " **our** sites.\n\n> Guido wrote: for some operations, prefix notation\n> just reads better than"
        " postfix.\n\nCall `__init__` or `a ** b` as you like; &lt;b&gt; stays text.\n"
    )
    article = Article(source="guide.md", title="Guide", publisher="", origin="", body=body, sha256="")
    sentences = [s.text for chunk in chunk_article(article) for s in passage_sentences(chunk.text)]
    assert sentences == [
        "Websites.",
        "It will normally take a day & a half to publish on our sites.",  # was "**Websites** It will ... &amp;"
        "Guido wrote: for some operations, prefix notation just reads better than postfix.",  # was "... > just"
        "Call `__init__` or `a ** b` as you like; &lt;b&gt; stays text.",  # code spans as written
    ]


def test_list_items_in_inline_code_keep_their_backticks():
    """An HTML list of event names in <code> was quoted "invoice.created`, invoice.sent`" (fourth tester): the
    bullet stripper took each item's opening backtick for a bullet."""
    sentences = passage_sentences("Webhooks\n\nAvailable events:\n- `invoice.created`\n- `invoice.sent`\n- → paid")
    assert [s.text for s in sentences] == ["Available events: `invoice.created`, `invoice.sent`, paid."]
    # nor a command-line option its dashes ("- --api-token -> --api-key" was quoted "api-token -> --api-key")
    options = passage_sentences("Renamed\n\nRenamed in 2.0:\n- --api-token -> --api-key\n- -v -> --verbose\n- • dump")
    assert [s.text for s in options] == ["Renamed in 2.0: --api-token -> --api-key, -v -> --verbose, dump."]


def test_a_long_table_splits_between_rows_and_every_part_keeps_its_lead_in():
    """A converted table (a row per item, each naming its columns) longer than a passage is cut between rows."""
    rows = [f"- package: tool-{n}; popcon: I:{n}; size: {100 + n}; description: utility number {n}" for n in range(40)]
    body = "# Packages\n\n## Useful tools\n\nSome useful packages:\n\n" + "\n".join(rows) + "\n"
    article = Article(source="p.md", title="P", publisher="", origin="", body=body, sha256="")
    chunks = chunk_article(article, max_chars=700)
    assert len(chunks) >= 4 and all(len(c.text) <= 700 for c in chunks)  # was one passage of 3400 characters
    for chunk in chunks:
        assert chunk.text.startswith("Useful tools\n\nSome useful packages:\n- package: tool-")
    found = [line for c in chunks for line in c.text.splitlines() if line.startswith("- ")]
    assert found == rows  # every row once, in order, with its column names


def test_a_passage_that_is_only_the_document_title_is_not_a_passage():
    """The Fjordline handbook PDF's cover page is only its title. As a passage it was quoted as an answer:
    "How much does Fjordline contribute to my pension?" got "Fjordline Employee Handbook 2026 [1]"."""
    pdf = require_shared(SHARED / "corpora/fjordline/handbook/Employee Handbook 2026.pdf")
    article = read_article(pdf)
    chunks = chunk_article(article)
    assert article.title == "Fjordline Employee Handbook 2026"
    assert chunks and all(" ".join(c.text.split()) != article.title for c in chunks), [c.text[:60] for c in chunks]
    assert chunks[0].location == "p. 1" and "This handbook describes how we work" in chunks[0].text  # page 1 kept


def test_a_hard_wrapped_txt_reads_as_paragraphs_under_its_underlined_headings(tmp_path):
    (tmp_path / "manual.txt").write_text(
        "Package maintainer scripts\n"
        "==========================\n\n"
        "The maintainer scripts are run by dpkg at each stage of an\n"
        "installation, and they must be idempotent: running one twice\n"
        "does no harm.\n\n"
        "Configuration files\n"
        "-------------------\n\n"
        "A conffile is kept across upgrades unless the administrator\n"
        "agrees to replace it. To list them, run::\n\n"
        "    dpkg-query --showformat='${Conffiles}\\n' --show hello\n\n"
        "- one item that is wrapped over\n"
        "  two lines\n"
        "- another item\n",
        encoding="utf-8",
    )
    passages = chunk_article(read_article(tmp_path / "manual.txt"), 700)
    by_heading = {c.heading_path[-1]: c.text for c in passages}
    assert set(by_heading) == {"Package maintainer scripts", "Configuration files"}
    assert (
        "dpkg at each stage of an installation, and they must be idempotent" in by_heading["Package maintainer scripts"]
    )
    conffiles = by_heading["Configuration files"]
    assert "unless the administrator agrees to replace it. To list them, run:\n" in conffiles
    assert "```\ndpkg-query --showformat='${Conffiles}\\n' --show hello\n```" in conffiles
    assert "- one item that is wrapped over two lines\n- another item" in conffiles
    assert "===" not in conffiles and "---" not in conffiles


def test_a_txt_with_one_paragraph_per_line_keeps_each_line_and_its_question_headings(tmp_path):
    (tmp_path / "faq.txt").write_text(
        "Our handbook answers common questions.\n"
        "How many vacation days do I get?\n"
        "Every employee gets 27 vacation days a year, and unused days carry over until March.\n"
        "Key points:\n"
        "- Days are booked in the HR portal\n",
        encoding="utf-8",
    )
    passages = chunk_article(read_article(tmp_path / "faq.txt"), 700)
    assert [c.heading_path[-1] for c in passages if c.heading_path] == ["How many vacation days do I get?"]
    assert "Every employee gets 27 vacation days a year" in passages[-1].text


def test_underline_styles_give_heading_levels_in_the_order_they_appear():
    from bot.ingest.corpus import text_to_markdown

    text = "=====\nTitle\n=====\nSub\n---\n\nText here that is\nwrapped over lines.\n\nOther\n-----\n\nMore.\n"
    assert text_to_markdown(text).split("\n\n")[:4] == [
        "## Title",
        "### Sub",
        "Text here that is wrapped over lines.",
        "### Other",
    ]


def test_a_plain_text_file_s_columns_records_and_ruled_title_block_keep_their_shape():
    """A tester's centres file (.txt): a row of "=" under its title block was taken for a heading underline, so
    none of "1. OUR CENTRES" ... "6. LOCKERS" was a heading and they were quoted as sentences ("OUR CENTRES.").
    Its opening-hours table, aligned with spaces, and each centre's "Address:" / "Parking:" lines were read as
    one run-on line, and a line ending on a bracket was cut from the words that continue it."""
    from bot.ingest.corpus import text_to_markdown

    text = (
        "KESTREL PEAK CLIMBING CENTRES\nCentres, Opening Hours and Contacts\nLast updated: 12 January 2026\n"
        + "=" * 60
        + "\n\n1. OUR CENTRES\n\nRiverside (bouldering only)\n  Address: The Old Mill, 22 Wharf Lane\n"
        "  Parking: no on-site parking; use Wharf Lane pay-and-display\n\n"
        "2. OPENING HOURS (standard)\n\n"
        "                     Northgate       Riverside\n"
        "  Monday - Friday    07:00 - 22:30   10:00 - 22:00\n"
        "  Saturday           08:00 - 21:00   09:00 - 20:00\n\n"
        "Last entry is 45 minutes before closing. Ropes (lead and top-rope)\nare taken down before closing.\n\n"
        "3. CONTACTS\n\n"
        "  General enquiries    0300 555 0142\n"
        "                       hello@kestrelpeak.co.uk\n"
        "  Lost property        ask the front desk; items are\n"
        "                       kept for 30 days\n"
    )
    shown = text_to_markdown(text)
    assert "## 1. OUR CENTRES" in shown and "## 2. OPENING HOURS (standard)" in shown and "## 3. CONTACTS" in shown
    assert (
        "Riverside (bouldering only):\n- Address: The Old Mill, 22 Wharf Lane\n- Parking: no on-site parking;" in shown
    ), shown
    assert "- Monday - Friday; Northgate: 07:00 - 22:30; Riverside: 10:00 - 22:00\n" in shown, shown
    assert "- Saturday; Northgate: 08:00 - 21:00; Riverside: 09:00 - 20:00\n" in shown
    assert "Ropes (lead and top-rope) are taken down before closing." in shown
    assert "- General enquiries: 0300 555 0142 hello@kestrelpeak.co.uk\n" in shown, shown
    assert "- Lost property: ask the front desk; items are kept for 30 days\n" in shown
    # Columns that only point from one cell to the next are a mapping, said as written (a CLI guide's renames were
    # read "ledgerly invoice:list: ->; ledgerly invoices list").
    renames = "Renamed in 2.0:\n  ledgerly invoice:list   ->  ledgerly invoices list\n  --api-token             ->  --api-key\n"
    assert "- ledgerly invoice:list -> ledgerly invoices list\n- --api-token -> --api-key" in text_to_markdown(renames)
    # Prose with two spaces after its full stops is still prose, and an underlined file keeps its convention.
    prose = "Intro\n=====\n\nOne sentence here.  Another one follows\nthe first.  And a third.\n\nAlone line\n\nText."
    assert text_to_markdown(prose).split("\n\n")[:3] == [
        "## Intro",
        "One sentence here.  Another one follows the first.  And a third.",
        "Alone line",
    ]


def test_commands_indented_under_a_line_ending_in_a_colon_are_code_in_plain_text():
    """A tester's onboarding .txt gave "git clone ... cd ledgerly-api make bootstrap" on one line: its indented
    commands were read as text. An indented list, or indented lines after other text, are not code."""
    from bot.ingest.corpus import text_to_markdown

    text = (
        "Setup\n=====\n\nThen clone the API repository and bootstrap it:\n\n"
        "    git clone git@git.example.io:team/api.git\n    cd api\n    make bootstrap\n\n"
        "The rules are:\n\n    - one\n    - two\n\nA quote follows.\n\n    Indented prose.\n"
    )
    shown = text_to_markdown(text)
    assert "```\ngit clone git@git.example.io:team/api.git\ncd api\nmake bootstrap\n```" in shown, shown
    assert shown.count("```") == 2 and "- one" in shown and "Indented prose." in shown


def test_a_table_of_words_and_amounts_indented_under_a_colon_is_a_table_not_code():
    """A tester's rental terms (.txt) put the late fees under "Late returns are charged as follows:", indented,
    in columns parted by spaces: read as code, "I brought my bike back 40 minutes late. How much will I be
    charged?" was declined as giving no amount. Commands so laid out, with their aligned comments, stay code."""
    from bot.ingest.corpus import text_to_markdown

    fees = (
        "Late returns are charged as follows:\n\n    Minutes late        Charge\n    up to 15            no charge\n"
        "    16 to 60            £5\n    more than 180       one extra day\n\nPhone us if you will be late.\n"
    )
    shown = text_to_markdown(fees)
    assert "```" not in shown, shown
    assert "- Minutes late: 16 to 60; Charge: £5\n" in shown and "- Minutes late: up to 15; Charge: no charge" in shown
    commands = "Then run:\n\n    make test        # the fast lane\n    make run         # serves on 8000\n"
    assert "```\nmake test        # the fast lane\nmake run         # serves on 8000\n```" in text_to_markdown(commands)


def test_a_plain_text_table_ruled_off_under_its_column_names_is_read_by_its_columns():
    """A ferry's conditions (.txt) ruled their group table's column names off with dashes and gave the last row one
    cell for two columns: rows came out as "1 to 9 none -" and the rule as a row, and "a school party of 25 pupils"
    got the whole table (a tester's held-out folder). A reStructuredText table's rules go the same way."""
    from bot.ingest.corpus import text_to_markdown

    groups = (
        "The booking must be made in advance as shown below.\n\n    Group size     Discount    Book at least\n"
        "    ----------     --------    -------------\n    1 to 9         none        -\n"
        "    20 to 39       15%         7 days before\n    81 or more     ask the charter desk\n"
    )
    shown = text_to_markdown(groups)
    assert "- Group size: 20 to 39; Discount: 15%; Book at least: 7 days before\n" in shown, shown
    assert "- Group size: 81 or more; Discount: ask the charter desk" in shown and "---" not in shown, shown
    simple = "Sizes are:\n\n=====  ======\nSize   Price\n=====  ======\nSmall  £3\nLarge  £5\n=====  ======\n"
    assert "- Size: Small; Price: £3\n- Size: Large; Price: £5" in text_to_markdown(simple)


def test_a_plain_text_table_s_wrapped_cells_stay_in_their_columns():
    """An IT helpdesk's contacts sheet (.txt) wrapped its priority table's examples onto the lines below: they were
    added to each row's last cell ("Target to fix: 1 working day team is affected; ..."), a wrapped line of two
    columns became a row, and a table right under its underlined heading took the heading for its column names
    ("New starter set-up; 9. NOTICE NEEDED FOR REQUESTS: 5 working days"). "if my pc is completely dead how quickly
    will IT respond" found no "1 hour" under "First response" (a tester's folder)."""
    from bot.ingest.corpus import text_to_markdown

    priorities = (
        "4. PRIORITIES\n-------------\n  When you log a ticket, IT sets the priority using this table.\n\n"
        "  Priority     Examples                                   First response      Target to fix\n"
        "  -----------  -----------------------------------------  ------------------  ----------------\n"
        "  P1 Critical  Whole office or key system down (internet,  30 minutes          4 hours\n"
        "               P: drive, email for everyone); security\n"
        "               incident; lost or stolen device\n"
        "  P2 High      One person can't work at all, or a whole    1 hour              1 working day\n"
        "               team is affected; plotting failure on a\n"
        "               deadline day\n"
        "  P4 Request   New software, new equipment, access         2 working days      As agreed with\n"
        "               changes                                                        you\n\n"
        "9. NOTICE NEEDED FOR REQUESTS\n-----------------------------\n"
        "  New starter set-up ......................... 5 working days' notice from HR\n"
        "  Leaver ...................................... at least 3 working days before last day\n"
    )
    shown = text_to_markdown(priorities)
    high = (
        "- Priority: P2 High; Examples: One person can't work at all, or a whole team is affected; plotting failure on "
        "a deadline day; First response: 1 hour; Target to fix: 1 working day\n"
    )
    assert high in shown, shown
    assert (
        "Examples: New software, new equipment, access changes; First response: 2 working days; Target to fix: "
        "As agreed with you" in shown
    ), shown
    assert "- New starter set-up: 5 working days' notice from HR\n" in shown and "REQUESTS:" not in shown, shown


def test_a_plain_text_file_s_headings_on_lines_of_their_own_head_sections(tmp_path):
    """A tester's SOP (.txt) had "2. PRIORITY CATEGORIES" alone on its line, then a blank line and its text: it was
    read as a list item, every passage had no heading, and "How fast do you respond to a P2?" was declined. Its
    first lines (organisation, name, version) had been run together into one paragraph, and the file was named
    after its file name ("Leak Reporting Sop")."""
    (tmp_path / "leak-reporting-sop.txt").write_text(
        "KESTREL VALLEY WATER\nStandard Operating Procedure LR-04: Handling Reported Leaks\n"
        "Version 4.1 — issued 3 March 2025 — owner: Head of Network Operations (Dana Okafor)\n\n"
        "1. PURPOSE\n\nThis SOP describes how advisers handle reports of leaks from the public.\n\n"
        "2. PRIORITY CATEGORIES\n\nEvery report is given a category. P2 means on site within 4 hours.\n\n"
        "2.1 Gas\n\nIf the caller smells gas, tell them to leave the area.\n\n"
        "3. SHOPPING LIST\n\nWhat to buy for the team on the way in:\n\n1. Bread\n\n2. Butter and jam\n\n3. More bread for everyone\n",
        encoding="utf-8",
    )
    article = read_article(tmp_path / "leak-reporting-sop.txt")
    assert article.title == "Standard Operating Procedure LR-04: Handling Reported Leaks"
    body = article.body
    assert body.startswith("KESTREL VALLEY WATER\n\n## Standard Operating Procedure LR-04")
    assert "\n\nVersion 4.1 — issued 3 March 2025 — owner: Head of Network Operations (Dana Okafor)\n\n" in body
    assert "## 1. PURPOSE" in body and "## 2. PRIORITY CATEGORIES" in body and "### 2.1 Gas" in body
    assert "## 3. SHOPPING LIST" in body and "#" not in body.split("SHOPPING LIST")[1], body  # items, not headings
    passages = chunk_article(article, 700)
    p2 = next(p for p in passages if "P2 means" in p.text)
    assert p2.heading_path[-1] == "2. PRIORITY CATEGORIES"


def test_a_plain_text_file_is_named_by_its_title_block(tmp_path):
    """A tester's FAQ (.txt) opened "KESTREL RIDGE SOLAR - FREQUENTLY ASKED QUESTIONS" over a contact line and a date,
    and was named "Faq" after its file in every decline; another's "LARKSPUR & HOLLINS VETERINARY GROUP" over "New
    Client Welcome Pack - Frequently Asked Questions" was "New Client Faq". Its numbered "Q1:" entries ran together
    with their answers ("Q1: Do I need planning permission? A: Most homes ...")."""
    (tmp_path / "faq.txt").write_text(
        "KESTREL RIDGE SOLAR - FREQUENTLY ASKED QUESTIONS\nKestrel Ridge Solar Ltd (KRS) | Sales 0113 496 0732\n"
        "Last updated: 1 March 2025\n\nQ1: Do I need planning permission for solar panels?\nA: Most homes in England "
        'do not, because roof-mounted panels are usually\n"permitted development".\n\nQ2: Will my roof be strong '
        "enough?\nA: Almost always. At the survey we look in the loft at the rafters.\n",
        encoding="utf-8",
    )
    article = read_article(tmp_path / "faq.txt")
    assert article.title == "Kestrel Ridge Solar - Frequently Asked Questions", article.title
    assert "\n## Do I need planning permission for solar panels?\n\nMost homes in England do not" in article.body
    assert "Q2:" not in article.body and "\n## Will my roof be strong enough?" in article.body, article.body
    (tmp_path / "new-client-faq.txt").write_text(
        "LARKSPUR & HOLLINS VETERINARY GROUP\nNew Client Welcome Pack - Frequently Asked Questions\nUpdated January "
        "2025\n\nWelcome to Larkspur & Hollins! This sheet answers the questions new clients ask us most often.\n",
        encoding="utf-8",
    )
    assert read_article(tmp_path / "new-client-faq.txt").title == "New Client Welcome Pack - Frequently Asked Questions"
    # A holiday park's guide was named by its address, which read as a heading: "Saxby Road, East Saxby, near
    # Cromer, Norfolk NR27 0QS" in every decline that listed its documents, and above every passage. Its name is
    # the underlined heading after the park's name and contacts (the park's name is its other files' too).
    (tmp_path / "site-rules.txt").write_text(
        "PENNYCROFT FARM HOLIDAY PARK\nSaxby Road, East Saxby, near Cromer, Norfolk NR27 0QS\nTel: 01263 579214   "
        "Warden (out of hours): 07700 914382\n\nARRIVAL GUIDE & SITE RULES - 2025\n=================================\n\n"
        "PART 1 - FINDING US\n-------------------\n\nPlease do not put the postcode into your sat nav.\n",
        encoding="utf-8",
    )
    article = read_article(tmp_path / "site-rules.txt")
    assert article.title == "Arrival Guide & Site Rules - 2025", article.title
    assert "## Saxby Road" not in article.body, article.body


def test_a_plain_text_faq_with_wrapped_answers_has_a_heading_per_question(tmp_path):
    """A tester's FAQ (.txt), "Q: ..." then "A: ..." wrapped with a hanging indent: most entries ran together as
    "Q: ... A: ..." paragraphs under no heading, some made a "## Q:" heading above the part they were in, and a
    sentence wrapped across two lines was cut into two paragraphs ("Home-made" / "equipment and any harness")."""
    from bot.ingest.corpus import text_to_markdown

    text = (
        "PART 1 - GENERAL QUESTIONS\n--------------------------\n\n"
        "Q: I've never climbed before. Can I just turn up?\nA: Yes. Register online before you come (it takes\n"
        "   about five minutes), then come in any time.\n\n"
        "Q: Can I use my own kit?\nA: Yes, as long as it is designed for climbing.\n   Staff may ask to inspect "
        "harnesses. Home-made\n   equipment will not be allowed.\n\n"
        "Q: I have a concession ticket. What proof\n   do I need?\nA: Students: a valid student card.\n\n"
        "Q. How do I end my membership?\nA. 1. Give us notice - at least 7 days, in writing\n"
        "      or by email.\n   2. Return your key card at reception.\n\n"
        "PART 2 - COURSES\n----------------\n\nAll our courses are run by qualified instructors.\n"
    )
    shown = text_to_markdown(text)
    assert (
        "## PART 1 - GENERAL QUESTIONS\n\n### I've never climbed before. Can I just turn up?\n\nYes. Register" in shown
    )
    assert (
        "### Can I use my own kit?\n\nYes, as long as it is designed for climbing. Staff may ask to inspect " in shown
    )
    assert "Home-made equipment will not be allowed." in shown, shown
    assert "### I have a concession ticket. What proof do I need?\n\nStudents: a valid student card." in shown
    # An answer's numbered steps are a list (a tester's self-storage FAQ ran its seven steps into one paragraph).
    assert (
        "### How do I end my membership?\n\n- 1. Give us notice - at least 7 days, in writing or by email.\n" in shown
    )
    assert "\n- 2. Return your key card at reception.\n" in shown, shown
    assert "## PART 2 - COURSES" in shown and "Q:" not in shown and "A:" not in shown, shown
    (tmp_path / "faq.txt").write_text(text, encoding="utf-8")
    passages = chunk_article(read_article(tmp_path / "faq.txt"), 700)
    kit = next(p for p in passages if "Home-made" in p.text)
    assert kit.heading_path[-2:] == ["PART 1 - GENERAL QUESTIONS", "Can I use my own kit?"], kit.heading_path


def test_a_title_in_capitals_is_quoted_in_title_case(tmp_path):
    """A tester's FAQ (.txt) opened "RIDGEBACK CLIMBING CENTRE - FREQUENTLY ASKED QUESTIONS AND COURSE GUIDE": every
    decline said the documents are about that, in capitals. Acronyms stay as written."""
    (tmp_path / "faq.txt").write_text(
        "RIDGEBACK CLIMBING CENTRE (RCC) - FREQUENTLY ASKED QUESTIONS AND COURSE GUIDE\n" + "=" * 40 + "\n\n"
        "Q: Can I bring my dog?\nOnly assistance dogs are allowed inside.\n",
        encoding="utf-8",
    )
    title = read_article(tmp_path / "faq.txt").title
    assert title == "Ridgeback Climbing Centre (RCC) - Frequently Asked Questions and Course Guide", title


def test_a_plain_text_price_list_with_dot_leaders_is_a_list_of_prices():
    """A tester's price list (.txt) set each price after a leader of dots ("Taster Session ...... GBP 38"): the lines
    ran together as one paragraph, and "Is there a fee to join?" was answered "GBP 10 per month Joining fee
    (one-off) ......" (a pottery studio's folder, 2026-12-06). A sentence wrapped onto a line of its own starting
    in lower case had been cut in two ("... GBP 4.00," / "so GBP 8.00 in total ...")."""
    from bot.ingest.corpus import text_to_markdown

    text = (
        "PRICE LIST\nValid 1 March 2025 to 28 February 2026.\n\n1. COURSES\n\n"
        "  Taster Session (one 2-hour wheel session) .......... GBP 38 per person\n"
        "  Beginners Wheel Throwing (6 weeks) ................. GBP 245\n"
        "  Kids' Saturday Clay Club (4-week block, ages 8-13) . GBP 96 per child\n\n"
        "2. MEMBERSHIP\n\n  Off-Peak membership ......................... GBP 65 per month\n"
        "  Joining fee (one-off) ....................... GBP 25\n\n"
        "  Example: a mug measuring 4 x 4 x 5 inches = 80 cubic inches.\n"
        "  Bisque 80 x 5p = GBP 4.00, plus glaze firing 80 x 5p = GBP 4.00,\n"
        "  so GBP 8.00 in total for a fully finished mug.\n"
    )
    markdown = text_to_markdown(text)
    assert "- Taster Session (one 2-hour wheel session): GBP 38 per person\n" in markdown, markdown
    assert "- Kids' Saturday Clay Club (4-week block, ages 8-13): GBP 96 per child\n" in markdown, markdown
    assert "- Joining fee (one-off): GBP 25\n" in markdown and "..." not in markdown, markdown
    assert "GBP 4.00, so GBP 8.00 in total for a fully finished mug." in markdown, markdown
    assert "\nExample: a mug measuring 4 x 4 x 5 inches = 80 cubic inches.\n" in markdown, markdown


def test_a_hyphenated_name_is_found_by_its_parts_in_the_documents():
    """A passage's "AX-430" holds the "430" a question asks about, and its "GPT-4" a "GPT"; a question's own
    "GPT-4" still asks for GPT-4, not for every GPT."""
    from bot.text import document_terms, tokenize

    assert {"ax-430", "430", "gpt-4", "gpt"} <= set(document_terms("The AX-430 panel; OpenAI's GPT-4."))
    assert "gpt" not in tokenize("What is GPT-4?") and "gpt-4" in tokenize("What is GPT-4?")


def test_a_numbered_faq_heading_is_offered_as_the_question_it_asks():
    """A Word or Markdown FAQ heading "Q3: Can I bring my dog?" is the question "Can I bring my dog?", offered as
    one the documents answer; only plain text's "Q3:" lines had been read so (a tester's solar folder)."""
    from bot.text import is_question, plain_heading

    assert plain_heading("Q3: Can I bring my dog?") == "Can I bring my dog?"
    assert is_question("Q12. Do I need planning permission?") and plain_heading("QA testing") == "QA testing"


def test_paragraphs_opening_on_bold_labels_are_the_parts_of_their_section():
    """A welcome pack wrote its facilities as paragraphs opening on a bold label ("**Laundry.** In the Barn Block:
    ..."), one section holding eight of them: "Is there a laundry on site?" came no closer to that section than
    off-topic questions do (a tester's campsite folder, 2026-12-07). Each label now heads its part, as a heading one
    level below would; a bold opening alone in its section ("**Note:** ...") stays emphasis in its text."""
    body = (
        "# Welcome\n\n## Around the park\n\n**Shower blocks.** Showers are free in both blocks.\n\n**Laundry.** In "
        "the Barn Block: 2 washing machines (£4.50 a wash).\n\n**Wi-Fi:** Free around reception.\n\n## Going home\n\n"
        "**Note:** leave by 11am. Keys go in the box.\n\n**Never light a fire on the grass.** It scorches.\n"
    )
    article = Article(source="pack.md", title="Welcome", publisher="", origin="", body=body, sha256="")
    chunks = {chunk.heading: chunk.text for chunk in chunk_article(article)}
    assert (
        chunks["Welcome > Around the park > Laundry"]
        == "Laundry\n\nIn the Barn Block: 2 washing machines (£4.50 a wash)."
    )
    assert chunks["Welcome > Around the park > Wi-Fi"] == "Wi-Fi\n\nFree around reception."
    assert "Welcome > Around the park > Shower blocks" in chunks
    # one label in "Going home" (the other is a sentence in bold, no label): emphasis, not a part
    assert [h for h in chunks if h.startswith("Welcome > Going home")] == ["Welcome > Going home"]
    assert "Note: leave by 11am." in chunks["Welcome > Going home"]


def test_a_plain_text_group_of_bullets_is_headed_by_its_name_and_a_wrapped_bullet_is_one_item():
    """A campsite's arrival guide numbered its rules' groups ("1. Driving") over bullets indented under them, and
    wrapped long bullets onto a line indented further: the groups' names were read as items of one long list (its
    rules quoted "Driving, 5 mph speed limit ..., Quiet time, ...") and each wrapped line as a paragraph of its own
    (a tester's folder, 2026-12-07)."""
    from bot.ingest.corpus import text_to_markdown
    from bot.ingest.markdown_blocks import markdown_sections

    text = (
        "PART 3 - SITE RULES\n-------------------\nWe don't like having lots of rules.\n\n1. Driving\n"
        "   - 5 mph speed limit everywhere on the park.\n   - One car per pitch.\n\n2. Quiet time\n"
        "   - Quiet time is 10.30pm to 7.30am. Please keep voices down and don't\n"
        "     play music or run engines during these hours.\n   - Generators are not allowed.\n\n"
        "Please bring:\n   - a torch\n   - a mallet\n"
    )
    sections = {
        " > ".join(s.path): [line for b in s.blocks for line in b.lines]
        for s in markdown_sections(text_to_markdown(text))
    }
    assert sections["PART 3 - SITE RULES > 1. Driving"] == [
        "5 mph speed limit everywhere on the park.",
        "One car per pitch.",
    ]
    assert sections["PART 3 - SITE RULES > 2. Quiet time"][0] == (
        "Quiet time is 10.30pm to 7.30am. Please keep voices down and don't play music or run engines during these hours."
    )
    # a lead-in ending in ":" introduces its items: no heading
    assert sections["PART 3 - SITE RULES > 2. Quiet time"][-3:] == ["Please bring:", "a torch", "a mallet"]


def test_a_wrapped_line_in_a_file_that_underlines_its_headings_is_no_heading():
    """A troubleshooting FAQ that underlines its section headings wrapped an answer so that one line, "If stowd
    crashed, the lock may be left behind. Locks older than", stood short before a longer one: it was read as a
    heading, and the next sections' questions were filed under it (the backup folder, 2026-12-07)."""
    from bot.ingest.corpus import text_to_markdown
    from bot.ingest.markdown_blocks import markdown_sections

    text = (
        "TROUBLESHOOTING FAQ\n===================\n\nSECTION 3 - REPOSITORY AND STORAGE\n"
        '----------------------------------\n\nQ9: "E2010 repository locked" - what do I do?\n\n'
        "A:  A lock is held while backups, prunes or checks write to the repository.\n"
        "    If stowd crashed, the lock may be left behind. Locks older than\n"
        "    repository.lock_timeout_minutes (default 30) are cleared automatically.\n\n"
        "SECTION 4 - LICENSING\n---------------------\n\nQ14: How many agents may I run?\n"
    )
    paths = [" > ".join(s.path) for s in markdown_sections(text_to_markdown(text))]
    assert paths == [
        "TROUBLESHOOTING FAQ > SECTION 3 - REPOSITORY AND STORAGE",
        "TROUBLESHOOTING FAQ > SECTION 4 - LICENSING",
    ], paths
    assert "Locks older than repository.lock_timeout_minutes (default 30)" in text_to_markdown(text)


def test_the_details_under_an_underlined_title_are_no_heading():
    """An invoicing company's support page (a tester's, 2026-12-07) listed its owner, date and scope under its
    underlined title: "Last updated:   5 January 2026" stood short over a longer line, was read as a heading, and
    every section of the file was filed under the date."""
    from bot.ingest.corpus import text_to_markdown
    from bot.ingest.markdown_blocks import markdown_sections

    text = (
        "LEDGERLY SUPPORT AND SERVICE STATUS\n===================================\n"
        "Document owner: Customer Operations\nLast updated:   5 January 2026\n"
        "Applies to:     all Ledgerly plans (Starter, Essentials, Pro, Practice)\n\n"
        "All times in this document are UK time.\n\n\n1. SUPPORT HOURS BY PLAN\n------------------------\n\n"
        "There is no support on Sundays.\n\n\n2. ESCALATION\n-------------\n\nReply with ESCALATE in the subject.\n"
    )
    md = text_to_markdown(text)
    paths = [" > ".join(s.path) for s in markdown_sections(md)]
    assert paths[-2:] == [
        "LEDGERLY SUPPORT AND SERVICE STATUS > 1. SUPPORT HOURS BY PLAN",
        "LEDGERLY SUPPORT AND SERVICE STATUS > 2. ESCALATION",
    ], paths
    assert "\nLast updated:   5 January 2026\n" in md, md
