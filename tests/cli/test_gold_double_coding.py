"""The double-coded files of the real-text gold standard (issue 7): the second labeller's labels
(second/) list exactly the gold file's sentences; every double-coded file, tuning and held-out,
was adjudicated and keeps the first labeller's labels as they were before (first/), listing the
same sentences; and `agreement first second` reads them as the same sentence units, its positive
agreement per dimension being the one computed here from the files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.conftest import CODEBOOK, REPO, Project

GOLD = REPO / "transcripts" / "public-domain-gold"
REAL = REPO / "transcripts" / "public-domain"
DIMENSIONS = ("strategy", "organization", "innovation", "market-position", "policy")


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _double_coded(part: str = "tune") -> list[str]:
    split = _load(GOLD / "split.yaml")
    return sorted(d for d in (_load(p)["document"] for p in (GOLD / "second").glob("*.yaml"))
                  if d in split[part])


def test_double_coded_files_list_the_gold_sentences():
    split = _load(GOLD / "split.yaml")
    tune, heldout = _double_coded("tune"), _double_coded("heldout")
    assert len(tune) >= 3 and heldout == sorted(split["heldout"])
    adjudicated = sorted(_load(p)["document"] for p in (GOLD / "first").glob("*.yaml"))
    assert adjudicated == sorted(tune + heldout)  # every double-coded file, tuning and held-out
    for doc in tune + heldout:
        gold = [s["quote"] for s in _load(GOLD / f"{doc}.yaml")["sentences"]]
        for folder, coder in (("second", "second"), ("first", "first")):
            data = _load(GOLD / folder / f"{doc}.yaml")
            assert data["coder"] == coder and data["document"] == doc
            assert [s["quote"] for s in data["sentences"]] == gold, (folder, doc)


def _dimensions(labels: list[str]) -> set[str]:
    return {label.split(".")[0] for label in labels}


def test_agreement_of_the_two_labellers_is_computed_on_the_listed_sentences(project: Project):
    docs = _double_coded()
    project.ok("codebook", "load", str(CODEBOOK))
    project.ok("import", *[str(REAL / f"{doc}.txt") for doc in docs])
    files = [GOLD / folder / f"{doc}.yaml" for folder in ("first", "second") for doc in docs]
    project.ok("codings", "import", *map(str, files))
    args = ["agreement", "first", "second", "--json"]
    for doc in docs:
        args += ["--document", doc]
    report = json.loads(project.ok(*args))
    rows = {r["name"]: r for r in report["dimensions"]}
    first = [s for d in docs for s in _load(GOLD / "first" / f"{d}.yaml")["sentences"]]
    second = [s for d in docs for s in _load(GOLD / "second" / f"{d}.yaml")["sentences"]]
    marked = 0
    for dim in DIMENSIONS:
        a = sum(dim in _dimensions(x["codes"]) and dim in _dimensions(y["codes"])
                for x, y in zip(first, second, strict=True))
        b = sum(dim in _dimensions(x["codes"]) and dim not in _dimensions(y["codes"])
                for x, y in zip(first, second, strict=True))
        c = sum(dim not in _dimensions(x["codes"]) and dim in _dimensions(y["codes"])
                for x, y in zip(first, second, strict=True))
        if a + b + c == 0:
            assert dim not in rows
            continue
        marked += 1
        row = rows[dim]
        assert row["units"] == len(first)  # the listed sentences, no others
        assert (row["coded"]["first"], row["coded"]["second"], row["all_coded"]) == (
            a + b, a + c, a)
        assert row["positive"] == pytest.approx(2 * a / (2 * a + b + c), abs=5e-5)
    assert marked >= 4
