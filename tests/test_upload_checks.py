"""The server's own checks on an editor's files (`bot.ingest.upload`): names, types, sizes and counts from the
settings, and a file the ingest could not read taken back out (a replaced one restored)."""

from __future__ import annotations

from bot.ingest.index import IngestReport
from bot.ingest.upload import Upload, check_uploads, checked_name, place_files, read_ledger, settle
from bot.settings import Settings


def upload(tmp_path, name: str, size: int = 10) -> Upload:
    path = (
        tmp_path
        / "incoming"
        / f"{len(list((tmp_path / 'incoming').glob('*'))) if (tmp_path / 'incoming').exists() else 0}"
    )
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(b"x" * size)
    return Upload(name, path, size)


def test_names_types_sizes_and_counts_are_checked_on_the_server(tmp_path):
    settings = Settings(_env_file=None, upload_max_mb=1, upload_max_files=2, upload_types=[".pdf", ".md"])
    assert checked_name("handbook.pdf", settings) == "handbook.pdf"
    files = [
        upload(tmp_path, "../../etc/passwd.md"),
        upload(tmp_path, "tool.exe"),
        upload(tmp_path, "big.pdf", 2 * 2**20),
        upload(tmp_path, "ok.md"),
    ]
    accepted, refused = check_uploads(files, settings)
    assert [name for _u, name in accepted] == []  # the first two slots went to refused files, the rest over count
    assert any("not a plain file name" in r for r in refused)
    assert any("tool.exe: type .exe is not accepted" in r for r in refused)
    assert any("big.pdf" in r and "more than 2 files" in r for r in refused)
    accepted, refused = check_uploads([upload(tmp_path, "ok.md"), upload(tmp_path, "big.pdf", 2 * 2**20)], settings)
    assert [name for _u, name in accepted] == ["ok.md"] and refused == ["big.pdf: larger than 1 MB"]


def test_a_file_the_ingest_could_not_read_is_taken_out_and_a_replaced_one_restored(tmp_path):
    folder = tmp_path / "set"
    folder.mkdir()
    (folder / "kept.md").write_text("# Old\n\nThe old text.\n", encoding="utf-8")
    new = upload(tmp_path, "kept.md")
    bad = upload(tmp_path, "bad.pdf")
    good = upload(tmp_path, "good.md")
    backups = place_files(folder, [(new, "kept.md"), (bad, "bad.pdf"), (good, "good.md")])
    report = IngestReport(added=["good.md"], errors=["kept.md: unreadable", "bad.pdf: not a PDF"])
    settle(folder, backups, report, "anna")
    assert (folder / "kept.md").read_text(encoding="utf-8").startswith("# Old")  # the indexed version is back
    assert not (folder / "bad.pdf").exists() and (folder / "good.md").exists()
    assert set(read_ledger(folder)) == {"good.md"} and read_ledger(folder)["good.md"]["by"] == "anna"
