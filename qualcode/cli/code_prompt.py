"""Asking for a code on the terminal: a one-line prompt (prompt_toolkit) that completes and
fuzzy-matches codes as one types. Tab completes (again: the next match), Enter takes the
highlighted or best match, Esc, Ctrl-C or an empty Enter cancel (None)."""

from __future__ import annotations

from qualcode.services.code_finder import CodeChoice, rank, resolve


def _completer(codes: list[CodeChoice]):
    from prompt_toolkit.completion import Completer, Completion

    class CodeCompleter(Completer):
        def get_completions(self, document, complete_event):
            typed = document.text_before_cursor
            for c in rank(codes, typed)[:30]:
                yield Completion(c.key, start_position=-len(typed),
                                 display=f"{c.key}  {c.name}",
                                 display_meta=c.definition[:80])

    return CodeCompleter()


def ask_code(codes: list[CodeChoice], *, message: str = "code (Tab completes, Esc cancels): ",
             input=None, output=None) -> str | None:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.key_binding import KeyBindings

    bindings = KeyBindings()

    @bindings.add("escape", eager=True)
    def _cancel(event) -> None:
        event.app.exit(result="")

    @bindings.add("c-c")
    def _interrupt(event) -> None:
        event.app.exit(result="")

    session = PromptSession(completer=_completer(codes), complete_while_typing=True,
                            key_bindings=bindings, input=input, output=output)
    answer = session.prompt(message)
    return resolve(codes, answer) if answer and answer.strip() else None
