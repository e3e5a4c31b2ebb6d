"""Hypothesis strategies for hostile and broken input files, shared by the fuzz tests.

Each strategy yields bytes (or text) for one kind of file: generated from scratch, or a valid
seed file mutated (bytes flipped, inserted, deleted, cut, NULs, a BOM, UTF-16 without a BOM...).
Examples per test: QUALCODE_FUZZ_EXAMPLES (default 25, half that through the CLI: a minute or two
on CI's 2 cores; set 500 or more to hunt).
"""

from __future__ import annotations

import io
import os
import zipfile

import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("QUALCODE_FUZZ_EXAMPLES", "25"))
_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture]
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=_QUIET)
# Through the CLI each example also snapshots the database twice: fewer of them.
FUZZ_CLI = settings(max_examples=max(EXAMPLES // 2, 5), deadline=None, database=None,
                    suppress_health_check=_QUIET)

TXT_SEED = ("---\ncase: Firm C\ncase_attributes: {segment: cells, founded: 2009}\n"
            "interview: {interviewee_role: Deputy GM, date: 2018-07-12}\n"
            "interviewer_labels: [Interviewer]\n---\n"
            "Interviewer: Why Huizhou?\n\nMr. Chen: We moved here for the subsidy.\n"
            "It was cheaper.\n\nInterviewer: And cell design?\n\nMr. Chen: We still buy it.\n")
VTT_SEED = ("WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Interviewer>Why Huizhou?\n\n"
            "00:00:04.500 --> 00:00:09.000\n<v Mr. Chen>We moved here for the subsidy.\n")
SRT_SEED = ("1\n00:00:01,000 --> 00:00:04,000\nInterviewer: Why Huizhou?\n\n"
            "2\n00:00:04,500 --> 00:00:09,000\nMr. Chen: We moved here for the subsidy.\n\n")
CODING_SEED = ("document: firm\ncoder: wei\ncodings:\n  - code: policy.subsidies\n"
               "    quote: the subsidy\n    key: true\n    memo: Contrast.\n"
               "  - code: strategy.relocation\n    quote: We moved here\n    occurrence: 1\n"
               "summaries:\n  policy: Subsidies mattered.\n")


def docx_seed() -> bytes:
    import docx

    document = docx.Document()
    for line in ("Interviewer: Why Huizhou?", "Mr. Chen: We moved here for the subsidy."):
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _apply(data: bytes, ops: list[tuple[str, int, bytes]]) -> bytes:
    for op, at, chunk in ops:
        at = at % (len(data) + 1)
        if op == "flip" and data:
            at = min(at, len(data) - 1)
            data = data[:at] + bytes([data[at] ^ (chunk[0] if chunk else 0xFF)]) + data[at + 1:]
        elif op == "insert":
            data = data[:at] + chunk + data[at:]
        elif op == "delete":
            data = data[:at] + data[at + len(chunk) + 1:]
        elif op == "truncate":
            data = data[:at]
        elif op == "duplicate":
            data = data[:at] + data[at:at + 64] * 3 + data[at:]
    return data


SPICE = [b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\xe4\xb8", b"\r", b"\n\n", b"-->",
         b"99999999999:", b"<v ", b"&a ", b"*a", b"!!python/object:os.system",
         b"[[[[", b"{{", b": ", b"- ",
         b"2018-13-01", b"'no'", b"\t", b"\xc0\x80", b"\x1b[31m"]


def mutations() -> st.SearchStrategy[list[tuple[str, int, bytes]]]:
    chunk = st.one_of(st.binary(min_size=1, max_size=12), st.sampled_from(SPICE))
    op = st.tuples(st.sampled_from(["flip", "insert", "delete", "truncate", "duplicate"]),
                   st.integers(0, 1 << 20), chunk)
    return st.lists(op, min_size=1, max_size=6)


def mutated(seed: bytes) -> st.SearchStrategy[bytes]:
    return mutations().map(lambda ops: _apply(seed, ops))


def special_bytes(seed_text: str) -> st.SearchStrategy[bytes]:
    """Inputs that are not random noise but known traps."""
    utf8 = seed_text.encode("utf-8")
    return st.one_of(
        st.just(seed_text.encode("utf-16-le")),  # UTF-16 without a BOM
        st.just(seed_text.encode("utf-16-be")),
        st.integers(1, len(utf8)).map(lambda n: ("\u4e2d\u6587" + seed_text).encode()[:n]),
        st.just(b"\x00" * 4096),
        st.integers(1, 3).map(lambda mb: b"Q: " + b"a" * (mb * 1024 * 1024) + b"\n"),  # huge line
        st.just(utf8.replace(b"\n", b"\r")),
        st.binary(max_size=2048),
    )


def transcript_bytes(seed: bytes, seed_text: str) -> st.SearchStrategy[bytes]:
    return st.one_of(mutated(seed), special_bytes(seed_text))


# -- YAML -------------------------------------------------------------------------------------

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(10**30, 10**40), st.floats(),
    st.text(max_size=20), st.dates(), st.sampled_from(["no", "yes", "on", "NO", "~", "2018-13-01"]),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12)

SOUP = st.lists(st.sampled_from([
    "a:", "b: ", " ", "\n", "  ", "- ", "[", "]", "{", "}", "&x ", "*x", "&y [*x, *x, *x] ",
    "!!python/object/apply:os.system ['true']", "!!binary", "'", '"', "2018-13-01", "9" * 50,
    ":", ",", "? ", "|", ">", "#", "\t", "\x00", "\ufeff", "---", "...", "<<: *x", "%YAML 1.1",
    "\\", "\u2028", "document:", "codings:", "quote:", "code:", "key: 'no'", "case: {a: 1}",
]), max_size=80).map("".join)


def _dump(value: object) -> str:
    try:
        return yaml.safe_dump(value, allow_unicode=True)
    except (yaml.YAMLError, ValueError, OverflowError):
        return str(value)


def front_matter_text() -> st.SearchStrategy[str]:
    keys = st.sampled_from(["case", "firm", "case_attributes", "document_attributes", "interview",
                            "language", "title", "name", "interviewer_labels", "synthetic",
                            "notice", "other"])
    generated = st.dictionaries(keys, VALUES, max_size=6).map(_dump)
    body = "\nQ: Why here?\nA: The subsidy.\n"
    return st.one_of(generated, SOUP).map(lambda y: f"---\n{y}\n---{body}")


def coding_file_text() -> st.SearchStrategy[str]:
    entry = st.dictionaries(st.sampled_from(["code", "quote", "occurrence", "key", "memo", "x"]),
                            VALUES, max_size=5)
    generated = st.fixed_dictionaries({}, optional={
        "document": VALUES, "coder": VALUES, "codings": st.one_of(VALUES, st.lists(entry)),
        "summaries": VALUES}).map(_dump)
    return st.one_of(generated, SOUP, mutated(CODING_SEED.encode()).map(
        lambda b: b.decode("utf-8", "replace")))


def codebook_text(seed: str) -> st.SearchStrategy[str]:
    code = st.dictionaries(st.sampled_from(["definition", "examples", "patterns", "codes",
                                            "colour", "parent", "name", "x"]), VALUES, max_size=5)
    generated = st.dictionaries(st.text(max_size=8), st.one_of(code, VALUES), max_size=4).map(_dump)
    return st.one_of(generated, SOUP, mutated(seed.encode()).map(
        lambda b: b.decode("utf-8", "replace")))


# -- REFI-QDA -------------------------------------------------------------------------------------

GUID = "11111111-2222-3333-4444-555555555555"
QDE_SEED = (
    '<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="urn:QDA-XML:project:1.0" name="t">'
    '<Users><User guid="22222222-2222-3333-4444-555555555555" name="wei"/></Users>'
    '<CodeBook><Codes><Code guid="33333333-2222-3333-4444-555555555555" name="policy" '
    'isCodable="true"/></Codes></CodeBook>'
    f'<Sources><TextSource guid="{GUID}" name="a" plainTextPath="internal://{GUID}.txt">'
    '<PlainTextSelection guid="44444444-2222-3333-4444-555555555555" startPosition="3" '
    'endPosition="9" creatingUser="22222222-2222-3333-4444-555555555555"><Coding '
    'guid="55555555-2222-3333-4444-555555555555"><CodeRef '
    'targetGUID="33333333-2222-3333-4444-555555555555"/></Coding></PlainTextSelection>'
    "</TextSource></Sources></Project>"
)
TEXT_SEED = "Q: We moved here for the subsidy.\n"


def qdpx(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def qdpx_bytes() -> st.SearchStrategy[bytes]:
    seed = qdpx({"project.qde": QDE_SEED.encode(), f"sources/{GUID}.txt": TEXT_SEED.encode()})
    xml_spice = [b"<", b"&", b'"', b"startPosition=\"99999999999999999999999\"", b"</Project>",
                 b"<!DOCTYPE p [<!ENTITY e 'x'>]>", b"guid=\"x\"", b"\x00"]
    xml_ops = st.lists(st.tuples(st.sampled_from(["insert", "delete", "truncate", "flip"]),
                                 st.integers(0, 5000),
                                 st.one_of(st.sampled_from(xml_spice), st.binary(max_size=6))),
                       min_size=1, max_size=5)
    mutated_xml = xml_ops.map(lambda ops: qdpx({
        "project.qde": _apply(QDE_SEED.encode(), ops), f"sources/{GUID}.txt": TEXT_SEED.encode()}))
    random_members = st.dictionaries(
        st.sampled_from(["project.qde", f"sources/{GUID}.txt", "../x.txt", "sources/", "a.qde"]),
        st.binary(max_size=64), max_size=4).map(qdpx)
    return st.one_of(mutated(seed), mutated_xml, random_members)
