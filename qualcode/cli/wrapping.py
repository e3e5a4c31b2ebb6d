"""Wrapping text that mixes Chinese (or Japanese) with Latin words at the terminal width.

Rich breaks lines only at spaces, so a Chinese turn, one long "word" to it, is cut with an
ellipsis. Here a line may also break between two wide (CJK) characters, as Chinese typesetting
does, but never before closing punctuation such as ，。」 nor after opening punctuation such as
「（, and Latin words stay whole unless one alone is wider than the line.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

# No line may start with these (kinsoku shori) ...
_NO_LINE_START = frozenset("，。、；：！？）」』》〉】〕”’…—·,.;:!?)]}%")
# ... nor end with these.
_NO_LINE_END = frozenset("（「『《〈【〔“‘([{")


def _wide(char: str) -> bool:
    return cell_len(char) == 2


def break_points(text: str) -> list[int]:
    """Offsets where a line may break, before the character at that offset."""
    points = []
    for i in range(1, len(text)):
        before, after = text[i - 1], text[i]
        if after in _NO_LINE_START or before in _NO_LINE_END:
            continue
        if before.isspace() and not after.isspace():
            points.append(i)
        elif (_wide(before) or _wide(after)) and not (before.isspace() or after.isspace()):
            points.append(i)
    return points


def line_starts(text: str, width: int) -> list[int]:
    """Offsets where wrapped lines begin (after the first), greedy, for each paragraph."""
    starts: list[int] = []
    width = max(width, 2)
    offset = 0
    for paragraph in text.split("\n"):
        if offset:
            starts.append(offset)
        points = break_points(paragraph)
        line_start, used, last_point, j = 0, 0, None, 0
        for i, char in enumerate(paragraph):
            while j < len(points) and points[j] <= i:
                if points[j] == i:
                    last_point = i
                j += 1
            used += cell_len(char)
            # spaces past the edge end the line (they are dropped); the next word starts the next
            if used > width and i > line_start and not char.isspace():
                cut = last_point if last_point and last_point > line_start else i
                starts.append(offset + cut)
                line_start = cut
                used = cell_len(paragraph[cut:i + 1])
                last_point = None
        offset += len(paragraph) + 1
    return starts


def soft_breaks(text: str) -> str:
    """Hard-wrapped text (a transcript saved at about 72 characters a line) with the line breaks
    inside its paragraphs turned into spaces, for display at another width. The result has the
    same length, so every offset still points at the same character. A break stays at a blank
    line, after a short line (the end of an utterance, not the wrapper's), and beside a wide
    (Chinese) character, which takes no space. Text whose breaks do not look like a wrapper's
    (most lines of a paragraph close to one width) is returned as it is."""
    lines = text.split("\n")
    lengths = sorted(len(line.rstrip()) for line in lines if line.strip())
    if len(lengths) < 4:
        return text
    wrap = lengths[int(0.9 * (len(lengths) - 1))]  # the wrapper's width, give or take
    if not 40 <= wrap <= 120:
        return text
    inside, soft = 0, []
    offset = 0
    for line, following in zip(lines, lines[1:], strict=False):
        offset += len(line) + 1  # just past this line's break
        before, after = line.rstrip(), following.lstrip()
        if not before or not after:
            continue
        inside += 1
        if len(before) >= 0.75 * wrap and not (_wide(before[-1]) or _wide(after[0])):
            soft.append(offset - 1)
    if len(soft) < 3 or len(soft) < 0.7 * inside:
        return text
    chars = list(text)
    for at in soft:
        chars[at] = " "
    return "".join(chars)


def line_window(text: str, span: tuple[int, int], width: int, budget: int) -> tuple[int, int]:
    """The text to show around span, as offsets [a, b) on wrapped-line boundaries: the span's own
    lines always, and around them whole lines, more above than below only where the text ends,
    up to budget lines in all. A speech's turn runs to hundreds of lines at 80 columns; shown
    whole, the suggested sentence scrolled out of sight."""
    starts = [0] + line_starts(text, width)
    ends = starts[1:] + [len(text)]
    first = max(i for i, a in enumerate(starts) if a <= span[0])
    last = max(i for i, a in enumerate(starts) if a < max(span[1], span[0] + 1))
    room = max(0, budget - (last - first + 1))
    below = min(len(starts) - 1 - last, room - min(first, room // 2))
    above = min(first, room - below)
    return starts[first - above], ends[last + below]


class Wrapped:
    """A Rich renderable: styled text wrapped by line_starts at whatever width it is given."""

    def __init__(self, text: Text):
        self.text = text

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        plain = self.text.plain
        starts = line_starts(plain, options.max_width)
        # Text.divide keeps the styles of coded spans; a newline in the text is dropped there.
        for line in self.text.divide(starts):
            line.rstrip()
            if line.plain.endswith("\n"):
                line.right_crop(1)
            line.no_wrap = True
            line.overflow = "fold"
            yield line

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widest = max((cell_len(line) for line in self.text.plain.split("\n")), default=0)
        return Measurement(min(4, widest), widest)


def bullets(items, indent: int = 2) -> Table:
    """A bulleted list whose items wrap under their own first word, not under the bullet."""
    grid = Table.grid(padding=(0, 1, 0, 0))
    grid.add_column(width=indent + 1, no_wrap=True)
    grid.add_column()
    for item in items:
        grid.add_row(" " * indent + "\u2022", Wrapped(Text(str(item))))
    return grid
