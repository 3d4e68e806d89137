"""The one table of question patterns (`PATTERNS`), each row with example questions: long on purpose.

Every pattern any stage applies to a question (small talk, yes/no, the kind of answer asked for, follow-up
links) is a row here, with questions it finds and does not, which tests/test_question_form.py checks; the table
reads best in one place. `bot.question.form.read_question` applies them once. Patterns over passage text
(`bot.text.gives_kind`, `defines_subject`) are not here: the rule is about the question.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.text import STOPWORDS

# A word a yes/no question asks about is a key concept when this rare (Zipf): "offline" 3.7 and "laptop" 4.2
# are; of "solved problem" and "rules settled", paraphrases of covered questions, one word each is not.
ASKED_MAX_ZIPF = 4.5


@dataclass(frozen=True)
class Pattern:
    """A pattern of questions, with questions (or the parts of one it is applied to) it finds and does not."""

    name: str
    regex: re.Pattern[str]
    examples: tuple[str, ...]
    not_in: tuple[str, ...] = ()
    how: str = "search"  # how the code applies it: "match", "search" or "fullmatch"

    def find(self, text: str) -> re.Match[str] | None:
        return getattr(self.regex, self.how)(text)


def _row(
    name: str, pattern: str, examples: tuple[str, ...], not_in: tuple[str, ...] = (), how: str = "search", flags=re.I
):
    return Pattern(name, re.compile(pattern, flags), examples, not_in, how)


# "part of", "a kind of", "belongs to": a question (and a sentence) saying what includes what.
BELONGING = r"(?:part|type|kind|form|subset|member|branch|category|subfield|sort)s? of|falls? under|belongs? to"
# A question's opening up to its subject: "Can ", "How is ", "What does ".
_OPENING = (
    r"(?:(?:how|why|when|where|what|which)\s+)?(?:is|are|was|were|do|does|did|can|could|will|would|should|has|have)\s+"
)

# The words a question starts with ("what", "where", "can", "does"): where a second question may begin.
_ASKING = (
    r"(?:what|what['’]s|when|where|which|who|whom|whose|why|how|is|are|was|were|do|does|did|can|could|should|will"
    r"|would|may|must)"
)

# The words of an open question ("what", "why", ...): one that asks for more than yes or no.
_WH = r"(?:what|which|who|whom|whose|when|where|why|how)"

# What people call the documents themselves ("the articles", "this PDF", "the handbook"): generic names of documents.
DOCUMENT_NOUNS = (
    r"(?:documents?|docs|articles?|files?|texts?|papers?|reports?|handbooks?|manuals?|guides?|faqs?|polic(?:y|ies)"
    r"|books?|pdfs?|pages?|materials?|sources?)"
)

_TABLE = (
    # Small talk: the whole message is only a greeting, thanks, or a question about the assistant itself.
    _row(
        "greeting",
        r"^(?:(?:hi|hello|hey|hiya|howdy|good (?:morning|afternoon|evening|day))(?: there| all| everyone| again)?"
        r"|bye|goodbye)\b[\s!.,?]*$",
        ("Hi there!", "good morning", "bye"),
        ("Hi, what is an LLM?",),
        "match",
    ),
    _row(
        "thanks",
        r"^(?:(?:ok(?:ay)?|great|perfect|cool|nice|good)[\s,!.]+)?(?:thanks?|thank you|thx|cheers|ty)"
        r"(?: (?:a lot|so much|very much|again))?(?:[\s,!.]+(?:that|this) (?:helps|helped|was (?:helpful|great|useful)))?"
        r"\b[\s!.,?]*$",
        ("ok thanks!", "Thank you so much, that helped."),
        ("Thanks to LLMs, can chatbots write code?",),
        "match",
    ),
    _row(  # about the assistant itself, never about a topic
        "about_assistant",
        r"^(?:(?:hi|hello|hey)[\s,!.]+)?(?:"
        r"help(?: me| please)?|what can (?:you|i) (?:do|ask)(?: (?:you|here|for me))?|what do you do"
        r"|who (?:are|r) (?:you|u)|what are you|who made you|who built you|what is this(?: (?:bot|app|tool|assistant))?"
        r"|what(?:'s| is) your name|what do you know(?: about)?|what (?:can|do) you (?:know|answer)(?: about)?"
        r"|what (?:are you|is this) (?:for|about)|how (?:do i|can i|should i|to) use (?:this|you|it)(?: (?:bot|app|tool))?"
        r"|how does (?:this|it) work|what should i ask(?: you)?|what can you help (?:me )?with"
        r"|are you (?:a |an )?(?:bot|robot|human|person|real|ai|chatbot)"
        r")(?: (?:please|exactly|again))?[\s!.,?]*$",
        ("What can you do?", "Who are you?", "help"),
        ("What can you do with an LLM?", "What do you know about deepfakes?"),
        "match",
    ),
    # "Can LLMs make images? Yes or no." asks just "Can LLMs make images?": the aside is no part of it.
    _row(
        "yes_or_no_aside",
        r"^\s*(?:yes or no|true or false)\s*[:,-]\s*|[\s,.;:-]*\(?\b(?:yes or no|yes/no|true or false)\b\)?[?.!]*\s*$",
        ("Can LLMs make images? Yes or no.", "Yes or no: is R free?", "Is R typed (true or false)?"),
        ("Can LLMs make images?",),
    ),
    _row(  # a request for the answer's form, not a word of what is asked: "what activities ...? can you list them"
        "list_aside",
        r"\s*[,.;:?!-]\s*(?:(?:can|could|would)\s+you\s+|please\s+)?list(?:\s+(?:them|it|these|those|everything|all))?"
        r"(?:\s+for\s+me)?(?:\s+please)?[?.!]*\s*$|[\s,.;:?!-]*\b(?:as|in)\s+a\s+list(?:\s+please)?[?.!]*\s*$",
        (
            "what do I need to bring with me to join the library? list please",
            "what activities do you have for kids? can you list them",
            "Which rooms can I hire, as a list?",
        ),
        (
            "Can I list my flat for rent?",
            "What is on the waiting list?",
            "Is my book on the list?",
            "What is on the list?",
        ),
    ),
    _row(
        "yes_no",
        # The question may open with a clause of its own: "Now that AI is so capable, can we drop human review?"
        r"^((?:(?!" + _WH + r"\b)[^,?]*,\s*)?)"
        r"(?:am|can|could|is|are|was|were|do|does|did|will|would|should|shall|has|have|had|may|might|must)\b",
        (
            "Can LLMs make images?",
            "Is DALL·E a language model?",
            "Am I allowed to fly business class?",
            "Now that AI is so capable, can we drop human review?",
        ),
        ("What is an LLM?", "Canvas or paper?", "When it rains, what should I do?", "How, then, is it done?"),
        "match",
    ),
    _row(
        # A message asking why, how or what is no yes/no question, even where its reading is the one before it
        # ("Why?" after "Should we use an LLM?"); "What about videos?" goes on asking what the one before asked.
        "asks_open",
        r"^(?:(?:ok|okay|so|and|but|then|well|right)\b[\s,]*)*"
        r"(?:(?!(?:how|what)\s+about)" + _WH + r"\b"
        # "Can you walk me through booking a party?": a request for the steps, not a yes/no question
        r"|(?:can|could|would|will)\s+you\s+(?:please\s+)?(?:(?:walk|talk|take)\s+(?:me|us)\s+through"
        r"|(?:show|tell)\s+(?:me|us)\s+how|explain\s+how)\b)",
        (
            "Why?",
            "ok, so how many digits do floats give me?",
            "And what does it cost?",
            "Can you walk me through booking a party?",
            "Could you show me how to freeze my membership?",
        ),
        (
            "What about videos?",
            "How about music?",
            "So can it make videos?",
            "Whatever works?",
            "Can you tell me whether dogs are allowed?",
        ),
        "match",
    ),
    _row(
        # A word that says how or whether, not what: never a yes/no question's subject ("Should we still have humans
        # check ...?" is not about "still").
        "adverb",
        r"^(?:still|even|ever|actually|already|always|maybe|perhaps|somehow|possibly|probably|definitely|usually"
        r"|normally|generally|necessarily|automatically|legally|technically)$",
        ("still", "even", "possibly"),
        ("steel", "event", "apply", "family"),
        "match",
    ),
    _row(
        # A pronoun for anyone or anything is never a yes/no question's subject either: "Does everyone get a work
        # phone?" is about work phones, and was answered with the one sentence that says "everyone" (a tester's).
        "indefinite_pronoun",
        r"^(?:every|any|some|no)(?:one|body|thing)$",
        ("everyone", "anybody", "something", "nobody"),
        ("everyday", "someday", "anywhere", "nothings", "bodywork"),
        "match",
    ),
    _row(
        # a yes/no clause whose subject points back ("Is that a bug?"): what it stands for is unsaid
        "points_back_subject",
        r"^\w+\s+(?:it|that|this|they)\s*(?:\?|$|(?:a|an|the|really|just)\b)",
        ("Is that a bug?", "do they?", "Is it the default?", "Is this really needed?"),
        ("Is R free?", "Can I delete it?", "Does that file end up in the upload?", "Does it cost money?"),
        "match",
    ),
    _row(
        "definition",
        # Not "Who is eligible for concessions?", "What is needed to join?": who qualifies, not what X is.
        r"^\s*(?:what|who)\s+(?:is|are)\s+(?![a-z]+\s+(?:for|to)\s+\w)(?:an?\s+|the\s+)?(.+?)\s*\??$",
        ("What is a GAN?", "Who are OpenAI?", "What is pip for?"),
        ("What does GAN stand for?", "Who is eligible for concession prices?", "What is needed to join?"),
        "match",
    ),
    _row(
        # "What does RVN stand for?": an abbreviation in capitals, asked to be spelled out (case-sensitive: a name)
        "spell_out",
        r"^\s*(?i:what)\s+(?i:does|do|is)\s+(?:(?i:the)\s+)?([A-Z][A-Z0-9&]{1,9})\s+(?i:stand\s+for|mean|short\s+for)\b",
        ("What does RVN stand for?", "what does HAI mean?", "What is SOP short for?"),
        ("What does the vet mean?", "What does GPT-4 do?"),
        "match",
        flags=0,
    ),
    # A word as written, keeping the characters names and versions use ("GPT-4", "3.13", "C++", "AT&T").
    _row(
        "name_word",
        r"[A-Za-z0-9][A-Za-z0-9+#&.\-]*[A-Za-z0-9+#]|[A-Za-z0-9]",
        ("Is GPT-4 free?", "C++"),
        ("?!",),
        flags=0,
    ),
    # What comes before a capitalised word that starts a sentence (so is no name): the text up to it.
    _row(
        "sentence_start", r"(?:^|[.!?:;\n])[\s\"“”'‘’(«¿¡*_\-–—]*$", ("", "I asked. ", "Why? ("), ("What is ",), flags=0
    ),
    # The kind of answer a question asks for, when it is one a sentence either has or lacks.
    _row(
        "asks_amount",
        r"\bhow\s+(?:much|many|big|large|long|old|fast|often|far|heavy|expensive)\b"
        r"|\bwhat\s+(?:does|do|did|will)\b.{0,40}\bcost\??\s*$"
        # "What is the largest bug bounty ...?", "What is the daily allowance?": the name of a sum of money
        r"|^\s*(?:what|which)\s+(?:is|are|was|were|'s)\s+the\s+(?:[\w-]+\s+){0,2}?"
        r"(?:amount|bounty|bounties|price|fee|payment|salary|wage|allowance)s?\b"
        r"|^\s*(?:which|what)\s+(?:[\w-]+\s+)?(?:percentage|percent|proportion|port|price|fee)s?\b",
        (
            "How much does it cost to train an LLM?",
            "What does the plan cost?",
            "What percentage of companies use AI?",
            "Which port does the proxy listen on?",
            "What is the largest bug bounty Node.js has paid?",
            "What is the daily allowance in Oslo?",
        ),
        ("How does it work?", "Which GPT version do the articles discuss?", "Which sport is most popular?"),
    ),
    # A price: answered by a sum of money or by "free", not by any number ("grade 6a", "15% off", "in September").
    _row(
        "asks_price",
        r"\bhow\s+much\s+(?:does|do|did|will|would|is|are|was|were|'s)\b.{0,60}\b(?:cost|costs|charge|charged|pay|paid)\b"
        r"|\bhow\s+much\s+(?:is|are|was|were|'s)\s+(?:a|an|the|one)\b"
        r"|\bhow\s+expensive\b|\bwhat\s+(?:does|do|did|will)\b.{0,40}\bcost\??\s*$"
        r"|^\s*what\s+(?:is|are|'s)\s+the\s+(?:[\w-]+\s+){0,2}?(?:price|fee|charge|cost)s?\b",
        (
            "How much does the Youth Squad assessment cost?",
            "How much is a day pass for an adult?",
            "What does the plan cost?",
            "What is the joining fee?",
            "How much do I pay for a freeze?",
        ),
        ("How much memory does R use?", "How much is left of the budget?", "How many people work there?"),
    ),
    # A count of things: answered by a number, not by a time ("keep issues for as long as you like once downloaded").
    _row(
        "asks_count",
        r"\bhow\s+many\b(?!\s+(?:times|percent)\b)",
        ("How many magazines can I have at once?", "how many days a week can i work from home"),
        ("How many times a year is it serviced?", "How much does it cost?"),
    ),
    # A number to dial: answered by one, not by any number ("within 5 days").
    _row(
        "asks_phone",
        r"\b(?:phone|telephone|fax|hotline)\s+(?:number|no\b)",
        ("What is the phone number of support?", "Does Node.js have a phone number for reporting incidents?"),
        ("How do I number my phone bills?",),
    ),
    # A share of a whole: answered by a percentage or a fraction, not by any number ("daily", "two tools").
    _row(
        "asks_percent",
        r"^\s*(?:which|what)\s+(?:[\w-]+\s+)?(?:percentage|percent|proportion|fraction|share)\s+of\b"
        r"|\bhow\s+many\s+percent\b",
        ("What percentage of companies use AI?", "What proportion of users pay?", "How many percent are women?"),
        ("What share price did it open at?", "Which port does the proxy listen on?", "What fee applies?"),
    ),
    _row(
        "asks_date",
        r"^\s*(?:when\s+(?:was|were|is|did|will|does|do)\b|(?:in\s+)?what\s+(?:year|date)\b)",
        ("When was GPT-4 released?", "In what year did R appear?"),
        ("When I pick one row of a matrix I get a vector. Why?",),
    ),
    _row(
        "asks_person",
        r"^\s*(?:who|(?:which|what)\s+(?:company|companies|organi[sz]ations?|firms?|labs?|team|startups?|vendors?|"
        r"people|persons?|researchers?|scientists?|engineers?))\s+(?:invented|created|founded|wrote|designed|developed|"
        r"made|built|owns|maintains|leads|runs|started|coined|discovered|makes|creates|builds|develops|produces|released|"
        # ("Who are LLMs a good fit for?" asks for a kind of user, not a name: a preposition ends it.)
        r"(?:is|was|are|were)\b(?!.*\b(?:for|to|with|from|at)\W*$))",
        ("Who invented R?", "Which company makes BERT?", "Who is the CEO of OpenAI?"),
        ("Who are LLMs a good fit for?",),
    ),
    _row(  # "Which LLM is the most accurate?": the answer names one
        "asks_which_best",
        r"^\s*which\s+[\w-]+\s+(?:is|was|are|were)\s+the\s+(?:most|least|best|worst|\w+est)\b",
        ("Which LLM is the most accurate?",),
        ("Which LLM is open source?",),
    ),
    # "How do I <do something> with/using <tool>?": the tool is what the question is about.
    _row(
        "tool_slot",
        r"^\s*how\s+(?:do|can|should|would)\s+(?:i|we|you)\b.*\b(?:with|using|via)\s+(?:the\s+)?([A-Za-z][\w.+-]*?)[\s?.!]*$",
        ("How do I install a package with pip?",),
        ("How do LLMs help with paperwork?",),
        "match",
    ),
    # What the answer should be made of (see `bot.answer.extractive`).
    _row(
        "membership",
        rf"\b(?:{BELONGING}|examples? of)\b",
        ("Are GANs part of generative AI?", "Is an LLM a kind of generative AI?"),
        ("Are GANs generative?",),
    ),
    _row(  # "Can I write ...?": the first content word is what the asker does, not a thing asked about
        "asker_acts",
        r"^\W*\w+(?:n['’]t)?\s+(?:i|you|we|one)\b",
        ("Can I copyright an image I made with Midjourney?", "Should we use R?"),
        ("Can LLMs make images?",),
        "match",
    ),
    _row(
        "asks_for_names",
        r"\b(?:examples?|by name|name (?:some|a few|any|every|all)|(?:which|what|every|all)(?: \w+)? (?:tools|models|"
        r"products|companies|systems)|such as)\b",
        ("Give me an example of LLMs", "Which tools can make images?"),
        ("What is an LLM?",),
    ),
    _row(  # a procedure: a section headed "How to ..." answers it (`bot.answer.sections.named_section`)
        "asks_how_to",
        r"^\s*how\s+(?:do|can|should|would|could)\s+(?:i|we|you|one)\b|^\s*how\s+to\b"
        r"|\b(?:walk|talk|take)\s+(?:me|us)\s+through\b|\b(?:show|tell)\s+(?:me|us)\s+how\s+to\b|\bwhat(?:'s|’s|\s+is|\s+are)\s+the\s+(?:steps|process|procedure)\s+(?:for|to)\b",
        (
            "How do I apply for WaterAssist?",
            "How can we report a leak?",
            "How to reset my password?",
            "Can you walk me through booking a party?",
            "What's the process for getting signed off to belay?",
            "Could you show me how to freeze my membership?",
        ),
        ("How long does it take?", "How is AI used in education?", "What is the process of fermentation called?"),
    ),
    _row(  # something to type: the sentence that comes with code answers it best
        "asks_for_code",
        r"\b(?:command|commands|code|syntax|snippet|script|what do i (?:type|run)|how (?:do|can|should) i "
        r"(?:install|run|compile|build|remove|uninstall|update|convert|start|call|invoke|import|load))\b",
        ("How do I install a package with pip?", "What is the syntax for a loop?"),
        ("Why is R slow?",),
    ),
    _row(  # the section's list answers
        "asks_for_list",
        r"^\s*(?:list|name|enumerate|give me (?:a |the )?list)\b"
        # "What is included?" asks for the items; "How much firing is included each month?" for an amount
        r"|^(?!.*\bhow\s+much\b).*\b(?:listed|named|mentioned|covered|included)\b"
        r"|^\s*(?:what|which)\s+(?:are|were)\s+(?:the\s+)?(?:main\s+|key\s+|different\s+)?(?:[a-z]+\s+)?[a-z]+s\b"
        r"(?!\s+(?:made|built|done|known|seen|written|\w+ed)\b)"
        # "Which expenses are not reimbursed?", "What tools do I need?", "Which guided tours do you offer?": a plural
        # asked for is several things
        r"|^\s*(?:what|which)\s+(?!(?:does|was|has|is|this|its|plus|always|perhaps)\b)(?:[a-z]+\s+)?[a-z]{3,}s\s+"
        r"(?:are|were|do|can|must|should|will|have|need)\b",
        (
            "List the challenges of adopting LLMs.",
            "Which industries are named in the applications section?",
            "Which expenses are not reimbursed?",
            "What tools do I need?",
            "What are the main ethical concerns?",
            "Which guided tours do you offer?",
        ),
        (
            "What are LLMs made of?",
            "What does it cost?",
            "Which is better?",
            "What is this?",
            "For the two membership types, how much kiln firing do I get included each month?",
        ),
    ),
    _row(  # the documents themselves are what is asked about: each one's opening answers, not a search
        "asks_about_documents",
        r"^\s*(?:(?:can|could)\s+you\s+|please\s+)?(?:(?:summari[sz]e|sum\s+up|describe)|give\s+me\s+(?:a|an)\s+"
        r"(?:\w+\s+)?(?:summary|overview)\s+of|what\s+(?:is|are)|what\s+(?:do|does))\s+(?:both|all|each\s+of)?\s*"
        r"(?:(?:the|this|these|those|your|its|my)\s+)?(?:two\s+|three\s+|whole\s+)?"
        # "the Globussoft article", "the travel policy": up to two words naming which one (its title or publisher)
        r"(?P<which>(?:[\w&-]+\s+){0,2}?)(?P<noun>"
        + DOCUMENT_NOUNS
        + r")\s*(?:about|say|cover|contain|all\s+about)?\s*(?:in\s+(?:a\s+few|one|two|three|\w+)\s+"
        r"(?:sentences?|words|lines|paragraphs?)|briefly|for\s+me|please)?\s*[.?!]*\s*$",
        (
            "Summarize both articles in a few sentences",
            "What are these documents about?",
            "What is this document about?",
            "Give me a summary of the documents",
            "What do the documents cover?",
            "Can you summarize the handbook?",
            "Summarize the Globussoft article",
            "Summarize the travel policy",
        ),
        (
            "Summarize the advice on choosing between an LLM and generative AI.",
            "What does the document say about pensions?",
            "What is the handbook's policy on remote work?",
            "Summarize what the travel policy says about hotels",
        ),
    ),
    _row(  # who is behind the documents themselves: their publishers answer, when the documents name them
        "asks_who_wrote_documents",
        r"^\s*(?:who|which\s+(?:companies|company|organi[sz]ations?|firms?|people|authors?|publishers?))\s+"
        r"(?:wrote|write|published|publishes|authored|made|created|is\s+behind|are\s+behind|is\s+the\s+author\s+of)\s+"
        r"(?:both|all|each\s+of)?\s*(?:the|this|these|those|your)?\s*(?:two\s+|three\s+)?(?P<noun>"
        + DOCUMENT_NOUNS
        + r")\s*[.?!]*\s*$",
        ("Which companies wrote these two articles?", "Who wrote this document?", "Who published the handbook?"),
        ("Who wrote R?", "Who wrote the section on pensions?"),
    ),
    _row(  # a list that sets them side by side answers best
        "asks_to_compare",
        r"\b(?:compare[sd]?|comparison|differ|differs|difference|differences|versus|vs\.?)\b",
        ("How does R compare with S?", "What's the difference between LLMs and generative AI?"),
        ("What is an LLM?",),
    ),
    _row(  # the best section, concisely
        "asks_for_summary",
        # "What does the charter say about Our service standards?" (the app's own starters): the section, whole
        r"\b(?:summari[sz]e|summary|overview|outline|in a nutshell|tl;?dr)\b|^what\s+(?:does|do)\s+.+\s+say\s+about\b",
        ("Summarize the article.", "Give me an overview of LLMs", "What does the handbook say about Annual leave?"),
        ("What is an LLM?", "Does the handbook say anything about pets?"),
    ),
    # Follow-up links (see `bot.question.followup`): what ties a question to the one before.
    _row(
        "follow_up_marker",
        r"^(?:(?:and|then|so|but|also|ok|okay|well)\b[\s,]*)+",
        ("And LLMs?", "ok so what about videos?"),
        ("Android apps?",),
        "match",
    ),
    _row(  # "what if I'm not a member?": the question before, asked again on a new condition
        "what_if",
        r"^(?:what|and)\s+if\b",
        ("what if I'm not a member?", "And if I pay monthly?"),
        ("What is the fee if I pay late?", "If I pay late, what happens?"),
        "match",
    ),
    _row(
        "what_about",
        r"^(?:what|how)\s+about\s+(.+)$",
        ("What about videos", "How about in healthcare"),
        ("What is it about",),
        "match",
    ),
    _row(
        # A "What about X?" read with the question before it kept alongside: the earlier question in brackets.
        "kept_alongside",
        r"^(?:what|how)\s+about\s+.+\((.+)\)$",
        ("What about the partner who isn't the main carer (Is parental leave paid)",),
        ("What about videos", "Can LLMs make videos (and images)"),
        "match",
    ),
    _row(
        # A thing a message introduces itself, which a pronoun after it may point to.
        "introduced",
        r"\b(?:a|an|my|our|your|his|her|some)\s+[a-z]",
        ("If I get a meter and", "My water went off"),
        ("Can I get it tested", "What is the PSR"),
    ),
    _row(
        # What opens a clause of its own, just before a pronoun: "a meter and | it costs more".
        "clause_opens",
        r"(?:\b(?:and|but|if|when|because|so|or|once|until|since|while)|,)\s*$",
        ("If I get a meter and ", "If it breaks, "),
        ("Can my team use ",),
    ),
    _row(
        "pronoun",
        # "there" of a place ("Can I park there?"), not of existence ("Is there parking at the Bristol office?"
        # had been read "Is database backups kept parking ...?" after a question on backups).
        r"\b(it|its|they|them|their|this|that|these|those|(?<!\bis )(?<!\bare )(?<!\bwas )(?<!\bwere )(?<!\bbe )"
        r"there(?!\s+(?:is|are|was|were|will|be)\b|['’]s))\b",
        ("Can they create them?", "Can I park there?"),
        ("Can LLMs make images?", "Is there parking at the office?", "There are two plans.", "Will there be a fee?"),
    ),
    _row(
        "which_ones",
        r"\b(which|what|the)\s+ones?\b",
        ("And which ones benefit?", "Which one costs less"),
        ("Which is better?",),
    ),
    _row(  # "an example of each", "for both of them": the two things the earlier question set side by side
        "each",
        r"\b(?:each|both|either|the two)(?:\s+(?:one|of them|of those))?(?=\s*$)",
        ("Give me an example of each", "for both of them"),
        ("Do both LLMs and GANs make images",),
    ),
    _row(  # a question that only means something against the earlier one
        "instead",
        r"\b(?:instead|then|else|otherwise|alternatively)\b",
        ("What should I use instead, then?",),
        ("What should I use?",),
    ),
    _row(  # asks for more of what was just answered, naming nothing: only the earlier question says of what
        "bare_request",
        r"^\s*(?:(?:please|ok(?:ay)?|and|so|now)[\s,]+)*(?:(?:can|could|would)\s+you\s+)?(?:give|show|tell|send)?\s*"
        r"(?:me|us)?\s*(?:an?|one|some|more|another|other|further|a\s+few|two|three|any)?\s*(?:more\s+)?"
        r"(?:examples?|details?|specifics|more|info(?:rmation)?)(?:\s+please)?\s*[.?!]*\s*$"
        r"|^\s*(?:(?:can|could)\s+you\s+)?(?:explain|elaborate|expand)(?:\s+(?:on\s+)?(?:that|it|this))?"
        r"(?:\s+(?:more|further|in\s+more\s+detail))?(?:\s+please)?\s*[.?!]*\s*$",
        ("Give me an example.", "Any examples?", "Tell me more", "Can you give me some more examples?", "Explain that"),
        ("Give me an example of a GAN.", "Tell me more about pensions", "Explain the difference between them"),
    ),
    _row(
        "why_so",
        r"why(?:\s+(?:is|was|would|does|did)\s+(?:that|this|it|so))?(?:\s+so)?",
        ("why", "Why is that", "why so"),
        ("Why is R slow",),
        "fullmatch",
    ),
    _row(  # a question asking what the thing it names is
        "asks_what",
        r"^(?:(?:what|who|when|where)(?:\s+(?:is|are|was|were)|['’]s)|how\s+(?:much|many|long|often)\s+(?:is|are|was|were)"
        r"|tell\s+me\s+about|define|explain)\s+(.+)$",
        ("What is a GAN", "Tell me about GPT-4", "When is payday", "What's an RSA"),
        ("What does GAN stand for",),
        "match",
    ),
    _row(  # the asker's own thing, named: a question about it stands on its own ("When do I get my laptop?")
        "owned_thing",
        r"\b(?:my|our)\s+[a-z][\w-]*",
        ("When do I get my laptop?", "Where is our canteen?"),
        ("What is the price?", "Can I use it for that?"),
    ),
    _row(  # a subject that points back at what was said before
        "points_back",
        r"^(?:the|this|that|these|those|such|its|their|same|other|another)\b",
        ("the benefits", "that"),
        ("a GAN", "thermal"),
        "match",
    ),
    _row(
        "auxiliary",
        f"^{_OPENING}",
        ("Can LLMs make images", "How is generative AI used"),
        ("Which industries benefit",),
        "match",
    ),
    _row(
        "dummy_it",
        # "it" that stands for nothing: "How much does it cost to wash a load?", "Is it possible to park there?"
        r"\b(?:(?:does|do|did|will|would|is|was)\s+it|it['’]s|it\s+(?:costs|takes))\s+(?:be\s+)?"
        r"(?:(?:cost|take|possible|ok|okay|alright|allowed|worth|necessary|safe|free|easy|hard|better|best|fine)\b"
        r"(?:\s+\w+){0,3}?\s+)?to\s+\w",
        (
            "How much does it cost to wash and dry a load?",
            "Is it possible to book one night?",
            "is it ok to bring a tent",
            "how much is it to hire a pod",
        ),
        (
            "Is it free?",
            "How much does it cost?",
            "Does it take cards?",
            "Is parking free to use?",
            "Is it close to town?",
        ),
    ),
    _row(
        # "how much does it cost?" with nothing after: after "Can I reserve a book?" its "it" is reserving one
        "it_of_act",
        r"^\W*(?:how\s+(?:much|long)\s+)?(?:does|do|did|will|would|is|was)\s+it\s+(?:be\s+)?"
        r"(?:cost|take|free|allowed|possible|ok|okay|charged)(?:\s+\w+){0,2}\s*[?.!]*\s*$",
        (
            "how much does it cost?",
            "Is it free?",
            "how long does it take",
            "does it cost anything?",
            "will it cost me?",
        ),
        ("How much does it cost to wash a load?", "Does it take cards and cash at the desk?", "Is it open on Sunday?"),
    ),
    _row(
        # "Can I reserve a book?": what the asker may do ("reserve a book"), which a later "it" may stand for
        "act_asked",
        r"^\W*(?:can|could|may|might|should|shall)\s+(?:i|we)\s+(.+?)[\s?.!]*$",
        ("Can I reserve a book?", "could we hire the community room"),
        ("Do I need a passport?", "Can LLMs make images?", "How can I reserve a book?"),
        "match",
    ),
    _row(
        "subject_pronoun",
        rf"^({_OPENING})(it|they|this|that|these|those)\b",
        ("Does it need one?", "Can they make videos?"),
        ("Can LLMs make videos?",),
        "match",
    ),
    _row(
        # "What time does the branch shut?" asks when: its subject is the branch, not the time
        "asks_when",
        r"^\s*(?:what|which)\s+(?:time|day|date|year|month)s?\s+(?=(?:is|are|was|were|do|does|did|can|could|will|would|"
        r"should|has|have)\b)",
        ("What time does the Hollins Green branch shut on a wednesday?", "Which days is the pool open?"),
        ("What time slots are free?", "Which day passes do you sell?"),
        "match",
    ),
    _row(
        "what_are_the",
        r"^(?:what|which)\s+(?:are|is|were|was)\s+(?:the|some|a|an)\s+|^how\s+(?:many|much)\s+(?!do\b|does\b|is\b|are\b)"
        # "Which guided tours do you offer?": about the tours, not the offering (the words before the verb it asks with)
        r"|^(?:what|which)\s+(?!(?:is|are|was|were|do|does|did|can|could|should|will|would|has|have|kinds?|types?|sorts?)\b)"
        r"[a-z][\w'-]*(?:\s+[\w'-]+){0,2}?\s+(?:do|does|did|can|could|should|will|would|is|are|was|were|has|have)\b",
        (
            "What are the privacy concerns with AI?",
            "How many leave days do I get after 7 years?",
            "Which guided tours do you offer?",
        ),
        (
            "What are LLMs?",
            "How much does it cost?",
            "What does it cost?",
            "What kind of bikes do you rent?",
            "Which industries benefit most from LLMs?",
        ),
        "match",
    ),
    _row(  # "A compared with B", "A differs from those of B", "A as opposed to B": the words between the two sides
        "set_against",
        r"\s+(?:(?:do|does|is|are)\s+)?(?:compar(?:e|es|ed)\s+(?:with|to)|differs?\s+from|different\s+from|"
        r"as\s+opposed\s+to|versus|vs\.?)\s+(?:(?:those|that|the\s+ones?)\s+of\s+)?",
        ("What do LLMs do compared with generative AI?", "How do the strengths of AI differ from those of LLMs?"),
        ("What do LLMs do?",),
    ),
    _row(  # ...and of those words, a verb the question keeps ("do", "differ")
        "against_verb",
        r"\s+((?:do|does|is|are)\b|differs?\b|compares?\b|different\b)",
        (" do compared with ", " differ from "),
        (" compared with ",),
        "match",
    ),
    _row(
        "joined",
        r"\s+(?:and|or|vs\.?|versus)\s+(?:(?:the|a|an)\s+)?",
        (" and ", " vs. ", " and the "),
        (" with ",),
        "fullmatch",
    ),
    _row(  # where a second question begins in the same message ("..., and where ...", "...? and what ...")
        "second_question",
        r"(?:\s*[,;]\s*and|\s*\?\s*(?:and\s+)?|\s*;|\s+and)\s+(?=" + _ASKING + r"\b)",
        ("What does debmake -j do, and where do I find its output?", "What does -x3 give me? and what's with it?"),
        ("Which is better, an LLM or generative AI?", "How do LLMs and generative AI differ?"),
    ),
    _row(
        "asking_word",
        r"^" + _ASKING + r"\b",
        ("Where do I find its output?", "can R generate the BibTeX?"),
        ("I need to cite R", "In plain terms, what is it?"),
        "match",
    ),
    _row("word", r"[\w'’·-]+", ("generative AI's",), ("?!",)),
    _row(
        "head_after_which", r"\b(?:which|what)\s+([A-Za-z-]+)", ("Which industries benefit?",), ("How do LLMs work?",)
    ),
    _row("agreeing_verb", r"\b(is|are|does|do|has|have)(\s+)$", ("How is ", "What does "), ("How is AI",)),
    _row("ends_in_one", r"\bones?\s*$", ("need one", "want ones "), ("one of them",), flags=0),
    _row("article_before", r"\b(?:an?|the)\s+$", ("work without an ",), ("work without ",)),
    _row("a_or_an", r"^an?\s+", ("a GAN", "an LLM"), ("another GAN",), "match"),
    _row("a_or_an_before", r"\ban?\s+$", ("rent an ", "need a "), ("rent the ", "banana ")),
    _row("article", r"^(?:an?|the)\s+", ("the GAN", "an LLM"), ("theory",), "match"),
    _row("possessive", r"['’]s$", ("OpenAI's", "Meta’s"), ("LLMs",), flags=0),
)
PATTERNS: dict[str, Pattern] = {row.name: row for row in _TABLE}
_P = PATTERNS


def small_talk(message: str) -> str:
    """ "greeting", "thanks" or "about" (the assistant itself) for a message that is only that ("Hi there!",
    "ok thanks!", "What can you do?"), else ""."""
    text = " ".join(message.split())
    if _P["thanks"].find(text):
        return "thanks"
    if _P["about_assistant"].find(text):
        return "about"
    return "greeting" if _P["greeting"].find(text) else ""


def yes_no_clause(question: str) -> str:
    """The yes/no question's own clause, from its verb on ("can we drop human review?" in "Now that AI is so
    capable, can we drop human review?"); "" for a question that does not ask yes or no.

    The question is the message's last sentence: "R gives -4 for -2^2. Is that a bug?" asks yes or no, and so
    does "They use the two words alike - do they mean the same?"."""
    asked = last_sentence(question)
    found = _P["yes_no"].find(asked)
    return asked[found.end(1) :] if found else ""


def last_sentence(question: str) -> str:
    """The sentence of a message that asks: its last ("Is that a bug?" in "R gives -4 for -2^2. Is that a bug?")."""
    parts = _LAST_SENTENCE.split(_READING.sub("", question.strip()))
    return next((p for p in reversed(parts) if re.search(r"[^\W\d_]", p)), parts[-1])  # "... images? 🖼️🤖"


_READING = re.compile(r"\s*\([^()]*\)(?=\?$)")  # a follow-up's reading: "how many digits (Is that a bug)?"
_LAST_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=\S)|\s+[-–—]\s+")  # "... the same thing - do they?"


def defined_phrase(question: str) -> str:
    """For a "What is X?" question, X as written ("reinforcement learning"); "" for any other question."""
    definition = _P["definition"].find(question)
    return definition.group(1) if definition else ""


def named_terms(question: str) -> list[str]:
    """Words of a question written as names: "Shiny", "SQL", "RStudio", "GPT-5", "3.13", "2018".

    A capitalised word counts unless it starts a sentence (or the question is in Title Case); a word
    in capitals, in mixed case, or with digits counts anywhere. Single letters and short plain numbers
    ("R", "2") do not.
    """
    words = [(m.group(), m.start()) for m in _P["name_word"].regex.finditer(question)]
    letters = [w for w, _ in words if w[0].isalpha()]
    title_case = len(letters) >= 4 and sum(w[0].isupper() for w in letters) >= 0.7 * len(letters)
    found: list[str] = []
    previous, previous_end = "", -1  # the name just before this word, and where it ended
    for word, start in words:
        # "Debian 12", "Windows 11": a short number right after a name is part of it (the release it names).
        release = previous and question[previous_end:start] == " " and word.isdigit() and len(word) <= 3
        if release:
            found[found.index(previous)] = f"{previous} {word}"
        previous, previous_end = "", start + len(word)
        if release:
            continue
        word = _P["possessive"].regex.sub("", word).rstrip(".-")
        if len(word) < 2 or word.lower() in STOPWORDS:
            continue
        digits = any(c.isdigit() for c in word)
        if digits:
            named = "." in word or len(word) >= 4 or any(c.isalpha() for c in word) and len(word) >= 3
        elif word.isupper():
            named = True
        elif word[1:] != word[1:].lower():
            named = True  # mixed case: "RStudio", "DataFrame", "iPhone"
        elif word[0].isupper():
            named = not title_case and not _P["sentence_start"].find(question[:start])
        else:
            named = False
        if named and word not in found:
            found.append(word)
        if named:
            previous = word
    return found


_SAYS = r"(?:says?|said|mentions?|states?|covers?|tells?(?:\s+(?:me|us))?)\s+(?:about|on|regarding)\b"
_DOCUMENT_NOUN = re.compile(rf"\b{DOCUMENT_NOUNS}$", re.I)


def title_as_document(question: str, titles: Iterable[str]) -> str:
    """`question` with a document's title before "says about" named as "the <kind of document>": "What does
    Tidewell Software Employee Handbook say about Annual leave?" -> "What does the handbook say about Annual
    leave?". The title names where to look, not what is asked; searched for, its words outweighed the section's
    (the handbook's opening was quoted for a starter about annual leave)."""
    lowered = question.lower()
    held = {t.strip() for t in titles if len(t.split()) >= 2 and t.strip().lower() in lowered}  # most hold none
    for title in sorted(held, key=len, reverse=True):
        match = re.search(rf"(?:\bthe\s+)?{re.escape(title)}(?=[’']?s?\s+(?:\w+\s+)?{_SAYS})", question, re.I)
        if match:
            noun = _DOCUMENT_NOUN.search(title.split(" - ")[0].strip())
            named = f"the {noun.group().lower() if noun else 'document'}"
            return question[: match.start()] + named + question[match.end() :]
    return question


_THIS_DOCUMENT = re.compile(rf"\b(?:this|these)\s+(?:\w+\s+)?(?:{DOCUMENT_NOUNS}|specs?|specifications?)\b", re.I)


def names_document_as_this(question: str) -> bool:
    """Whether a question heading names its document only as "this ..." ("What is this spec?"): beside the
    other documents of a folder, it does not say which one it asks about."""
    return bool(_THIS_DOCUMENT.search(question))


def asked_kind(question: str) -> str:
    """ "phone", "percent", "price", "count", "amount", "date" or "person" for a question that asks for one (one a sentence either has or lacks:
    "How much does it cost ...?", "When was ... released?", "Who invented ...?"); "" for any other."""
    if _P["asks_phone"].find(question):
        return "phone"
    if _P["asks_percent"].find(question):
        return "percent"
    if _P["asks_price"].find(question):
        return "price"
    if _P["asks_count"].find(question):
        return "count"
    if _P["asks_amount"].find(question):
        return "amount"
    if _P["asks_date"].find(question):
        return "date"
    return "person" if _P["asks_person"].find(question) or _P["asks_which_best"].find(question) else ""
