"""Imports in bot/ flow one way, read from the source (AST; no import-linter): no cycle between modules, no
import from a later stage, and an import inside a function only where it is lazy on purpose, said in a comment.

Stage order (a module imports only from its own stage and earlier ones):
shared top-level modules (bot/settings.py, types.py, text.py, safe_markdown.py, safe_stream.py) -> ingest -> question ->
retrieval -> answer -> bot/assistant.py -> history -> web -> tools.

Convention for a function-level import: a comment containing "lazy" (saying what is heavy) on its line, or
on the comment lines just above the block of imports it belongs to. A standard-library import is never
lazy: it goes at the top of the module.
"""

from __future__ import annotations

import ast
import io
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOT = ROOT / "bot"
SHARED = {"bot", "bot.settings", "bot.types", "bot.text", "bot.safe_markdown", "bot.safe_stream"}
STAGES = ["shared", "ingest", "question", "retrieval", "answer", "assistant", "history", "web", "tools"]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def stage_of(module: str) -> int | None:
    if module in SHARED:
        return 0
    if module == "bot.assistant":
        return STAGES.index("assistant")
    part = module.split(".")[1]
    return STAGES.index(part) if part in STAGES and part not in ("shared", "assistant") else None


def _modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(BOT.rglob("*.py"))}


def _in_bot(name: str, modules: dict[str, Path]) -> str | None:
    """The module of bot/ that `name` (a dotted name) is, or the nearest package of it; None outside bot/."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _comments(source: str) -> dict[int, str]:
    found: dict[int, str] = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            found[token.start[0]] = token.string
    return found


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _in_function(node: ast.AST, parents: dict) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            return True
    return False


def _says_lazy(node: ast.stmt, parents: dict, comments: dict[int, str], lines: list[str]) -> bool:
    """Whether a comment with "lazy" sits on the import, on another import of its block, or just above the block."""
    body = next(
        (getattr(parents[node], f) for f in ("body", "orelse", "finalbody") if node in getattr(parents[node], f, [])),
        [node],
    )
    i = body.index(node)
    while i > 0 and isinstance(body[i - 1], ast.Import | ast.ImportFrom):
        i -= 1
    block = body[i : body.index(node) + 1]
    numbers = [n for stmt in block for n in range(stmt.lineno, stmt.end_lineno + 1)]
    above = block[0].lineno - 1
    while above > 0 and lines[above - 1].strip().startswith("#"):
        numbers.append(above)
        above -= 1
    return any("lazy" in comments.get(n, "").lower() for n in numbers)


def scan() -> tuple[dict[str, list[tuple[str, int]]], list[str], dict[str, list[str]]]:
    """(edges: module -> [(imported module, line)], later-stage imports, each file's function-level imports
    that break the convention)."""
    modules = _modules()
    edges: dict[str, list[tuple[str, int]]] = {m: [] for m in modules}
    later: list[str] = []
    in_functions: dict[str, list[str]] = {}  # file -> its function-level imports that break the convention
    for module, path in modules.items():
        source = path.read_text(encoding="utf-8")
        tree, rel = ast.parse(source), path.relative_to(ROOT).as_posix()
        parents, comments, lines = _parents(tree), _comments(source), source.splitlines()
        here = stage_of(module)
        if here is None:
            later.append(f"{rel}:1: {module} is in no stage of the order {STAGES}")
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                package = module if path.name == "__init__.py" else module.rpartition(".")[0]
                base = node.module or ""
                if node.level:
                    base = ".".join(
                        package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                    )
                names = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            for target in {t for n in names if (t := _in_bot(n, modules)) and t != module}:
                edges[module].append((target, node.lineno))
                there = stage_of(target)
                if here is not None and there is not None and there > here:
                    later.append(
                        f"{rel}:{node.lineno}: {module} ({STAGES[here]}) imports {target} ({STAGES[there]}), a later stage"
                    )
            if _in_function(node, parents):
                top = (names[0] if isinstance(node, ast.Import) else (node.module or "")).split(".")[0]
                if not getattr(node, "level", 0) and top in sys.stdlib_module_names:
                    why = f"standard-library import of {top!r} inside a function: put it at the top"
                elif not _says_lazy(node, parents, comments, lines):
                    why = "import inside a function without a comment saying why it is lazy"
                else:
                    continue
                in_functions.setdefault(rel, []).append(f"{rel}:{node.lineno}: {why}")
    return edges, later, in_functions


def cycles(edges: dict[str, list[tuple[str, int]]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or round a loop (Tarjan's strongly connected components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target, _ in edges.get(node, []):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups


def test_no_import_cycle_between_modules():
    edges, _, _ = scan()
    modules = _modules()
    problems = []
    for group in cycles(edges):
        links = [
            f"  {modules[m].relative_to(ROOT).as_posix()}:{line}: {m} imports {t}"
            for m in group
            for t, line in sorted(edges[m], key=lambda e: e[1])
            if t in group
        ]
        problems.append(f"cycle between {', '.join(group)}:\n" + "\n".join(links))
    assert not problems, "\n".join(problems)


def test_no_import_from_a_later_stage():
    _, later, _ = scan()
    assert not later, "\n".join(later)


def test_an_import_inside_a_function_says_why_it_is_lazy():
    _, _, in_functions = scan()
    problems = [p for rel, found in in_functions.items() for p in found]
    problems.sort(key=lambda p: (p.split(":")[0], int(p.split(":")[1])))
    assert not problems, "\n".join(problems)
