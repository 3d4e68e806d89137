"""Synthetic corpora for `bot bench`: copies of the corpus whose wording is perturbed, so they embed apart."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

# Word swaps for synthetic copies: each copy changes a different random share of these words, so
# copies read alike but embed and hash differently.
SWAPS = {
    "content": "material",
    "models": "systems",
    "model": "system",
    "generate": "produce",
    "generates": "produces",
    "text": "writing",
    "images": "pictures",
    "businesses": "companies",
    "business": "company",
    "create": "make",
    "creating": "making",
    "tasks": "jobs",
    "data": "information",
    "help": "assist",
    "helps": "assists",
    "large": "big",
    "used": "applied",
    "use": "apply",
    "important": "key",
    "different": "distinct",
    "understand": "grasp",
    "human": "people's",
    "customer": "client",
    "customers": "clients",
    "tools": "instruments",
    "example": "instance",
    "quickly": "rapidly",
    "improve": "enhance",
    "new": "fresh",
    "specific": "particular",
}
_WORD = re.compile(r"\b[a-z]+\b")


def _perturb(text: str, rng: random.Random, share: float, copy: int) -> str:
    """`text` with about a `share` of its words swapped for synonyms and its title marked as variant `copy`."""
    text = _WORD.sub(lambda m: SWAPS.get(m.group(0), m.group(0)) if rng.random() < share else m.group(0), text)
    return re.sub(r"^title:\s*(.+)$", lambda m: f"title: {m.group(1)} (variant {copy})", text, count=1, flags=re.M)


def make_synthetic_corpus(source: Path, target: Path, factor: int, seed: int = 7) -> int:
    """`factor` copies of the corpus in `target`: copy 0 as is, the others with perturbed wording."""
    # lazy: start-up time
    from bot.ingest.files import corpus_files

    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    files = corpus_files(source)
    for copy in range(factor):
        rng = random.Random(seed * 1000 + copy)
        share = 0.15 + 0.5 * rng.random()
        for path in files:
            text = path.read_text(encoding="utf-8")
            if copy:
                text = _perturb(text, rng, share, copy)
            (target / f"v{copy:03d}-{path.name}").write_text(text, encoding="utf-8")
    return len(files) * factor
