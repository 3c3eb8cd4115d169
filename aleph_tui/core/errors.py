"""The root of every failure a user can act on.

Each subclass carries one plain sentence, free of secrets, that the CLI prints as its one
line on stderr and the TUI shows as a notification.
"""

from __future__ import annotations


class ServiceError(Exception):
    pass
