"""Whether the documents answer a question: a small logistic model over a few generic signals of what
retrieval found (`bot.types.Signals`), fitted on the benchmark's development sets by `bot fit` and shipped
as `answerability.json` beside this module (see docs/refusals-and-calibration.md).

Every signal is measured against the corpus itself, so one threshold, a probability of one half, holds on
any folder: the closeness of the best passage and sentence is taken relative to how close everyday
off-topic questions come to that corpus (its calibration, made at ingest), and the share of the question's
words the best passage uses is weighted by how rare each word is in that corpus. No signal names a topic.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from bot.types import Signals

log = logging.getLogger("bot")

SHIPPED = Path(__file__).with_name("answerability.json")
# The one threshold: answer when the documents answer at least twice as likely as not. A confident wrong answer
# in front of a client costs more than an honest "the documents don't say": at twice the cost of a decline, the
# fewest costly mistakes are made at odds of 2:1 (p = 2/3). Leave-one-corpus-out on the development sets (each
# folder decided by a model fitted on the other five, 2026-12-05), strict answers / refusals, mean of folders:
# 0.773 / 0.770 at one half, 0.766-0.760 / 0.832-0.855 at 0.65-0.675 (docs/refusals-and-calibration.md).
ANSWER_AT = 2 / 3
# Ridge penalty of the fit on standardised signals: the usual unit prior, not tuned.
L2 = 1.0


def covered_share(weights: dict[str, float], words: set[str]) -> float:
    """Share of the question's words (`weights`: word -> rarity in the corpus) found in `words`."""
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in words) / total if total else 0.0


class ModelFileError(ValueError):
    """A weights file that cannot be used; the text says what to do."""


@dataclass(frozen=True)
class AnswerabilityModel:
    """Logistic regression on standardised signals."""

    names: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    fitted_on: tuple[str, ...] = ()  # the question files it was fitted on
    items: int = 0  # how many questions

    def probability(self, signals: Signals) -> float:
        """The probability that the documents answer the question these signals were measured for."""
        return self.probability_of(np.array(signals.values()))

    def probability_of(self, values: np.ndarray) -> float:
        """The same, for signal values in `Signals.NAMES` order."""
        x = (values - np.array(self.mean)) / np.array(self.scale)
        return float(1.0 / (1.0 + np.exp(-(x @ np.array(self.coef) + self.intercept))))

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1) + "\n"

    @classmethod
    def load(cls, path: Path | None = None) -> AnswerabilityModel:
        path = path or SHIPPED
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            model = cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})
        except (OSError, ValueError, TypeError) as exc:
            raise ModelFileError(f"Cannot read the answerability model {path}: {exc}. Run `bot fit`.") from None
        added = Signals.NAMES[len(model.names) :]
        if model.names == Signals.NAMES[: len(model.names)] and added:
            # Fitted before a signal was added: it is the same model with no weight on the new one, so the app
            # and `bot fit` (which measures the signals through it) still run until it is refitted.
            log.warning("%s was fitted without the signals %s: they get no weight until `bot fit`.", path, added)
            n = len(added)
            return dataclasses.replace(
                model,
                names=Signals.NAMES,
                mean=model.mean + (0.0,) * n,
                scale=model.scale + (1.0,) * n,
                coef=model.coef + (0.0,) * n,
            )
        if model.names != Signals.NAMES:
            raise ModelFileError(f"{path} was fitted on other signals ({', '.join(model.names)}): run `bot fit`.")
        return model


def fit(x: np.ndarray, y: np.ndarray, fitted_on: tuple[str, ...] = ()) -> AnswerabilityModel:
    """Fit on signal rows `x` (in `Signals.NAMES` order) and labels `y` (1 = answerable): the maximum-likelihood
    probability, so that answering at one half makes the fewest mistakes on questions mixed as the benchmark's.

    Weighing the two classes equally instead (the benchmark has four answerable questions to each unanswerable
    one) declined more near-topic questions, but also paraphrases the documents answer: leave-one-corpus-out
    on the development sets, refusals 0.89 against 0.78, strict answers 0.64 against 0.70, and the public file
    fell below its bar (docs/refusals-and-calibration.md, 2026-12-05)."""
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale = np.where(scale > 1e-6, scale, 1.0)  # a signal constant in the data (no name ever unknown) gets no weight
    xb = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    penalty = L2 * np.eye(len(w))
    penalty[-1, -1] = 0.0  # the intercept is not shrunk
    for _ in range(100):  # Newton's method: a handful of steps
        p = 1.0 / (1.0 + np.exp(-(xb @ w)))
        grad = xb.T @ (p - y) + penalty @ w
        hess = xb.T @ (xb * (p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    return AnswerabilityModel(
        names=Signals.NAMES,
        mean=tuple(round(float(v), 6) for v in mean),
        scale=tuple(round(float(v), 6) for v in scale),
        coef=tuple(round(float(v), 6) for v in w[:-1]),
        intercept=round(float(w[-1]), 6),
        fitted_on=fitted_on,
        items=len(y),
    )
