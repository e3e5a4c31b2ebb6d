"""Read and write codebooks in qualcode's YAML format (codebooks/README.md documents it).

We compose the YAML into nodes and build every value ourselves instead of calling yaml.safe_load,
because nodes carry line numbers (every problem names its line) and because safe_load silently keeps
the last of two duplicate keys, which would drop a code without a word. No spaCy here: token
patterns are checked by qualcode.nlp.patterns.check_patterns.
"""

from __future__ import annotations

import codecs
import difflib
import hashlib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from qualcode.domain import Codebook, CodebookProblem, CodeDef, PatternDef
from qualcode.errors import CodebookError, InputError

from . import safe_yaml
from .transcripts.language import normalise as normalise_language

META_KEY = "codebook"
META_FIELDS = ("name", "version", "language", "negation")
DIMENSION_FIELDS = ("name", "definition", "colour", "include", "exclude", "examples", "patterns",
                    "veto", "negation", "codes", "translations")
TRANSLATION_FIELDS = ("name", "definition")
CODE_FIELDS = DIMENSION_FIELDS + ("parent", "renamed_from")
PATTERN_KINDS = ("phrase", "lemma", "tokens")
PATTERN_FIELDS = PATTERN_KINDS + ("lang", "negation")
# What a match under a negation does (see codebooks/README.md, "Negation"); the default is "lower".
NEGATION_VALUES = ("lower", "drop", "ignore")
DEFAULT_NEGATION = "lower"
_INHERIT = ""  # a pattern's negation while reading: not given, taken from its code or above

DEFAULT_VERSION = "1"
DEFAULT_LANGUAGE = "en"

KEY_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
COLOUR_RE = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
LANGUAGE_RE = re.compile(r"[a-z]{2,3}")
NULL_TAG = "tag:yaml.org,2002:null"
BOOL_TAG = "tag:yaml.org,2002:bool"
BOOL_WORDS = ("true", "false")  # YAML 1.1 also reads yes/no/on/off as booleans; we do not


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _title(key: str) -> str:
    return key.replace("-", " ").title()


@dataclass
class _Draft:
    """A code as read from the file, before parents are resolved."""

    key: str
    name: str
    dimension: str
    enclosing: str | None  # the code (or dimension) it is nested in
    is_dimension: bool
    line: int
    order: int
    definition: str = ""
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    colour: str | None = None
    patterns: list[PatternDef] = field(default_factory=list)
    veto: list[PatternDef] = field(default_factory=list)
    negation: str | None = None  # as given on this code or dimension; None: inherited
    parent_given: str | None = None
    parent_line: int | None = None
    translations: tuple[tuple[str, str | None, str | None], ...] = ()
    renamed_from: str | None = None


class _Reader:
    """Walks the node tree once, collecting drafts and every problem it meets."""

    def __init__(self) -> None:
        self.problems: list[CodebookProblem] = []
        self.warnings: list[CodebookProblem] = []
        self.drafts: list[_Draft] = []
        self.name: str | None = None
        self.version = DEFAULT_VERSION
        self.language = DEFAULT_LANGUAGE
        self.negation = DEFAULT_NEGATION

    def problem(self, node_or_line: Node | int | None, key: str | None, message: str) -> None:
        line = _line(node_or_line) if isinstance(node_or_line, Node) else node_or_line
        self.problems.append(CodebookProblem(line=line, key=key, message=message))

    # -- generic node helpers ------------------------------------------------------------------

    def items(self, node: Node, key: str | None) -> list[tuple[str, Node, Node]]:
        """The (key, key node, value node) pairs of a mapping; duplicates are reported and only the
        first one is kept (YAML loaders would silently keep the last)."""
        seen: dict[str, int] = {}
        out = []
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.problem(key_node, key, "a key must be a plain word, not a list or mapping")
                continue
            name = key_node.value
            if name in seen:
                self.problem(key_node, key, f"duplicate key '{name}' (first at line {seen[name]}); "
                                            "YAML would silently keep only the last one")
                continue
            seen[name] = _line(key_node)
            out.append((name, key_node, value_node))
        return out

    def fields(self, node: Node, key: str | None, allowed: tuple[str, ...], what: str
               ) -> dict[str, tuple[Node, Node]]:
        found = {}
        for name, key_node, value_node in self.items(node, key):
            if name not in allowed:
                close = difflib.get_close_matches(name, allowed, n=1)
                guess = f" (did you mean '{close[0]}'?)" if close else ""
                self.problem(key_node, key, f"unknown field '{name}' in {what}{guess}; "
                                            f"allowed: {', '.join(allowed)}")
                continue
            found[name] = (key_node, value_node)
        return found

    def text(self, node: Node, key: str | None, what: str) -> str | None:
        """A scalar as written (`version: 2026.10` stays "2026.10"); None if not a scalar."""
        if not isinstance(node, ScalarNode):
            self.problem(node, key, f"{what} must be text, not a list or mapping")
            return None
        if node.tag == NULL_TAG and node.style is None:
            return ""
        return node.value.strip()

    def text_list(self, node: Node, key: str, what: str) -> tuple[str, ...]:
        if isinstance(node, ScalarNode) and node.tag == NULL_TAG:
            return ()
        if not isinstance(node, SequenceNode):
            self.problem(node, key, f"{what} must be a list (one '- ' line per entry)")
            return ()
        out = []
        for item in node.value:
            value = self.text(item, key, f"each entry of {what}")
            if value == "":
                self.problem(item, key, f"an entry of {what} is empty")
            elif value is not None:
                out.append(value)
        return tuple(out)

    def plain(self, node: Node, key: str, active: frozenset = frozenset()) -> Any:
        """Python values for a token pattern, with duplicate keys reported at any depth."""
        if id(node) in active:
            raise _Unbuildable("an alias refers to itself")
        active = active | {id(node)}
        if isinstance(node, MappingNode):
            pairs = self.items(node, key)
            return {name: self.plain(value, key, active) for name, _, value in pairs}
        if isinstance(node, SequenceNode):
            return [self.plain(item, key, active) for item in node.value]
        if node.tag == BOOL_TAG and node.style is None and node.value.lower() not in BOOL_WORDS:
            return node.value  # YAML 1.2 reading: `{LOWER: no}` means the word "no"
        try:
            return safe_yaml.construct(node)
        except yaml.constructor.ConstructorError as exc:
            raise _Unbuildable(f"unsupported YAML value: {exc.problem}") from None

    # -- the codebook ------------------------------------------------------------------------------

    def read(self, root: Node) -> None:
        if not isinstance(root, MappingNode):
            self.problem(root, None, "the codebook must be a mapping: a 'codebook:' section and "
                                     "one top-level key per dimension")
            return
        dimensions = []
        for name, key_node, value_node in self.items(root, None):
            if name == META_KEY:
                self.read_meta(value_node)
            else:
                dimensions.append((name, key_node, value_node))
        if not dimensions:
            self.problem(root, None, "no dimensions: add at least one top-level key besides "
                                     "'codebook'")
        for name, key_node, value_node in dimensions:
            self.read_code(name, key_node, value_node, dimension=None, enclosing=None)

    def read_meta(self, node: Node) -> None:
        if not isinstance(node, MappingNode):
            self.problem(node, META_KEY, "'codebook' must be a mapping: name, version, language")
            return
        found = self.fields(node, META_KEY, META_FIELDS, "the 'codebook' section")
        if "name" in found:
            self.name = self.text(found["name"][1], META_KEY, "name") or None
        if "version" in found:
            self.version = self.text(found["version"][1], META_KEY, "version") or DEFAULT_VERSION
        if "language" in found:
            language = self.text(found["language"][1], META_KEY, "language")
            language = language and self.check_language(found["language"][1], META_KEY,
                                                         language)
            if language:
                self.language = language
        if "negation" in found:
            self.negation = self.read_negation(found["negation"][1], META_KEY) or DEFAULT_NEGATION

    def read_negation(self, node: Node, key: str | None) -> str | None:
        value = self.text(node, key, "negation")
        if value is None:
            return None
        if value not in NEGATION_VALUES:
            self.problem(node, key, f"negation must be one of {', '.join(NEGATION_VALUES)}, "
                                    f"not '{value}'")
            return None
        return value

    def check_language(self, node: Node, key: str | None, language: str) -> str | None:
        """The language code (zh-CN, zh_Hans and ZH read as zh, as front matter reads them), or
        None after recording a problem."""
        code = normalise_language(language)
        if LANGUAGE_RE.fullmatch(code):
            return code
        self.problem(node, key, f"'{language}' is not a language code (use a code spaCy knows, "
                                "such as en, zh or de)")
        return None

    def read_code(self, name: str, key_node: Node, node: Node, *, dimension: str | None,
                  enclosing: str | None) -> None:
        is_dimension = dimension is None
        key = name if is_dimension else f"{enclosing}.{name}"
        if not KEY_RE.fullmatch(name):
            self.problem(key_node, key, f"bad key '{name}': use lowercase letters, digits and "
                                        "single hyphens (e.g. 'cell-design')")
        if not isinstance(node, MappingNode):
            self.problem(node, key, "must be a mapping with at least a definition")
            return
        draft = _Draft(key=key, name=_title(name), dimension=dimension or name, enclosing=enclosing,
                       is_dimension=is_dimension, line=_line(key_node), order=len(self.drafts))
        self.drafts.append(draft)
        what = "a dimension" if is_dimension else "a code"
        found = self.fields(node, key, DIMENSION_FIELDS if is_dimension else CODE_FIELDS, what)
        if "name" in found:
            draft.name = self.text(found["name"][1], key, "name") or draft.name
        if "definition" in found:
            draft.definition = self.text(found["definition"][1], key, "definition") or ""
        if not draft.definition:
            where = found["definition"][1] if "definition" in found else key_node
            self.problem(where, key, "the definition is empty or missing: say what the code "
                                     "means and when to apply it")
        for list_field in ("include", "exclude", "examples"):
            if list_field in found:
                setattr(draft, list_field, self.text_list(found[list_field][1], key, list_field))
        if not is_dimension and not draft.examples:  # a code made while coding has none yet
            where = found["examples"][1] if "examples" in found else key_node
            self.warnings.append(CodebookProblem(
                line=_line(where), key=key,
                message="no examples yet: add an example sentence under 'examples:'"))
        if "renamed_from" in found:
            draft.renamed_from = self.text(found["renamed_from"][1], key, "renamed_from")
        if "colour" in found:
            draft.colour = self.read_colour(found["colour"][1], key)
        if "parent" in found:
            parent = self.text(found["parent"][1], key, "parent")
            draft.parent_given = parent or None
            draft.parent_line = _line(found["parent"][1])
            if parent == "":
                self.problem(found["parent"][1], key, "parent is empty: name an existing code "
                                                      "or remove the field")
        if "patterns" in found:
            draft.patterns = self.read_patterns(found["patterns"][1], key)
        if "veto" in found:
            draft.veto = self.read_patterns(found["veto"][1], key, role="veto")
        if "negation" in found:
            draft.negation = self.read_negation(found["negation"][1], key)
        if "translations" in found:
            draft.translations = self.read_translations(found["translations"][1], key)
        if "codes" in found:
            codes_node = found["codes"][1]
            if isinstance(codes_node, ScalarNode) and codes_node.tag == NULL_TAG:
                return
            if not isinstance(codes_node, MappingNode):
                self.problem(codes_node, key, "codes must be a mapping of code keys to codes")
                return
            for child, child_key_node, child_node in self.items(codes_node, key):
                self.read_code(child, child_key_node, child_node, dimension=draft.dimension,
                               enclosing=key)

    def read_translations(self, node: Node, key: str
                          ) -> tuple[tuple[str, str | None, str | None], ...]:
        """translations: {zh: {name: ..., definition: ...}}: the code's name and definition in
        other languages, shown with documents in that language."""
        if isinstance(node, ScalarNode) and node.tag == NULL_TAG:
            return ()
        if not isinstance(node, MappingNode):
            self.problem(node, key, "translations must be a mapping of language codes to "
                                    "{name: ..., definition: ...}, e.g. zh: {name: 补贴}")
            return ()
        out = []
        for written, language_node, value in self.items(node, key):
            language = self.check_language(language_node, key, written)
            if language is None:
                continue
            if language == self.language:
                self.problem(language_node, key, f"a translation into '{language}', the "
                                                 "codebook's own language; write it as the "
                                                 "name and definition instead")
                continue
            if not isinstance(value, MappingNode):
                self.problem(value, key, f"translations.{language} must be a mapping with "
                                         "name and/or definition")
                continue
            found = self.fields(value, key, TRANSLATION_FIELDS, f"translations.{language}")
            texts = {}
            for name, (_, text_node) in found.items():
                text = self.text(text_node, key, f"translations.{language}.{name}")
                if text == "":
                    self.problem(text_node, key, f"translations.{language}.{name} is empty")
                elif text is not None:
                    texts[name] = text
            if not found:
                self.problem(value, key, f"translations.{language} needs a name or a "
                                         "definition")
            elif texts:
                out.append((language, texts.get("name"), texts.get("definition")))
        return tuple(out)

    def read_colour(self, node: Node, key: str) -> str | None:
        colour = self.text(node, key, "colour")
        if colour == "":
            self.problem(node, key, "colour is empty; quote it (colour: \"#1f77b4\"), because an "
                                    "unquoted # starts a YAML comment")
            return None
        if colour is not None and not COLOUR_RE.fullmatch(colour):
            self.problem(node, key, f"invalid colour '{colour}': use \"#RRGGBB\" or \"#RGB\"")
            return None
        return colour

    def read_patterns(self, node: Node, key: str, role: str = "suggest") -> list[PatternDef]:
        field_name = "veto" if role == "veto" else "patterns"
        if isinstance(node, ScalarNode) and node.tag == NULL_TAG:
            return []
        if not isinstance(node, SequenceNode):
            self.problem(node, key, f"{field_name} must be a list of entries such as "
                                    "'- phrase: ...'")
            return []
        out = []
        for number, item in enumerate(node.value, start=1):
            pattern = self.read_pattern(item, key, number, role)
            if pattern is not None:
                out.append(pattern)
        return out

    def read_pattern(self, node: Node, key: str, number: int, role: str = "suggest"
                     ) -> PatternDef | None:
        label = f"veto pattern #{number}" if role == "veto" else f"pattern #{number}"
        if not isinstance(node, MappingNode):
            self.problem(node, key, f"{label} must be a mapping with one of phrase, lemma, tokens")
            return None
        found = self.fields(node, key, PATTERN_FIELDS, label)
        kinds = [kind for kind in PATTERN_KINDS if kind in found]
        if len(kinds) != 1:
            given = ", ".join(kinds) if kinds else "none"
            self.problem(node, key, f"{label} needs exactly one of phrase, lemma, tokens "
                                    f"(found: {given})")
            return None
        language = self.language_of(found, key)
        kind = kinds[0]
        value_node = found[kind][1]
        value = (self.read_tokens(value_node, key, label) if kind == "tokens"
                 else self.read_words(value_node, key, label, kind))
        negation = _INHERIT
        if "negation" in found:
            negation = self.read_negation(found["negation"][1], key)
        if value is None or language is None or negation is None:
            return None
        number_text = f"veto{number}" if role == "veto" else str(number)
        return PatternDef(kind=kind, value=value, language=language, line=_line(node),
                          rule_id=f"{key}#{number_text}", role=role, negation=negation)

    def language_of(self, found: dict[str, tuple[Node, Node]], key: str) -> str | None:
        # The codebook's language may be declared after the dimensions, so a pattern without `lang`
        # gets a placeholder that _build replaces with the final default.
        if "lang" not in found:
            return _DEFAULT_LANGUAGE_MARK
        node = found["lang"][1]
        language = self.text(node, key, "lang")
        return None if language is None else self.check_language(node, key, language)

    def read_words(self, node: Node, key: str, label: str, kind: str) -> str | tuple | None:
        """A phrase or lemma: one string, or a list of variant strings (any of them matches)."""
        if isinstance(node, SequenceNode):
            if not node.value:
                self.problem(node, key, f"{label}: the {kind} list is empty")
                return None
            variants = self.text_list(node, key, f"the {kind} variants of {label}")
            return variants if len(variants) == len(node.value) else None
        words = self.text(node, key, kind)
        if words == "":
            self.problem(node, key, f"{label}: the {kind} is empty")
            return None
        return words

    def read_tokens(self, node: Node, key: str, label: str) -> list | None:
        if not isinstance(node, SequenceNode) or not node.value:
            self.problem(node, key, f"{label}: tokens must be a non-empty list of mappings, "
                                    "one per token, e.g. [{LOWER: land}, {LEMMA: cost}]")
            return None
        tokens = []
        for item in node.value:
            if not isinstance(item, MappingNode):
                self.problem(item, key, f"{label}: each token must be a mapping such as "
                                        "{LOWER: land}")
                return None
            try:
                tokens.append(self.plain(item, key))
            except _Unbuildable as exc:
                self.problem(item, key, f"{label}: {exc}")
                return None
        return tokens


class _Unbuildable(Exception):
    """A token pattern value that cannot become plain Python data."""


_DEFAULT_LANGUAGE_MARK = "\0default"


def _resolve_parents(reader: _Reader) -> dict[str, str | None]:
    """Each draft's parent key. `parent:` overrides nesting for codes placed directly under their
    dimension; on a code nested inside another code it must agree with the nesting."""
    drafts = {draft.key: draft for draft in reader.drafts}
    parents: dict[str, str | None] = {}
    for draft in reader.drafts:
        parents[draft.key] = None if draft.is_dimension else draft.enclosing
        given = draft.parent_given
        if given is None:
            continue
        if draft.is_dimension:
            continue  # reported as an unknown field already
        target = drafts.get(given)
        if target is None:
            others = [key for key in drafts if key != draft.key]
            close = difflib.get_close_matches(given, others, n=1, cutoff=0.85)
            guess = f" (did you mean '{close[0]}'?)" if close else ""
            reader.problem(draft.parent_line, draft.key,
                           f"unknown parent '{given}'{guess}: parent must be the full key of an "
                           "existing code, e.g. 'innovation.cell-design'")
        elif given == draft.key:
            reader.problem(draft.parent_line, draft.key, "a code cannot be its own parent")
        elif target.dimension != draft.dimension:
            reader.problem(draft.parent_line, draft.key,
                           f"parent '{given}' is in dimension '{target.dimension}', not "
                           f"'{draft.dimension}'; move the code into that dimension")
        elif draft.enclosing != draft.dimension and given != draft.enclosing:
            reader.problem(draft.parent_line, draft.key,
                           f"parent '{given}' contradicts the nesting under '{draft.enclosing}'; "
                           "either nest the code or give it a parent, not both")
        else:
            parents[draft.key] = given
    _report_cycles(reader, parents)
    return parents


def _report_cycles(reader: _Reader, parents: dict[str, str | None]) -> None:
    lines = {draft.key: draft.parent_line or draft.line for draft in reader.drafts}
    reported: set[str] = set()
    for start in parents:
        path: list[str] = []
        node: str | None = start
        while node is not None and node not in path and node not in reported:
            path.append(node)
            node = parents.get(node)
        if node is None or node in reported or node not in path:
            reported.update(path)
            continue
        cycle = path[path.index(node):]
        reported.update(path)
        chain = " -> ".join(cycle + [node])
        first = min(cycle, key=lambda key: lines[key])
        reader.problem(lines[first], first, f"parent cycle: {chain}; one of these parents is wrong")


def _negation_of(draft: _Draft, drafts: dict[str, _Draft], default: str) -> str:
    """The negation setting of the nearest of: the code, the codes it is nested in, its
    dimension; else the codebook section's (default "lower")."""
    node: _Draft | None = draft
    while node is not None:
        if node.negation is not None:
            return node.negation
        node = drafts.get(node.enclosing) if node.enclosing else None
    return default


def _build(reader: _Reader, text: str, source: str | None) -> Codebook:
    parents = _resolve_parents(reader)
    codes = []
    languages = set()
    drafts = {draft.key: draft for draft in reader.drafts}
    for draft in reader.drafts:
        inherited = _negation_of(draft, drafts, reader.negation)
        patterns = []
        for pattern in [*draft.patterns, *draft.veto]:
            language = (reader.language if pattern.language == _DEFAULT_LANGUAGE_MARK
                        else pattern.language)
            pattern = replace(pattern, language=language,
                              negation=pattern.negation or inherited)
            languages.add(pattern.language)
            patterns.append(pattern)
        codes.append(CodeDef(
            key=draft.key, name=draft.name, dimension=draft.dimension, parent=parents[draft.key],
            definition=draft.definition, include=draft.include, exclude=draft.exclude,
            examples=draft.examples, colour=draft.colour, patterns=tuple(patterns),
            is_dimension=draft.is_dimension, line=draft.line, order=draft.order,
            translations=draft.translations,
            renamed_from=draft.renamed_from))
    name = reader.name or (Path(source).stem if source else "Codebook")
    return Codebook(name=name, version=reader.version, language=reader.language,
                    languages=tuple(sorted(languages)), codes=codes, source=source,
                    warnings=tuple(sorted(reader.warnings, key=lambda p: p.line or 0)),
                    sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())


def _syntax_problem(exc: yaml.YAMLError, text: str) -> CodebookProblem:
    if isinstance(exc, safe_yaml.YamlLimitError):
        line, message = safe_yaml.problem(exc)
        return CodebookProblem(line, None, f"refused: {message}")
    if isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, exc.position) + 1
        return CodebookProblem(line, None, f"YAML cannot contain character "
                                           f"#x{exc.character:04x} ({exc.reason})")
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    message = f"YAML syntax error: {problem}"
    if context and context_mark is not None:
        message += f" ({context} at line {context_mark.line + 1})"
    return CodebookProblem(mark.line + 1 if mark else None, None, message)


def parse_codebook(text: str, *, source: str | None = None
                   ) -> tuple[Codebook | None, list[CodebookProblem]]:
    """Parse codebook YAML. Returns (codebook, []) when clean, (None, problems) otherwise; every
    problem found is listed, each with its 1-based line."""
    try:
        root = safe_yaml.compose(text, safe_yaml.CODEBOOK)
    except yaml.YAMLError as exc:
        return None, [_syntax_problem(exc, text)]
    if root is None:
        return None, [CodebookProblem(None, None, "the codebook is empty")]
    reader = _Reader()
    reader.read(root)
    codebook = _build(reader, text, source) if reader.drafts else None
    if reader.problems:
        return None, sorted(reader.problems, key=lambda p: (p.line or 0))
    return codebook, []


_FOREIGN_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
                 (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"))


def read_codebook_text(path: Path) -> str:
    """The file as UTF-8 text (a UTF-8 BOM is dropped); other encodings are refused."""
    try:
        size = Path(path).stat().st_size
        if size > safe_yaml.CODEBOOK.max_bytes:
            raise InputError(f"the file is {size / 1024 / 1024:.1f} MB; a codebook is at most "
                             f"{safe_yaml.CODEBOOK.max_bytes // 1024 // 1024} MB",
                             where=str(path), hint="check that this is the codebook")
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the codebook: {exc.strerror or exc}", where=str(path),
                         hint="check the path") from None
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    for bom, name in _FOREIGN_BOMS:
        if data.startswith(bom):
            raise InputError(f"the codebook is encoded as {name}", where=str(path),
                             hint="save it as UTF-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(f"the codebook is not valid UTF-8 (byte 0x{data[exc.start]:02x})",
                         where=f"{path}:{line}", hint="save it as UTF-8") from None


def load_codebook(path: Path) -> Codebook:
    """Read and parse a codebook file; raise CodebookError listing every problem."""
    codebook, problems = parse_codebook(read_codebook_text(path), source=str(path))
    if problems or codebook is None:
        first = problems[0].one_line(str(path)) if problems else str(path)
        raise CodebookError(f"{len(problems)} problem(s) in the codebook", problems=problems,
                            where=str(path),
                            hint=f"fix each listed problem and load again; first: {first}")
    return codebook


# -- writing ---------------------------------------------------------------------------------------

def _pattern_entry(pattern: PatternDef, language: str) -> dict:
    value = pattern.value
    if isinstance(value, tuple):
        value = list(value)
    entry = {pattern.kind: value}
    if pattern.language != language:
        entry["lang"] = pattern.language
    if pattern.negation != DEFAULT_NEGATION:
        entry["negation"] = pattern.negation
    return entry


def _code_entry(code: CodeDef, structural_parent: str | None, children: dict[str, list[CodeDef]],
                language: str) -> dict:
    entry: dict[str, Any] = {"name": code.name, "definition": code.definition}
    if code.colour:
        entry["colour"] = code.colour
    for list_field in ("include", "exclude", "examples"):
        values = getattr(code, list_field)
        if values:
            entry[list_field] = list(values)
    if not code.is_dimension and code.parent != structural_parent:
        entry["parent"] = code.parent
    suggesting = [p for p in code.patterns if p.role != "veto"]
    vetoes = [p for p in code.patterns if p.role == "veto"]
    if suggesting:
        entry["patterns"] = [_pattern_entry(p, language) for p in suggesting]
    if vetoes:
        entry["veto"] = [_pattern_entry(p, language) for p in vetoes]
    if code.translations:
        entry["translations"] = code.translations_dict()
    kids = children.get(code.key, [])
    if kids:
        entry["codes"] = {kid.key.rsplit(".", 1)[1]: _code_entry(kid, code.key, children, language)
                          for kid in kids}
    return entry


def codebook_to_yaml(codebook: Codebook) -> str:
    """The codebook in the YAML format parse_codebook reads. Codes sit where their key says
    ("a.b.c" inside "a.b"); a parent that differs from that place is written as `parent:`."""
    keys = {code.key for code in codebook.codes}
    children: dict[str, list[CodeDef]] = {}
    dimensions = []
    for code in sorted(codebook.codes, key=lambda c: c.order):
        if code.is_dimension:
            dimensions.append(code)
            continue
        place = code.key.rsplit(".", 1)[0] if "." in code.key else None
        if place not in keys:
            raise CodebookError(f"code '{code.key}' cannot be written: no code '{place}' to "
                                "hold it", where=code.key,
                                hint="codes must sit under an existing code or dimension")
        children.setdefault(place, []).append(code)
    document: dict[str, Any] = {META_KEY: {"name": codebook.name, "version": codebook.version,
                                           "language": codebook.language}}
    for dimension in dimensions:
        document[dimension.key] = _code_entry(dimension, None, children, codebook.language)
    header = (f"# qualcode codebook: {codebook.name}, version {codebook.version}.\n"
              "# Format: codebooks/README.md in the qualcode repository.\n")
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100,
                                   default_flow_style=False)
