"""How well one sentence of a retrieved passage answers the question: a linear score over a few generic
features, its weights fitted by `bot fit` on sentence labels drawn from the benchmark's `evidence` fields
(a sentence holding the evidence answers), and shipped as `sentence_weights.json` beside this module.

The fitted direction is put on the scale of the score it replaced (the weights of meaning, word overlap and
passage fit sum to one), so the answerer's margins between sentences keep their meaning.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

SHIPPED = Path(__file__).with_name("sentence_weights.json")
FEATURES = (
    "meaning",  # cosine of the sentence (with its heading) and the question
    "overlap",  # share of the question's words, weighted by rarity in the corpus, in the sentence
    "passage",  # how well its whole passage matched (retrieval's score)
    "order",  # its place in the passage (0 = first)
    "defines",  # 1 if it defines what "What is X?" asks about
    "code_asked",  # 1 if it is code and the question asks how to do something
    "names_asked",  # names it holds (up to 3) when the question asks for names
    "subject_leads",  # 1 if it opens with a yes/no question's subject
    "heading",  # share of the question's words (weighted as above) in its passage's heading
    "negation",  # 1 if the question asks about what is not so and the sentence or heading says "not"/"never"
)
SCALE_FEATURES = ("meaning", "overlap", "passage")  # their weights sum to one
_NEGATION = re.compile(r"\b(?:not|never|no|none|cannot|without)\b|n't\b", re.I)


def negated(text: str) -> bool:
    return bool(_NEGATION.search(text))


class SentenceModelError(ValueError):
    """A weights file that cannot be used; the text says what to do."""


@dataclass(frozen=True)
class SentenceModel:
    names: tuple[str, ...]
    coef: tuple[float, ...]
    fitted_on: tuple[str, ...] = ()
    items: int = 0  # questions whose sentences were labelled

    def score(self, values: np.ndarray) -> float:
        return float(values @ np.array(self.coef))

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1) + "\n"

    @classmethod
    def load(cls, path: Path | None = None) -> SentenceModel:
        path = path or SHIPPED
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            model = cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})
        except (OSError, ValueError, TypeError) as exc:
            raise SentenceModelError(f"Cannot read the sentence model {path}: {exc}. Run `bot fit`.") from None
        if model.names != FEATURES:
            raise SentenceModelError(f"{path} was fitted on other features: run `bot fit`.")
        return model


def fit_sentences(questions: list[tuple[np.ndarray, np.ndarray]], fitted_on: tuple[str, ...] = ()) -> SentenceModel:
    """Fit on each question's candidate sentences (features, 1 for those holding its evidence): a conditional
    logit, the softmax over one question's sentences, so only differences within a question teach (a pointwise
    fit also learns which questions are easy). Ridge 1 on standardised features; weights turned back to raw
    features and scaled as the replaced score was."""
    if not questions:
        raise SentenceModelError("no question has a sentence holding its evidence: nothing to fit on")
    stacked = np.vstack([x for x, _ in questions])
    mean, scale = stacked.mean(axis=0), stacked.std(axis=0)
    scale = np.where(scale > 1e-9, scale, 1.0)  # a feature constant in the data gets no weight
    data = [((x - mean) / scale, y > 0) for x, y in questions]
    w = np.zeros(stacked.shape[1])

    @np.errstate(all="ignore")  # an overlong trial step overflows; its loss is then not finite and is refused
    def loss_and_grad(w: np.ndarray) -> tuple[float, np.ndarray]:
        loss, grad = 0.5 * float(w @ w), w.copy()
        for x, pos in data:
            s = x @ w
            top = s.max()
            p = np.exp(s - top)
            p /= p.sum()
            r = np.where(pos, np.exp(s - top), 0.0)
            r /= r.sum()
            loss -= float(np.log(p[pos].sum()))
            grad += x.T @ (p - r)
        return loss, grad

    loss, grad = loss_and_grad(w)
    step = 1.0
    for _ in range(500):  # gradient descent with backtracking: a few hundred steps at most on this size
        trial = w - step * grad
        trial_loss, trial_grad = loss_and_grad(trial)
        if np.isfinite(trial_loss) and trial_loss < loss - 1e-4 * step * float(grad @ grad):
            w, loss, grad = trial, trial_loss, trial_grad
            step *= 1.5
        else:
            step *= 0.5
        if np.abs(grad).max() < 1e-4 or step < 1e-10:
            break
    raw = w / scale
    total = sum(raw[FEATURES.index(name)] for name in SCALE_FEATURES)
    if total <= 0:
        raise SentenceModelError(
            "the fit gave meaning, overlap and passage no positive weight together: check the labels"
        )
    return SentenceModel(FEATURES, tuple(round(float(v / total), 6) for v in raw), fitted_on, len(questions))
