"""The run manifest: what a methods appendix or a data deposit needs to say which inputs and
which tools produced a table.

Everything in it is read from the project and the installed packages, in a fixed order, so two
manifests of an unchanged project are equal apart from `created_at`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
from importlib import metadata

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qualcode import __version__
from qualcode.storage.models import (
    Code,
    CodebookVersion,
    Coder,
    Coding,
    Document,
    Event,
    ProjectInfo,
    Suggestion,
    TrainedModel,
)

MANIFEST_FORMAT = "qualcode-manifest/1"
# Packages whose versions shape what qualcode computes (tokens, lemmas, words, statistics).
PACKAGES = ("spacy", "spacy-lookups-data", "jieba", "SQLAlchemy")


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _sha256(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False,
                                     default=str).encode("utf-8")).hexdigest()


def codebook_section(session: Session) -> dict:
    """The codebook file last loaded (name, version, its sha256) and a sha256 of the codebook as
    the project holds it now (codes renamed, moved or added since loading change it)."""
    loaded = session.scalars(select(CodebookVersion)
                             .order_by(CodebookVersion.loaded_at.desc(),
                                       CodebookVersion.id.desc())).first()
    codes = session.execute(
        select(Code.key, Code.name, Code.definition, Code.include, Code.exclude, Code.patterns,
               Code.translations, Code.retired, Code.is_dimension).order_by(Code.key)).all()
    return {
        "name": loaded.name if loaded else None,
        "version": loaded.version if loaded else None,
        "file_sha256": loaded.sha256 if loaded else None,
        "codes": len(codes),
        "patterns": sum(len(c.patterns or ()) for c in codes),
        "project_sha256": _sha256([list(c) for c in codes]) if codes else None,
    }


def _pipelines(session: Session, languages: list[str]) -> dict:
    """{language: description and key} of the suggestion pipeline each language gets (built as
    `suggest` builds them; spaCy only here)."""
    from qualcode.services.codebook import live_codebook

    if not session.scalar(select(func.count()).select_from(Code)
                          .where(Code.retired.is_(False))):
        return {}
    from qualcode.nlp.pipeline import build_pipelines

    codebook = live_codebook(session)
    pipes = build_pipelines(codebook, set(languages) or {codebook.language})
    return {lang: {"description": p.description, "pipeline_sha256": p.pipeline_key}
            for lang, p in sorted(pipes.items())}


def build_manifest(session: Session, *, pipelines: bool = True,
                   now: dt.datetime | None = None) -> dict:
    """The manifest as a plain dict (formats writes it). `pipelines=False` leaves out the
    pipeline descriptions, which need spaCy."""
    info = dict(session.execute(select(ProjectInfo.key, ProjectInfo.value)).all())
    docs = session.execute(
        select(Document.name, Document.sha256, Document.file_sha256, Document.language,
               Document.language_detected, Document.encoding, Document.source_filename,
               Document.words, Document.synthetic).order_by(Document.name)).all()
    languages = sorted({d.language or "en" for d in docs})
    counts = dict(session.execute(
        select(Coder.name, func.count(Coding.id)).join(Coding, Coding.coder_id == Coder.id)
        .group_by(Coder.name)).all())
    by_origin: dict[str, dict[str, int]] = {}
    for name, origin, n in session.execute(
            select(Coder.name, Coding.origin, func.count(Coding.id))
            .join(Coding, Coding.coder_id == Coder.id).group_by(Coder.name, Coding.origin)):
        by_origin.setdefault(name, {})[origin] = n
    coders = [{"name": name, "codings": counts.get(name, 0),
               "by_origin": dict(sorted(by_origin.get(name, {}).items()))}
              for name in session.scalars(select(Coder.name).order_by(Coder.name))]
    settings: dict[tuple, dict[str, int]] = {}
    for method, unit, pipeline, sha, status, n in session.execute(
            select(Suggestion.method, Suggestion.unit, Suggestion.pipeline,
                   Suggestion.codebook_sha256, Suggestion.status, func.count(Suggestion.id))
            .group_by(Suggestion.method, Suggestion.unit, Suggestion.pipeline,
                      Suggestion.codebook_sha256, Suggestion.status)):
        settings.setdefault((method, unit, pipeline, sha), {})[status] = n
    suggestions = [{"method": m, "unit": u, "pipeline": p, "codebook_sha256": s,
                    "by_status": dict(sorted(st.items()))}
                   for (m, u, p, s), st in sorted(settings.items())]
    runs = _suggest_runs(session)
    model = session.scalars(select(TrainedModel)
                            .order_by(TrainedModel.created_at.desc(),
                                      TrainedModel.id.desc())).first()
    created = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    return {
        "format": MANIFEST_FORMAT,
        "created_at": created.isoformat().replace("+00:00", "Z"),
        "project": info.get("name"),
        "tool": {"qualcode": __version__, "python": platform.python_version(),
                 **{p.lower(): _version(p) for p in PACKAGES}},
        "pipelines": _pipelines(session, languages) if pipelines else None,
        "codebook": codebook_section(session),
        "transcripts": [
            {"name": d.name, "sha256": d.sha256, "file_sha256": d.file_sha256,
             "language": d.language, "language_detected": bool(d.language_detected),
             "encoding": d.encoding, "source": d.source_filename, "words": d.words,
             "synthetic": bool(d.synthetic)}
            for d in docs
        ],
        "coders": coders,
        "suggestions": suggestions,
        "suggest_runs": runs,
        "model": None if model is None else {
            "kind": model.kind, "fingerprint": model.fingerprint, "pipeline": model.pipeline,
            "labels": len(model.labels or ()),
            "data_sha256": hashlib.sha256(model.data).hexdigest(),
        },
    }


# What a `suggest` run was asked to do (its event's `after`); null where an older qualcode did not
# record it.
RUN_SETTINGS = ("method", "unit", "include_interviewer", "threshold", "model", "only_documents",
                "codebook_sha256")


def _suggest_runs(session: Session) -> list[dict]:
    """Each distinct setting `suggest` was run with, oldest first: how many runs, and the last."""
    runs: dict[str, dict] = {}
    for at, after in session.execute(select(Event.at, Event.after)
                                     .where(Event.action == "suggestions.generate")
                                     .order_by(Event.id)):
        settings = {k: (after or {}).get(k) for k in RUN_SETTINGS}
        key = json.dumps(settings, sort_keys=True)
        run = runs.setdefault(key, {**settings, "runs": 0})
        run["runs"] += 1
        run["last_run"] = _utc(at)
    return list(runs.values())


def _utc(at: dt.datetime) -> str:
    if at.tzinfo is None:  # SQLite gives back naive UTC
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def without_timestamp(manifest: dict) -> dict:
    return {k: v for k, v in manifest.items() if k != "created_at"}
