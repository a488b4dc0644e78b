"""``nkworkers tag``'s readers: every bad row, file or folder entry becomes a reject with its
reason, and the run goes on (issue 19, inputs).

The oracles: the file system (what a FIFO, a socket, a device, a dangling
symlink, a loop are), pyarrow (what parquet holds), and the run itself: the
good rows come out, the bad ones are in the rejects file with their line.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from nkworkers.baselines.tagging.input import MAX_ARTICLE_BYTES, Reject, check
from nkworkers.baselines.tagging.local import run_local
from nkworkers.baselines.tagging.readers import count_items, plan, read_items, read_unit
from nkworkers.loaders.cli import app
from tests.tag_models import trained

ROOT = Path(__file__).resolve().parent.parent
TEXT = sorted((ROOT / "raw").glob("*.txt"))[0].read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return list(trained(tmp_path_factory, ("control-lexicon",)).values())


def reasons(path: Path) -> list[tuple[Any, ...]]:
    """(source name, line, doc_id, reason) of each reject, in input order."""
    out = []
    for item in read_items(path):
        got = check(item)
        if isinstance(got, Reject):
            out.append((Path(got.source).name, got.line, got.doc_id, got.reason))
    return out


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def special_folder(base: Path) -> Path:
    folder = base / "archive"
    folder.mkdir()
    (folder / "good.txt").write_text(TEXT, encoding="utf-8")
    (folder / "dir.txt").mkdir()
    (folder / "dangling.txt").symlink_to(folder / "nowhere")
    (folder / "loop.txt").symlink_to(folder / "loop.txt")
    os.mkfifo(folder / "fifo.txt")
    (folder / "zero.txt").symlink_to("/dev/zero")
    (folder / "outside.txt").symlink_to(ROOT / "README.md")
    (folder / "inside.txt").symlink_to(folder / "good.txt")  # followed: inside the folder
    with (folder / "huge.txt").open("wb") as handle:  # sparse: no bytes written
        handle.truncate(MAX_ARTICLE_BYTES + 1)
    (folder / "latin1.txt").write_bytes(b"caf\xe9")
    fd = os.open(os.fsencode(folder) + b"/bad\xff.txt", os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, b"text")
    os.close(fd)
    return folder


def test_folder_entries_that_are_not_readable_text_files_are_rejects(tmp_path: Path) -> None:
    folder = special_folder(tmp_path)
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(folder / "sock.txt"))
    try:
        started = time.perf_counter()
        got = {name: (doc_id, reason) for name, _, doc_id, reason in reasons(folder)}
        assert time.perf_counter() - started < 10  # nothing blocked on the FIFO
    finally:
        server.close()
    assert got == {
        "bad\\udcff.txt": ("bad\\udcff", "doc_id is not valid Unicode (lone surrogate at character 3)"),  # noqa: E501
        "dangling.txt": ("dangling", f"a dangling symlink (to {folder / 'nowhere'})"),
        "dir.txt": ("dir", "a folder, not a .txt file"),
        "fifo.txt": ("fifo", "a FIFO, not a regular file (not opened)"),
        "huge.txt": ("huge", f"file longer than {MAX_ARTICLE_BYTES:,} bytes; split the article"),
        "latin1.txt": ("latin1", "not UTF-8: byte b'\\xe9' at byte offset 3"),
        "loop.txt": ("loop", "a symlink loop"),
        "sock.txt": ("sock", "a socket, not a regular file (not opened)"),
        "outside.txt": ("outside", f"a symlink to {ROOT / 'README.md'}, outside the folder; copy the file in"),  # noqa: E501
        "zero.txt": ("zero", "a symlink to /dev/zero, outside the folder; copy the file in"),
    }  # fmt: skip


def test_a_device_node_in_the_folder_is_refused_without_opening(tmp_path: Path) -> None:
    try:
        os.mknod(tmp_path / "null.txt", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("creating a device node needs root")
    assert reasons(tmp_path) == [
        ("null.txt", None, "null", "a character device, not a regular file (not opened)")
    ]


def test_a_run_over_a_folder_of_special_entries_tags_the_good_file(
    models: list[Path], tmp_path: Path
) -> None:
    folder = special_folder(tmp_path)
    out = tmp_path / "out.jsonl"
    summary = run_local(models=models, input_path=folder, out=out, show_progress=False)
    assert [r["doc_id"] for r in read_jsonl(out)] == ["good", "inside"]
    rejects = read_jsonl(tmp_path / "out.rejects.jsonl")
    assert summary.rejected == len(rejects) == 9
    assert all(r["source"].startswith(str(folder)) and r["line"] is None for r in rejects)


def test_non_finite_numbers_and_integers_beyond_64_bits_are_rejected_per_row(
    models: list[Path], tmp_path: Path
) -> None:
    source = tmp_path / "in.jsonl"
    text = json.dumps(TEXT)
    rows = [
        f'{{"doc_id": "ok", "text": {text}, "views": 3}}',
        '{"doc_id": "inf", "text": "a b", "views": 1e400}',
        '{"doc_id": "neg", "text": "a b", "nested": {"x": [-1e400]}}',
        '{"doc_id": "big", "text": "a b", "id2": 18446744073709551616}',
        '{"doc_id": "huge", "text": "a b", "id2": 123456789012345678901}',
        f'{{"doc_id": "fine", "text": {text}, "views": 9223372036854775807}}',
    ]
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    got = [(line, doc_id, reason.split(",")[0]) for _, line, doc_id, reason in reasons(source)]
    assert got == [
        (2, "inf", "carried column 'views' holds inf"),
        (3, "neg", "carried column 'nested' holds -inf"),
        (4, "big", "carried column 'id2' holds 18446744073709551616"),
        (5, None, "integer of 21 digits (at most 20 are read)"),
    ]  # fmt: skip
    for suffix in ("jsonl", "parquet"):  # the merge takes what is left, in both formats
        out = tmp_path / f"out.{suffix}"
        run_local(models=models, input_path=source, out=out, show_progress=False)
        again = run_local(models=models, input_path=source, out=out, resume=True,
                          show_progress=False)  # fmt: skip
        assert (again.rows, again.rejected, again.tagged) == (2, 4, 0)
    table = pq.read_table(tmp_path / "out.parquet")
    assert table.column("views").to_pylist() == [3, 2**63 - 1]


def test_nan_inf_and_uint64_in_parquet_columns_are_rejected_per_row(
    models: list[Path], tmp_path: Path
) -> None:
    source = tmp_path / "in.parquet"
    table = pa.table(
        {
            "doc_id": ["ok", "nan", "inf", "u64", "listnan"],
            "text": [TEXT, "a b", "a b", "a b", "a b"],
            "score": pa.array([1.5, float("nan"), float("inf"), 2.0, 2.0], pa.float64()),
            "big": pa.array([7, 7, 7, 2**64 - 1, 7], pa.uint64()),
            "tags": pa.array([[1.0], [1.0], [1.0], [1.0], [float("nan")]], pa.list_(pa.float64())),
        }
    )
    pq.write_table(table, source, row_group_size=2)
    assert len(plan(source)) == 3  # one unit per row group, rows numbered across them
    assert [(line, doc_id) for _, line, doc_id, _ in reasons(source)] == [
        (2, "nan"), (3, "inf"), (4, "u64"), (5, "listnan"),
    ]  # fmt: skip
    out = tmp_path / "out.parquet"
    summary = run_local(models=models, input_path=source, out=out, show_progress=False)
    assert (summary.rows, summary.rejected) == (1, 4)
    assert pq.read_table(out).column("score").to_pylist() == [1.5]


def test_a_corrupt_parquet_file_is_one_reject_not_a_traceback(
    models: list[Path], tmp_path: Path
) -> None:
    source = tmp_path / "in.parquet"
    source.write_bytes(b"PAR1" + b"\x00garbage" * 50 + b"PAR1")
    out = tmp_path / "out.jsonl"
    summary = run_local(models=models, input_path=source, out=out, show_progress=False)
    assert (summary.rows, summary.rejected) == (0, 1)
    [reject] = read_jsonl(tmp_path / "out.rejects.jsonl")
    assert reject["source"] == str(source) and reject["line"] == 1
    assert reject["reason"].startswith("not a readable parquet file (row group 0): ")


def test_jsonl_ranges_read_the_same_items_as_the_whole_file(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    lines = [b'{"doc_id": "a", "text": "x"}', b"", b"{bad", b'{"doc_id": "b", "text": "y"}\r']
    source.write_bytes(b"\n".join(lines * 7) + b'\n{"doc_id": "last", "text": "z"}')
    whole = list(read_items(source))
    lines_in_file = source.read_bytes().count(b"\n")
    for per_unit in (1, 2, 3, 5, 100):
        units = plan(source, per_unit)
        assert [i for u in units for i in read_unit(u)] == whole, per_unit
        assert count_items(units) == lines_in_file == count_items(plan(source))
    assert [i.line for i in whole][-3:] == [27, 28, 29]


def test_a_special_file_as_input_is_refused_in_one_line(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo.jsonl")
    (tmp_path / "zero.jsonl").symlink_to("/dev/zero")
    (tmp_path / "gone.jsonl").symlink_to(tmp_path / "nowhere")
    for name, what in (
        ("fifo.jsonl", "a FIFO, not a file"),
        ("zero.jsonl", "a character device, not a file"),
        ("gone.jsonl", "a dangling symlink"),
    ):
        result = CliRunner().invoke(
            app, ["tag", "--model", str(tmp_path), "--input", str(tmp_path / name),
                  "--out", str(tmp_path / "o.jsonl")],
        )  # fmt: skip
        assert result.exit_code == 1 and what in result.output, result.output
        assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo.jsonl", "gone.jsonl", "zero.jsonl"]


def test_predict_label_map_that_is_a_fifo_or_device_is_refused_without_reading(
    tmp_path: Path,
) -> None:
    os.mkfifo(tmp_path / "map.json")
    with (tmp_path / "big.json").open("wb") as handle:
        handle.truncate(2 << 20)
    for path, what in (
        (tmp_path / "map.json", "not a plain file"),
        (Path("/dev/zero"), "not a plain file"),
        (tmp_path / "big.json", "larger than 1,048,576 bytes"),
    ):
        result = CliRunner().invoke(
            app, ["predict", "--spacy-model", "none", "--label-map", str(path),
                  "--out", str(tmp_path / "o.jsonl")],
        )  # fmt: skip
        assert result.exit_code == 1 and what in result.output, result.output
    assert not (tmp_path / "o.jsonl").exists()


def test_a_txt_file_with_an_upper_case_suffix_is_tagged_not_skipped(tmp_path: Path) -> None:
    # found by the re-attack: UPPER.TXT was neither tagged nor rejected
    (tmp_path / "a.txt").write_text("One.", encoding="utf-8")
    (tmp_path / "B.TXT").write_text("Two.", encoding="utf-8")
    (tmp_path / "c.md").write_text("Not an article.", encoding="utf-8")
    items = [i for unit in plan(tmp_path) for i in read_unit(unit)]
    assert sorted(i.value["doc_id"] for i in items) == ["B", "a"]
