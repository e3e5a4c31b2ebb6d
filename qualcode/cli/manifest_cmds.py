"""manifest: which tools, codebook, transcripts, coders and models a project's tables rest on."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from qualcode.cli.common import JsonOpt, console, emit_json, project_session
from qualcode.cli.export_guard import Export, KeyOpt, PseudonymiseOpt


def register(app: typer.Typer) -> None:
    app.command("manifest")(manifest)


def manifest(
    ctx: typer.Context,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the manifest to this file (default: print it).")] = None,
    pseudonymise: PseudonymiseOpt = False,
    key: KeyOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """The run manifest, as JSON: tool, Python, spaCy, lookups and jieba versions, the
    suggestion pipeline of each language, the codebook (file sha256, name, version, and a sha256
    of the codes as the project holds them), every transcript's sha256, coders with their coding
    counts, the settings of stored suggestions and the trained model's fingerprint. Two
    manifests of an unchanged project differ only in created_at. For a data deposit,
    --pseudonymise replaces the key's names (in document, project and coder names) as the
    exports do, and refuses to write if one is left."""
    from qualcode.formats.manifest_json import manifest_text, write_text_atomically
    from qualcode.services.manifest import build_manifest

    export = Export(ctx, pseudonymise=pseudonymise, key=key)
    with project_session(ctx, write=False) as session:
        data = export.data(build_manifest(session))
    text = manifest_text(data)
    export.check(text, str(output) if output is not None else "standard output")
    if output is None:
        sys.stdout.write(text)
        return
    write_text_atomically(output, text)
    if json_out:  # the manifest itself is JSON; with -o, --json says where it went
        emit_json({"path": str(output), "transcripts": len(data["transcripts"])})
        return
    console.print(f"Wrote {output} ({len(data['transcripts'])} transcripts).")
