"""A sentencizer for Chinese transcripts.

spaCy's rule-based `sentencizer` starts a sentence at the first token after sentence-final
punctuation that is not itself punctuation, so in 他说：“好的。”“那就这样。” the opening “ of the
second quotation stays at the end of the first sentence. Chinese speech in transcripts is full of
such quotations, so here an opening quotation mark or bracket after a sentence end starts the next
sentence, while closing ones (” 」 ） …) still end the sentence they close.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

FACTORY = "qualcode_sentencizer"
OPENING = frozenset("“‘「『（《〈【〔([{")


class Sentencizer:
    def __init__(self, punct_chars: list[str]):
        self._ends = frozenset(punct_chars)

    def __call__(self, doc: Doc) -> Doc:
        ended = False
        for token in doc:
            if token.i == 0:
                token.is_sent_start = True
                starts = False
            else:
                starts = ended and token.text not in self._ends and (
                    token.text in OPENING or not token.is_punct)
                token.is_sent_start = starts
            if starts:
                ended = False
            if token.text in self._ends:
                ended = True
        return doc


@Language.factory(FACTORY, default_config={"punct_chars": []})
def _make_sentencizer(nlp: Language, name: str, punct_chars: list[str]) -> Sentencizer:
    return Sentencizer(punct_chars)
