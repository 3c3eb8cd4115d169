"""Is the process that took a claim still running? A pid alone is not enough: a SIGKILLed
process may leave a zombie behind, and its pid may be given to another process later.

On Linux the process's start time (``/proc/PID/stat``) and the boot id tell the same
process from a later one with the same pid; elsewhere only the pid is checked, and the
claim's lease (its expiry) covers the rest.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ProcessIdentity:
    host: str
    pid: int
    started: str  # "<boot id>:<start time in ticks>", or "" where it cannot be read

    def is_alive(self) -> bool:
        """Whether this very process still runs (on this host; another host's cannot
        be seen from here, so it counts as alive until its lease expires)."""
        if self.host != socket.gethostname():
            return True
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass  # it exists, under another user
        stat = _stat(self.pid)
        if stat is None:
            return True  # no /proc: the pid is all there is
        if stat[0] == "Z":
            return False  # killed, not yet reaped by its parent
        return not self.started or self.started == _started(stat)


def current() -> ProcessIdentity:
    stat = _stat(os.getpid())
    return ProcessIdentity(
        socket.gethostname(), os.getpid(), _started(stat) if stat is not None else ""
    )


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name: state first."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def _started(stat: list[str]) -> str:
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        boot = ""
    return f"{boot}:{stat[19]}"  # field 22 of the file: starttime
