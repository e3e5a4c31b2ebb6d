"""qualcode pseudonyms (propose, add, list) and --pseudonymise on every export: names in quotes,
attributes, document names and Chinese are replaced, the leak check refuses what escapes, and
the project and its files never change."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from tests.conftest import CODEBOOK, Project

# SYNTHETIC: invented interviews; the firm names are used only as strings to hide.
ENGLISH = """---
case: Desay Battery
case_attributes:
  origin: spun off from Desay Group in Huizhou
interview:
  place: Huizhou, Zhongkai zone
---
Interviewer: Why Huizhou?

Mr. Li: Desay Battery started here in 1998. Our parent, Desay Group, is a Huizhou company.

Interviewer: And your suppliers?

Mr. Li: We buy cells from Sunwoda Electronic in Shenzhen, and the subsidy helped.
"""
CHINESE = """---
case: 德赛电池
language: zh
---
访谈者：为什么在惠州？
王总：德赛电池有限公司一九九八年就在惠州了，跟比克科技也有合作。
访谈者：补贴呢？
王总：政府补贴不多，德赛电池自己投了研发。
"""
CODINGS = {
    "desay-2019": [("strategy.relocation", "Desay Battery started here in 1998"),
                   ("policy.subsidies", "the subsidy helped")],
    "wang": [("strategy.relocation", "德赛电池有限公司一九九八年就在惠州了"),
             ("policy.subsidies", "政府补贴不多，德赛电池自己投了研发")],
}
KEY = [("firms", "Desay Battery", "Firm A"), ("firms", "Desay Group", "Group A"),
       ("firms", "Desay", "Firm A"), ("firms", "德赛电池有限公司", "甲公司"),
       ("firms", "德赛电池", "甲公司"), ("people", "Mr. Li", "Manager L"),
       ("people", "王总", "某总"), ("places", "Huizhou", "City H"), ("places", "惠州", "H市")]
ORIGINALS = ("Desay", "DESAY", "德赛", "Mr. Li", "王总", "Huizhou", "惠州")


@pytest.fixture
def named(project: Project, tmp_path: Path) -> Project:
    project.ok("codebook", "load", str(CODEBOOK))
    (tmp_path / "desay-2019.md").write_text(ENGLISH, encoding="utf-8")
    (tmp_path / "wang.md").write_text(CHINESE, encoding="utf-8")
    project.ok("import", str(tmp_path / "desay-2019.md"), str(tmp_path / "wang.md"))
    for doc, codings in CODINGS.items():
        path = tmp_path / f"{doc}.yaml"
        path.write_text(f"document: {doc}\ncoder: ana\ncodings:\n" + "".join(
            f"  - code: {code}\n    quote: \"{quote}\"\n    key: true\n"
            for code, quote in codings), encoding="utf-8")
        project.ok("codings", "import", str(path))
    return project


@pytest.fixture
def keyed(named: Project) -> Project:
    for kind, original, pseudonym in KEY:
        named.ok("pseudonyms", "add", kind, original, pseudonym)
    return named


def _no_originals(text: str) -> None:
    left = [name for name in ORIGINALS if name.casefold() in text.casefold()]
    assert left == [], left


def test_propose_finds_cases_speakers_front_matter_and_names_in_the_text(named):
    found = {c["name"]: c for c in json.loads(named.ok("pseudonyms", "propose", "--json"))}
    assert found["Desay Battery"]["kind"] == "firms" and "case" in found["Desay Battery"]["sources"]
    assert found["德赛电池"]["kind"] == "firms"
    assert found["德赛电池有限公司"]["kind"] == "firms" and found["比克科技"]["kind"] == "firms"
    assert found["Sunwoda Electronic"]["sources"] == ["text"]
    assert found["Mr. Li"]["kind"] == "people" and found["Mr. Li"]["sources"] == ["speaker"]
    assert found["王总"]["count"] == 2 and found["Huizhou"]["kind"] == "places"
    assert found["Desay Group"]["sources"] == ["text", "attribute"]
    named.ok("pseudonyms", "add", "firms", "Desay", "Firm A")
    named.ok("pseudonyms", "add", "firms", "德赛电池")
    after = {c["name"] for c in json.loads(named.ok("pseudonyms", "propose", "--json"))}
    assert not {"Desay Battery", "Desay Group", "德赛电池", "德赛电池有限公司"} & after
    assert {"比克科技", "Mr. Li", "王总"} <= after


def test_add_writes_the_key_and_list_reads_it_back(named):
    named.ok("pseudonyms", "add", "firms", "Desay Battery", "Firm A")
    named.ok("pseudonyms", "add", "firms", "德赛电池")  # the next free pseudonym
    named.ok("pseudonyms", "add", "people", "王总")
    listed = json.loads(named.ok("pseudonyms", "list", "--json"))
    assert listed["key"] == str(named.folder / "pseudonyms.yaml")
    assert [(e["kind"], e["original"], e["pseudonym"]) for e in listed["entries"]] == [
        ("firms", "Desay Battery", "Firm A"), ("firms", "德赛电池", "Firm 1"),
        ("people", "王总", "Person 1")]
    key = named.folder / "pseudonyms.yaml"
    before = key.read_bytes()
    assert "in the key already" in named.fails("pseudonyms", "add", "people", "DESAY battery")
    assert "contains the name 'Desay Battery'" in named.fails(
        "pseudonyms", "add", "places", "Sunwoda", "Desay Battery Park")
    assert "unknown kind" in named.fails("pseudonyms", "add", "firm", "Sunwoda")
    assert key.read_bytes() == before


def test_the_key_path_comes_from_the_project_file_or_key(named, tmp_path):
    with (named.folder / "qualcode.toml").open("a", encoding="utf-8") as f:
        f.write('pseudonym_key = "../private/key.yaml"\n')
    (tmp_path / "private").mkdir()
    named.ok("pseudonyms", "add", "firms", "Desay", "Firm A")
    assert (named.folder / "../private/key.yaml").is_file()
    other = tmp_path / "other.yaml"
    named.ok("pseudonyms", "add", "firms", "Desay", "Firm Z", "--key", str(other))
    assert "Firm Z" in other.read_text(encoding="utf-8")


def test_matrix_by_an_attribute_and_codings_list_are_pseudonymised(keyed):
    before = keyed.snapshot()
    out = keyed.ok("matrix", "--rows", "attribute:origin", "--format", "csv", "--pseudonymise")
    assert "spun off from Group A in City H" in out
    _no_originals(out)
    _no_originals(keyed.ok("matrix", "--pseudonymise"))  # the terminal view too
    out = keyed.ok("matrix", "--pseudonymise", "--json")
    assert set(json.loads(out)["row_labels"]) == {"Firm A", "甲公司"}
    _no_originals(out)
    rows = json.loads(keyed.ok("codings", "list", "--pseudonymise", "--json"))
    assert {(r["document"], r["case"], r["quote"]) for r in rows} == {
        ("Firm A-2019", "Firm A", "Firm A started here in 1998"),
        ("Firm A-2019", "Firm A", "the subsidy helped"),
        ("wang", "甲公司", "甲公司一九九八年就在H市了"),
        ("wang", "甲公司", "政府补贴不多，甲公司自己投了研发")}
    _no_originals(keyed.ok("codings", "list", "--pseudonymise"))
    assert keyed.snapshot() == before  # the project is never changed


def test_synthesis_and_report_are_pseudonymised_in_every_format(keyed, tmp_path):
    before = keyed.snapshot()
    for name in ("s.html", "s.md", "s.csv", "s.json"):
        keyed.ok("synthesize", "--pseudonymise", "-o", str(tmp_path / name))
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert "Firm A" in text and "甲公司" in text
        _no_originals(text)
    keyed.ok("synthesize", "--pseudonymise", "-o", str(tmp_path / "s.xlsx"))
    with zipfile.ZipFile(tmp_path / "s.xlsx") as z:
        _no_originals(" ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()))
    keyed.ok("report", "--pseudonymise", "-o", str(tmp_path / "r.html"))
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Firm A-2019" in page and "某总" in page and "H市" in page
    _no_originals(page)
    assert keyed.snapshot() == before


def test_refi_export_replaces_names_and_moves_every_selection_with_its_text(keyed, tmp_path):
    out = tmp_path / "p.qdpx"
    keyed.ok("refi", "export", "--pseudonymise", "-o", str(out))
    with zipfile.ZipFile(out) as z:
        everything = {n: z.read(n).decode("utf-8") for n in z.namelist()}
    _no_originals(" ".join(everything.values()))
    import xml.etree.ElementTree as ET

    ns = {"q": "urn:QDA-XML:project:1.0"}
    root = ET.fromstring(everything["project.qde"])
    seen = set()
    for source in root.iter(f"{{{ns['q']}}}TextSource"):
        text = everything["sources/" + source.get("plainTextPath").split("//")[1]]
        for sel in source.iter(f"{{{ns['q']}}}PlainTextSelection"):
            start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
            assert text[start:end] == sel.get("name")
            seen.add(sel.get("name"))
    assert {"Firm A started here in 1998", "甲公司一九九八年就在H市了"} <= seen
    # read back into a new project, the archive holds exactly the pseudonymised codings
    from qualcode.services.project import init_project

    init_project(tmp_path / "other")
    other = Project(tmp_path / "other")
    other.ok("refi", "import", str(out))

    def codings(project: Project, *args: str) -> list[tuple]:
        return sorted((r["document"], r["code"], r["quote"])
                      for r in json.loads(project.ok("codings", "list", "--json", *args)))

    assert codings(other) == codings(keyed, "--pseudonymise")


def test_a_name_that_escapes_replacement_is_caught_and_nothing_is_written(keyed, tmp_path):
    # A URL in a memo writes 德赛电池 percent-encoded, which replacement does not read as a
    # name; the leak check reads the output as a browser would.
    url = "see https://baike.example.com/item/%E5%BE%B7%E8%B5%9B%E7%94%B5%E6%B1%A0"
    keyed.ok("memo", "add", url, "--document", "wang")
    keyed.ok("code", "add", "wang", "strategy.capital-investment", "--quote", "自己投了研发",
             "--memo", url)
    before = keyed.snapshot()
    for args, target in [
        (("report", "-o"), tmp_path / "r.html"),
        (("refi", "export", "-o"), tmp_path / "p.qdpx"),
    ]:
        error = keyed.fails(*args, str(target), "--pseudonymise", "--manifest",
                            str(tmp_path / "m.json"))
        assert "would still show '德赛电池'" in error and "nothing was written" in error
        assert not target.exists() and not (tmp_path / "m.json").exists()
        assert list(tmp_path.glob(".*qualcode-tmp*")) == []
    res = keyed.run("codings", "list", "--pseudonymise", "--json")  # memos are in the listing
    assert res.exit_code == 1 and res.stdout == "" and "德赛电池" in res.stderr
    keyed.ok("summary", "set", "Desay Battery", "policy", url)
    before = keyed.snapshot()
    for fmt in ("md", "json", "html"):  # to standard output: held back, then refused
        res = keyed.run("synthesize", "--pseudonymise", "--format", fmt)
        assert res.exit_code == 1 and res.stdout == "" and "德赛电池" in res.stderr
    assert keyed.snapshot() == before


def test_manifest_beside_a_pseudonymised_export(keyed, tmp_path):
    keyed.ok("matrix", "-o", str(tmp_path / "m.csv"), "--pseudonymise", "--manifest",
             str(tmp_path / "manifest.json"))
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert {t["name"] for t in manifest["transcripts"]} == {"Firm A-2019", "wang"}
    _no_originals(json.dumps(manifest, ensure_ascii=False))
    keyed.ok("codings", "list", "--manifest", str(tmp_path / "plain.json"))
    plain = json.loads((tmp_path / "plain.json").read_text(encoding="utf-8"))
    assert {t["name"] for t in plain["transcripts"]} == {"desay-2019", "wang"}


def test_pseudonymise_without_a_key_is_refused(named, tmp_path):
    error = named.fails("matrix", "--pseudonymise", "-o", str(tmp_path / "m.csv"))
    assert "there is no pseudonym key" in error and not (tmp_path / "m.csv").exists()


ENCODED = "%E5%BE%B7%E8%B5%9B%E7%94%B5%E6%B1%A0"  # 德赛电池 in a URL or a downloaded file's name


@pytest.mark.parametrize("where", ["quote", "attribute", "document name"])
def test_the_leak_check_catches_a_chinese_name_in_quotes_attributes_and_document_names(
        project, tmp_path, where):
    project.ok("codebook", "load", str(CODEBOOK))
    website = f"https://example.com/{ENCODED}" if where == "attribute" else "none"
    said = f"官网是 https://example.com/{ENCODED} 。" if where == "quote" else "官网没有。"
    name = f"{ENCODED}-2019" if where == "document name" else "wang"
    path = tmp_path / f"{name}.md"
    path.write_text(f"---\ncase: 德赛电池\ncase_attributes:\n  website: {website}\n"
                    f"language: zh\n---\n访谈者：有官网吗？\n王总：{said}\n访谈者：好。\n"
                    "王总：德赛电池在惠州。\n", encoding="utf-8")
    project.ok("import", str(path))
    project.ok("code", "add", name, "strategy.relocation", "--turn", "2")
    project.ok("pseudonyms", "add", "firms", "德赛电池", "甲公司")
    before = project.snapshot()
    args = (("matrix", "--rows", "attribute:website", "--format", "csv")
            if where == "attribute" else ("codings", "list", "--json"))
    res = project.run(*args, "--pseudonymise")
    assert res.exit_code == 1 and res.stdout == ""
    assert "would still show '德赛电池'" in res.stderr
    # an export without the encoded name passes: rows by case hold only the pseudonym
    assert project.ok("matrix", "--format", "csv", "--pseudonymise").splitlines()[1].startswith(
        "甲公司,")
    out = tmp_path / "r.html"
    assert "would still show '德赛电池'" in project.fails("report", "-o", str(out),
                                                          "--pseudonymise")
    assert not out.exists() and project.snapshot() == before


def test_cooccurrence_passages_and_tables_are_pseudonymised(keyed, tmp_path):
    out = keyed.ok("cooccur", "--pair", "strategy.relocation", "policy.subsidies", "--unit",
                   "document", "--json", "--pseudonymise")
    assert {p["document"] for p in json.loads(out)} == {"Firm A-2019", "wang"}
    assert "Firm A started here in 1998" in out and "甲公司一九九八年就在H市了" in out
    _no_originals(out)
    _no_originals(keyed.ok("cooccur", "--pair", "strategy.relocation", "policy.subsidies",
                           "--unit", "document", "--pseudonymise"))
    keyed.ok("cooccur", "--unit", "document", "-o", str(tmp_path / "c.csv"), "--pseudonymise")
    assert "strategy.relocation" in (tmp_path / "c.csv").read_text(encoding="utf-8")


def test_the_manifest_itself_is_pseudonymised_and_leak_checked(keyed, tmp_path):
    out = keyed.ok("manifest", "--pseudonymise")
    manifest = json.loads(out)
    assert {t["name"] for t in manifest["transcripts"]} == {"Firm A-2019", "wang"}
    assert {t["source"] for t in manifest["transcripts"]} == {"Firm A-2019.md", "wang.md"}
    _no_originals(out)
    assert "desay-2019" in keyed.ok("manifest")  # without it, the names as they are
    keyed.ok("documents", "rename", "wang", f"{ENCODED}-wang")  # escapes replacement
    before = keyed.snapshot()
    target = tmp_path / "m.json"
    error = keyed.fails("manifest", "--pseudonymise", "-o", str(target))
    assert "would still show '德赛电池'" in error and not target.exists()
    res = keyed.run("manifest", "--pseudonymise")
    assert res.exit_code == 1 and res.stdout == ""
    assert keyed.snapshot() == before
