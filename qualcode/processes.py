"""Whether another process is still running: temporary files name their writer's process id, so
a command removes only those whose writer is gone, never one another command is still writing."""

from __future__ import annotations

import os


def alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)  # signal 0 checks without signalling
    except ProcessLookupError:
        return False
    except OSError:  # exists, but belongs to another user
        return True
    return True
