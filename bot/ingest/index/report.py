"""What one ingest run did (`IngestReport`), and its summary as `bot ingest` prints it."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.ingest.convert.fidelity import Fidelity

README_NOTE = "a README describes the folder, so it is not a document here; rename it to index it"


@dataclass
class IngestReport:
    """What one ingest run did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    passages_written: int = 0
    passages_total: int = 0
    seconds: float = 0.0
    rebuilt: bool = False
    generation: str = ""
    # How each converted file reads (glued or broken words, non-text characters, passages without a
    # sentence), and why a file looks wrongly converted: named here before anyone asks it a question.
    fidelity: dict[str, Fidelity] = field(default_factory=dict)
    suspect: dict[str, list[str]] = field(default_factory=dict)
    # Seconds spent in each step ("converting", "chunking", "embedding", "checking"): where ingest time goes.
    timings: dict[str, float] = field(default_factory=dict)
    # What embedded the new passages ("ONNX, batches of 4 on 2 threads"); empty when nothing was embedded.
    embedded_with: str = ""
    # README files of the folder: read as describing it, not as documents (said, in case one is meant as one).
    readmes: list[str] = field(default_factory=list)

    def timed(self, step: str, seconds: float) -> None:
        self.timings[step] = self.timings.get(step, 0.0) + seconds

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.rebuilt)

    def summary(self) -> str:
        parts = [
            f"{len(self.added)} added",
            f"{len(self.updated)} updated",
            f"{len(self.removed)} removed",
            f"{len(self.unchanged)} unchanged",
        ]
        lines = [
            f"Indexed {self.passages_total} passages ({', '.join(parts)}; "
            f"{self.passages_written} passages embedded) in {self.seconds:.1f}s"
        ]
        if self.timings:
            lines.append("Time: " + ", ".join(f"{step} {t:.1f}s" for step, t in self.timings.items()))
        if self.rebuilt:
            lines.append("The embedding model or chunking changed: the index was rebuilt from scratch.")
        if self.changed and self.generation:
            lines.append(f"Now serving index generation {self.generation}.")
        for label, names in (("added", self.added), ("updated", self.updated), ("removed", self.removed)):
            lines += [f"  {label}: {name}" for name in names]
        lines += [f"  skipped: {err}" for err in self.errors]
        lines += [f"  not indexed: {name}: {README_NOTE}" for name in self.readmes]
        lines += [f"  read: {name}: {figures.figures()}" for name, figures in self.fidelity.items()]
        lines += [f"  looks wrong: {name}: {'; '.join(reasons)}" for name, reasons in self.suspect.items()]
        return "\n".join(lines)
