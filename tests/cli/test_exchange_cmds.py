"""qualcode refi export | import | inspect, and hostile archives refused with one line and no
change to the project."""

from __future__ import annotations

import json
import stat
import struct
import zipfile
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import qualcode.cli as cli
from qualcode.cli import exchange_cmds
from tests.conftest import Project, Result, new_project

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
SAMPLES = SHARED / "refi-qda" / "samples"


def _app() -> typer.Typer:
    """The real app once `refi` is mounted there; until then the same root with `refi` alone."""
    if any(group.name == "refi" for group in cli.app.registered_groups):
        return cli.app
    app = typer.Typer(cls=cli._Group, pretty_exceptions_enable=False, rich_markup_mode=None)
    app.callback()(cli.root)
    app.add_typer(exchange_cmds.app, name="refi")
    return app


APP = _app()


def run(project: Project, *args: str) -> Result:
    res = CliRunner().invoke(APP, ["--project", str(project.folder), "refi", *args],
                             env={"QUALCODE_CODER": "tester", "COLUMNS": "200"})
    if res.exception and not isinstance(res.exception, SystemExit):
        raise res.exception
    return Result(res.exit_code, res.stdout, res.stderr)


def ok(project: Project, *args: str) -> str:
    res = run(project, *args)
    assert res.exit_code == 0, f"{args} failed: {res.stderr}{res.stdout}"
    return res.stdout


def fails(project: Project, *args: str) -> str:
    """A refused command: exit 1, and exactly one line on stderr."""
    res = run(project, *args)
    assert res.exit_code == 1, f"{args} should fail: {res.stdout}"
    assert res.stderr.startswith("error: ")
    assert res.stderr.count("\n") == 1, res.stderr
    return res.stderr


# -- export and import -----------------------------------------------------------------------------


def test_export_import_round_trip_through_the_cli(coded_project: Project, tmp_path: Path):
    out = tmp_path / "demo.qdpx"
    exported = json.loads(ok(coded_project, "export", "-o", str(out), "--json"))
    assert exported["kind"] == "project" and exported["sources"] == 12
    assert "end exclusive" in exported["positions"]
    human = ok(coded_project, "export", "-o", str(tmp_path / "codes.qdc"), "--codebook")
    assert "36 codes" in human

    other = new_project(tmp_path / "other")
    report = json.loads(ok(other, "import", str(out), "--coder-prefix", "team-", "--json"))
    assert report["codings_added"] == exported["codings"]
    assert report["coders"] == ["team-wei"]
    assert len(report["codes_added"]) == 36
    assert {d["status"] for d in report["documents"]} == {"imported"}
    listed = json.loads(other.ok("codings", "list", "--by", "team-wei", "--json"))
    assert len(listed) == exported["codings"]
    assert {row["origin"] for row in listed} == {"imported"}


def test_human_import_report_names_positions_and_skips(project: Project, tmp_path: Path):
    from tests.services.test_refiqda import nvivo_like

    out = ok(project, "import", str(nvivo_like(tmp_path)))
    assert "Firm Z interview" in out
    assert "UTF-16 code units, CRLF counted as 2" in out
    assert "skipped" in out and "brochure.pdf" in out and "was not opened" in out


def test_export_refusals_are_one_line(coded_project: Project, tmp_path: Path):
    out = tmp_path / "demo.qdpx"
    ok(coded_project, "export", "-o", str(out))
    assert "--force" in fails(coded_project, "export", "-o", str(out))
    ok(coded_project, "export", "-o", str(out), "--force")
    assert ".qdc" in fails(coded_project, "export", "--codebook", "-o", str(tmp_path / "x.qdpx"))


def test_codebook_clash_is_refused_unless_merge(coded_project: Project, tmp_path: Path):
    qdc = tmp_path / "codes.qdc"
    ok(coded_project, "export", "--codebook", "-o", str(qdc))
    before = coded_project.snapshot()
    error = fails(coded_project, "import", str(qdc))
    assert "already in the project" in error and "--merge" in error and str(qdc) in error
    assert coded_project.snapshot() == before
    report = json.loads(ok(coded_project, "import", str(qdc), "--merge", "--json"))
    assert report["codes_added"] == [] and len(report["codes_matched"]) == 36


def test_inspect_needs_no_project(tmp_path: Path):
    from tests.services.test_refiqda import nvivo_like

    res = CliRunner().invoke(APP, ["refi", "inspect", str(nvivo_like(tmp_path)), "--json"])
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    assert (data["kind"], data["codes"], data["cases"], data["sources"]) == ("project", 1, 1, 2)
    assert data["sources_detail"][0]["convention"] == "utf16"


def sample(name: str) -> Path:
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"{path} is not here (../shared is only beside a developer checkout)")
    return path


def test_taguette_codebook_with_empty_sets_imports(project: Project):
    report = json.loads(ok(project, "import", str(sample("uto_tag__Taguette141_codebook.qdc")),
                           "--json"))
    assert report["codes_added"] == ["xsd-element-name", "codebook", "variables"]


def test_maxqda_derived_project_is_tolerated_not_crashed(project: Project):
    out = ok(project, "import", str(sample("paper_themes__project_with_generated_codes.qde")))
    assert "343 codes added" in out
    assert "codebook:0:4" in out


# -- hostile input ---------------------------------------------------------------------------------

QDE = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<Project xmlns="urn:QDA-XML:project:1.0" name="evil"><Sources>'
    '<TextSource guid="11111111-2222-3333-4444-555555555555" name="a" '
    'plainTextPath="internal://a.txt"/></Sources></Project>'
)


def _zip(path: Path, members: dict[str, bytes | zipfile.ZipInfo]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return path


def _set_encrypted_flag(path: Path, member: str) -> None:
    """zipfile cannot write encrypted entries; set the flag bit in the raw headers instead."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) >= 0:
        (length,) = struct.unpack_from("<H", data, at + 28)
        if bytes(data[at + 46: at + 46 + length]) == name:
            data[at + 8] |= 1
            (local,) = struct.unpack_from("<I", data, at + 42)
            data[local + 6] |= 1
        at += 4
    path.write_bytes(bytes(data))


def _symlink(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.qde", QDE)
        info = zipfile.ZipInfo("sources/a.txt")
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(info, "/etc/passwd")
    return path


LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE Project [\n<!ENTITY a "lol">\n'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n' for i in range(8))
    + ']>\n<Project xmlns="urn:QDA-XML:project:1.0" name="&i;"/>'
)
EXTERNAL = (
    '<?xml version="1.0"?>\n<!DOCTYPE Project [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
    '<Project xmlns="urn:QDA-XML:project:1.0" name="&x;"/>'
)


def _hostile(kind: str, tmp_path: Path) -> tuple[Path, str, str | None]:
    """(file, what the error must say, the member it must name)."""
    path = tmp_path / f"{kind}.qdpx"
    if kind == "bomb":
        _zip(path, {"project.qde": QDE.encode(), "sources/a.txt": b"\0" * 20_000_000})
        return path, "zip bomb", "sources/a.txt"
    if kind == "members":
        members: dict = {"project.qde": QDE.encode()}
        members |= {f"sources/{i}.txt": b"" for i in range(10_001)}
        _zip(path, members)
        return path, "more than the 10000 allowed", None
    if kind == "traversal":
        _zip(path, {"project.qde": QDE.encode(), "../evil.txt": b"x"})
        return path, "path traversal", "../evil.txt"
    if kind == "absolute":
        _zip(path, {"project.qde": QDE.encode(), "/tmp/evil.txt": b"x"})
        return path, "absolute path", "/tmp/evil.txt"
    if kind == "symlink":
        return _symlink(path), "symbolic link", "sources/a.txt"
    if kind == "encrypted":
        _zip(path, {"project.qde": QDE.encode(), "sources/a.txt": b"secret"})
        _set_encrypted_flag(path, "sources/a.txt")
        return path, "the member is encrypted", "sources/a.txt"
    if kind == "laughs":
        _zip(path, {"project.qde": LAUGHS.encode()})
        return path, "DTD", "project.qde"
    assert kind == "external"
    _zip(path, {"project.qde": EXTERNAL.encode()})
    return path, "DTD", "project.qde"


@pytest.mark.parametrize("kind", ["bomb", "members", "traversal", "absolute", "symlink",
                                  "encrypted", "laughs", "external"])
def test_hostile_archives_are_refused_and_change_nothing(
    coded_project: Project, tmp_path: Path, kind: str
):
    path, says, member = _hostile(kind, tmp_path)
    before = coded_project.snapshot()
    error = fails(coded_project, "import", str(path), "--merge")
    assert says in error
    assert str(path) in error
    if member:
        assert member in error
    assert coded_project.snapshot() == before


def test_a_malformed_element_is_named(project: Project, tmp_path: Path):
    qde = QDE.replace('plainTextPath="internal://a.txt"/>',
                      'plainTextPath="internal://a.txt"><PlainTextSelection '
                      'guid="aaaaaaaa-2222-3333-4444-555555555555" startPosition="0" '
                      'endPosition="3"><Coding guid="bbbbbbbb-2222-3333-4444-555555555555"/>'
                      "</PlainTextSelection></TextSource>")
    path = _zip(tmp_path / "broken.qdpx", {"project.qde": qde.encode(), "sources/a.txt": b"abc"})
    before = project.snapshot()
    error = fails(project, "import", str(path))
    assert "<Coding guid='bbbbbbbb-2222-3333-4444-555555555555'>" in error
    assert "exactly one CodeRef" in error and "project.qde" in error
    assert project.snapshot() == before
