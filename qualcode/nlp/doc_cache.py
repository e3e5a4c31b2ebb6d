"""Cache the analysis before the span_ruler, so a changed codebook only re-runs the ruler.

analyse() runs tokenizer, sentences and lemmas and packs the docs into a DocBin; the bytes are
valid for as long as the pipeline's `pipeline_key` is unchanged (the codebook does not enter it).
suggest_from_docs() runs only the span_ruler on restored docs and yields what suggest() would.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import zip_longest

from spacy.tokens import Doc, DocBin

from qualcode.domain import SuggestionHit, TextUnit
from qualcode.nlp.pipeline import RULER, SuggestPipeline
from qualcode.nlp.suggester import check_unit, hits_from_doc

# What a token pattern can test besides the words themselves (ORTH and spacing are always kept):
# lemmas and sentence starts for the blank pipeline, the tagger/parser/ner layers for a trained one,
# and NORM because tokenizer exceptions can set it per token ("n't" -> "not").
CACHED_ATTRS = ["ORTH", "NORM", "LEMMA", "SENT_START", "TAG", "POS", "MORPH", "HEAD", "DEP",
                "ENT_IOB", "ENT_TYPE", "ENT_KB_ID", "ENT_ID"]


def analyse(pipe: SuggestPipeline, units: Iterable[TextUnit], *, batch_size: int = 64) -> bytes:
    """The units' docs without ruler matches, serialised in unit order."""
    docs = DocBin(attrs=CACHED_ATTRS, store_user_data=False)
    for doc in pipe.nlp.pipe((u.text for u in units), batch_size=batch_size, disable=[RULER]):
        docs.add(doc)
    return docs.to_bytes()


def restore(pipe: SuggestPipeline, data: bytes) -> list[Doc]:
    return list(DocBin(store_user_data=False).from_bytes(data).get_docs(pipe.nlp.vocab))


def suggest_from_docs(pipe: SuggestPipeline, units: Iterable[TextUnit], docs: Iterable[Doc], *,
                      unit: str = "sentence") -> Iterator[SuggestionHit]:
    """suggest()'s hits from restored docs: only the span_ruler runs. `docs` must be the units'
    docs in the same order (a doc whose text differs from its unit's is a stale cache)."""
    check_unit(unit)
    ruler = pipe.nlp.get_pipe(RULER)
    for number, (text_unit, doc) in enumerate(zip_longest(units, docs), start=1):
        if text_unit is None or doc is None:
            raise ValueError("the cached docs and the units differ in number; analyse again")
        if doc.text != text_unit.text:
            raise ValueError(f"cached doc {number} does not hold its unit's text; analyse again")
        yield from hits_from_doc(pipe, text_unit, ruler(doc), unit=unit)
