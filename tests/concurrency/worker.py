"""One process of the concurrency and crash tests: runs a list of qualcode commands (a JSON list of
argument lists, from argv[1]) one after the other, in this process, as the installed `qualcode`
would, and prints one JSON line per command: its arguments, exit code, stdout and stderr."""

from __future__ import annotations

import json
import sys

from typer.testing import CliRunner

from qualcode.cli import app


def main() -> None:
    runner = CliRunner()
    for args in json.loads(sys.argv[1]):
        res = runner.invoke(app, args)
        crashed = res.exception is not None and not isinstance(res.exception, SystemExit)
        stderr = res.stderr
        if crashed:
            import traceback

            stderr += "".join(traceback.format_exception(res.exception))
        print(json.dumps({"args": args, "exit": res.exit_code, "stdout": res.stdout,
                          "stderr": stderr, "crashed": crashed}), flush=True)


if __name__ == "__main__":
    main()
