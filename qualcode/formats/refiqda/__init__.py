"""REFI-QDA exchange: codebooks (.qdc) and projects (.qdpx, .qde) shared with NVivo, ATLAS.ti,
MAXQDA, QualCoder, Taguette and qc.

    model.py      the dataclasses both directions use; GUID helpers
    writer.py     .qdc / .qdpx output, in XSD element order, deterministic
    xmlparse.py   defusedxml parsing, elements -> model, matched on local names
    archive.py    a .qdpx read in memory with caps (members, bytes, ratio), hostile names refused
    reader.py     any REFI file -> RefiFile: codes, project parts, source texts, what was skipped
    positions.py  the producer's position convention, detected and mapped to code points
    codetext.py   a code's Description <-> definition, include/exclude, examples, key
    keys.py       REFI codes -> qualcode keys, and which existing codes they are
    schemas/      the REFI XSDs (MIT), shipped for reference and used by the tests

No database and no spaCy here: services/refi_export.py and refi_import.py connect this to a project.
"""

from pathlib import Path

from .archive import DEFAULT_LIMITS, Limits
from .positions import EXPORT_CONVENTION
from .reader import RefiFile, Skipped, SourceText, read_refi

SCHEMAS = Path(__file__).with_name("schemas")
PROJECT_XSD = SCHEMAS / "Project-mrt2019.xsd"
CODEBOOK_XSD = SCHEMAS / "Codebook.xsd"

__all__ = [
    "CODEBOOK_XSD",
    "DEFAULT_LIMITS",
    "EXPORT_CONVENTION",
    "Limits",
    "PROJECT_XSD",
    "RefiFile",
    "SCHEMAS",
    "Skipped",
    "SourceText",
    "read_refi",
]
