"""Typed attributes of cases and documents: inferring a type, converting values to and from the
canonical text form stored in the database."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualcode.errors import QualcodeError
from qualcode.storage.models import Attribute

TYPES = ("text", "integer", "float", "boolean", "date")
_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}


def infer_type(value: Any) -> str:
    """The type of a YAML value (front matter) or of a literal typed on the command line."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in ("true", "false"):
            return "boolean"
        try:
            int(text)
            return "integer"
        except ValueError:
            pass
        try:
            float(text)
            return "float"
        except ValueError:
            pass
        try:
            dt.date.fromisoformat(text)
            return "date"
        except ValueError:
            pass
    return "text"


def to_stored(value: Any, type_: str, *, name: str) -> str:
    """Canonical text for a value of the given type; a value that does not fit is a user error."""
    try:
        if type_ == "boolean":
            if isinstance(value, bool):
                return "true" if value else "false"
            text = str(value).strip().lower()
            if text in _TRUE:
                return "true"
            if text in _FALSE:
                return "false"
            raise ValueError(value)
        if type_ == "integer":
            if isinstance(value, bool):
                raise ValueError(value)
            return str(int(str(value).strip()))
        if type_ == "float":
            return repr(float(str(value).strip()))
        if type_ == "date":
            if isinstance(value, dt.date):
                return value.isoformat()
            return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError as exc:
        raise QualcodeError(
            f"attribute {name!r} is of type {type_}; {value!r} is not a {type_}",
            hint="give a value of that type",
        ) from exc
    if isinstance(value, list | dict):
        raise QualcodeError(
            f"attribute {name!r} must be a single value, not {type(value).__name__}"
        )
    return str(value)


def from_stored(text: str, type_: str) -> Any:
    if type_ == "boolean":
        return text == "true"
    if type_ == "integer":
        return int(text)
    if type_ == "float":
        return float(text)
    return text  # dates stay ISO strings: JSON-friendly and sortable


def get_or_create(session: Session, scope: str, name: str, value: Any) -> Attribute:
    attr = session.scalars(
        select(Attribute).where(Attribute.scope == scope, Attribute.name == name)
    ).one_or_none()
    if attr is None:
        attr = Attribute(scope=scope, name=name, type=infer_type(value))
        session.add(attr)
        session.flush()
    return attr
