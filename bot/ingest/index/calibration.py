"""How close off-topic questions come to one corpus, measured at ingest: the yardstick of its refusals.

One fixed cosine cannot tell on- from off-topic on every corpus: short articles about one topic score
everything low, a long technical manual scores every question a little higher. So ingest asks a fixed set
of everyday questions that no client corpus is about (cooking, sport, travel...) and records the high end
of how close they get. The answerability model (`bot.retrieval.answerability`) measures a question's best
passage and sentence against that high end. The corpus's own headings are scored too, for `bot eval`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

CALIBRATION_VERSION = 3  # bump when the probes or the figures change, so ingest recalibrates

# Everyday questions from many domains. A robust quantile of their scores is used, not the maximum,
# so a corpus that happens to be about one of these domains moves it little.
OFF_TOPIC_PROBES = (
    "What is the capital of France?",
    "How do I bake sourdough bread?",
    "Who won the football World Cup in 2018?",
    "What's the weather like in London tomorrow?",
    "How many calories are in a banana?",
    "What is the best way to lose weight quickly?",
    "How do I change a flat tyre on my car?",
    "Who painted the Mona Lisa?",
    "What time does the supermarket close on Sunday?",
    "How do I train my puppy to sit?",
    "What are the symptoms of the flu?",
    "How much does a flight to Tokyo cost?",
    "What is the plot of Romeo and Juliet?",
    "How do I grow tomatoes on a balcony?",
    "Which wine goes well with salmon?",
    "How tall is Mount Everest?",
    "What is the exchange rate of the euro to the dollar?",
    "How do I knit a scarf?",
    "Who is the president of Brazil?",
    "When did the Roman Empire fall?",
    "How do I remove a red wine stain from a carpet?",
    "What is a good name for a cat?",
    "How long should I boil an egg?",
    "What are the rules of chess castling?",
    "How do I apply for a passport?",
    "What is the population of Canada?",
    "Can you recommend a good horror movie?",
    "How do I fix a leaking kitchen tap?",
    "What should I pack for a beach holiday?",
    "How does a mortgage interest rate work?",
    "What is the tallest building in the world?",
    "How many players are on a basketball team?",
    "What is photosynthesis in plants?",
    "Who wrote Pride and Prejudice?",
    "How do I make a paper airplane?",
    "What are the opening hours of the Louvre?",
    "How often should I water a cactus?",
    "What is the speed of sound?",
    "How do I file my income tax return?",
    "What is the difference between a crocodile and an alligator?",
    "How can I improve my running pace for a marathon?",
    "Where can I buy cheap concert tickets?",
    "How do I clean a cast iron pan?",
    "What causes earthquakes?",
    "Which vitamins are in oranges?",
    "How do I write a wedding speech?",
    "What is the dress code for a job interview at a bank?",
    "How do I get rid of ants in the kitchen?",
    "Who discovered penicillin?",
    "What is the offside rule in soccer?",
    "How do I plan a budget for a family holiday?",
    "What do pandas eat?",
    "How do I paint a bedroom wall?",
    "What are the stages of grief?",
    "How do I make pancakes without eggs?",
    "When is the best time to visit Iceland?",
    "How do I tie a tie?",
    "What is the lifespan of a goldfish?",
    "Tell me a joke about penguins.",
    "What's your favourite colour?",
    "How are you today?",
    "Write me a poem about the sea.",
    "What is the meaning of life?",
    "Who will win the next election?",
)
OFF_TOPIC_QUANTILE = 95  # percentile of the probes' scores taken as "the high end of off-topic"


@dataclass(frozen=True)
class Calibration:
    """The figures measured at ingest (stored with the index)."""

    off_topic_high: float  # OFF_TOPIC_QUANTILE-th percentile of the probes' best scores
    off_topic_max: float
    own_low: float  # 10th percentile of the corpus's own headings' best scores
    probes: int
    own_questions: int
    version: int = CALIBRATION_VERSION

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict | None) -> Calibration | None:
        """The stored calibration, or None when absent or made by another version of the rule."""
        if not data or data.get("version") != CALIBRATION_VERSION:
            return None
        return cls(**data)

    def explain(self) -> str:
        """The figures in one line (for `bot eval`)."""
        return (
            f"off-topic high {self.off_topic_high:.3f} (p{OFF_TOPIC_QUANTILE} of {self.probes} everyday questions' "
            f"best match, max {self.off_topic_max:.3f}); the corpus's own {self.own_questions} headings score "
            f"p10 {self.own_low:.3f}"
        )


def best_scores(queries: np.ndarray, passages: np.ndarray) -> np.ndarray:
    """Each query's highest cosine against any passage (rows are unit length)."""
    return (queries @ passages.T).max(axis=1)


def calibrate(probe_vectors: np.ndarray, heading_vectors: np.ndarray, passage_vectors: np.ndarray) -> Calibration:
    """A corpus's figures, from the probes' and its own headings' best scores against its passages."""
    off = best_scores(probe_vectors, passage_vectors)
    own = best_scores(heading_vectors, passage_vectors) if len(heading_vectors) else np.zeros(1)
    high = float(np.percentile(off, OFF_TOPIC_QUANTILE))
    return Calibration(
        off_topic_high=round(high, 4),
        off_topic_max=round(float(off.max()), 4),
        own_low=round(float(np.percentile(own, 10)), 4),
        probes=len(off),
        own_questions=len(heading_vectors),
    )
