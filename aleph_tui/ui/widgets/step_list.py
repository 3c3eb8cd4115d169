"""The steps of an operation in flight (signed → sent → confirmed → …), one per line.

Each step is waiting, active, done, pending (a deadline passed; it may still happen),
failed or skipped, with a detail (a hash, a reason in words) and an optional link.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

StepState = Literal["waiting", "active", "done", "pending", "failed", "skipped"]

_ICONS: dict[StepState, tuple[str, str]] = {
    "waiting": ("○", "dim"),
    "active": ("◌", "bold"),
    "done": ("✓", "bold green"),
    "pending": ("…", "bold yellow"),
    "failed": ("✗", "bold red"),
    "skipped": ("–", "dim"),
}


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    state: StepState = "waiting"
    detail: str = ""
    link: str | None = None


class StepList(Static):
    """A vertical checklist of an operation's steps."""

    DEFAULT_CSS = """
    StepList { height: auto; padding: 0 1; }
    """

    def __init__(self, steps: Sequence[tuple[str, str]] = (), *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._steps: list[Step] = [Step(key, label) for key, label in steps]

    def on_mount(self) -> None:
        self._render_steps()

    @property
    def steps(self) -> list[Step]:
        return list(self._steps)

    def states(self) -> dict[str, StepState]:
        return {step.key: step.state for step in self._steps}

    def reset(self, steps: Sequence[tuple[str, str]] | None = None) -> None:
        """Start over: every step waiting (optionally a new list of steps)."""
        pairs = [(s.key, s.label) for s in self._steps] if steps is None else list(steps)
        self._steps = [Step(key, label) for key, label in pairs]
        self._render_steps()

    def mark(
        self, key: str, state: StepState, detail: str | None = None, link: str | None = None
    ) -> None:
        """Set one step's state; a step done makes the next waiting one active."""
        for index, step in enumerate(self._steps):
            if step.key != key:
                continue
            self._steps[index] = replace(
                step,
                state=state,
                detail=step.detail if detail is None else detail,
                link=step.link if link is None else link,
            )
            if state == "done" and index + 1 < len(self._steps):
                following = self._steps[index + 1]
                if following.state == "waiting":
                    self._steps[index + 1] = replace(following, state="active")
            break
        self._render_steps()

    def mark_current(self, state: StepState, detail: str) -> None:
        """Set the first step that is not done yet (where things stopped)."""
        for step in self._steps:
            if step.state not in ("done", "skipped"):
                self.mark(step.key, state, detail)
                return

    def skip_rest(self, detail: str = "") -> None:
        """Every step not done yet will not happen (a dry run, a cancellation)."""
        self._steps = [
            s
            if s.state in ("done", "failed", "skipped")
            else replace(s, state="skipped", detail=detail)
            for s in self._steps
        ]
        self._render_steps()

    def _render_steps(self) -> None:
        text = Text()
        for index, step in enumerate(self._steps):
            icon, style = _ICONS[step.state]
            if index:
                text.append("\n")
            text.append(f"{icon} ", style=style)
            text.append(step.label, style="dim" if step.state == "waiting" else "")
            if step.detail:  # on its own line: hashes stay whole, easy to select
                text.append("\n    ")
                text.append(step.detail, style=Style(link=step.link) if step.link else "")
        self.update(text)
