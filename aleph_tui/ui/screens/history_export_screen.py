"""The export dialog: format and file, then a progress bar while the pages stream to disk.

The export itself is core's (``CreditService.export_history``); this screen runs it in a
worker, follows its progress and can cancel it, which removes the partial file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import ClassVar, cast

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, ProgressBar, Select, Static
from textual.worker import Worker

from aleph_tui.core import validation
from aleph_tui.core.flows.history_export import (
    EXPORT_FORMATS,
    ExportFormat,
    ExportResult,
    ProgressCallback,
)
from aleph_tui.core.paths import export_dir
from aleph_tui.core.validation import InvalidInput
from aleph_tui.ui.widgets import amount_text as fmt

Exporter = Callable[[Path, ExportFormat, ProgressCallback], Awaitable[ExportResult]]


def default_export_path(address: str, fmt: ExportFormat, now: dt.datetime) -> Path:
    """In the user's download directory (core/paths.export_dir), named after the account
    and the instant: a new name each time."""
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%d-%H%M%S")
    return export_dir() / f"credit-history-{address[:10].lower()}-{stamp}.{fmt}"


class HistoryExportScreen(ModalScreen[ExportResult | None]):
    """Dismissed with the result, or None when cancelled before or during the export."""

    DEFAULT_CSS = """
    HistoryExportScreen { align: center middle; }
    HistoryExportScreen > Vertical {
        width: 90; max-width: 95%; height: auto;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    HistoryExportScreen Label { margin-top: 1; color: $text-muted; }
    HistoryExportScreen #export-error { color: $text-error; height: auto; margin-top: 1; }
    HistoryExportScreen #export-error.-empty { display: none; }
    HistoryExportScreen #export-progress { margin-top: 1; }
    HistoryExportScreen Horizontal { height: auto; align-horizontal: right; margin-top: 1; }
    HistoryExportScreen Button { margin-left: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "cancel",
            "Cancel",
            id="history-export-cancel",
            tooltip="Close the dialog; a running export stops and its partial file is removed",
        ),
    ]

    def __init__(
        self,
        export: Exporter,
        *,
        address: str,
        description: str,
        expected_rows: int | None,
        now: dt.datetime,
    ) -> None:
        super().__init__()
        self._export = export
        self._address = address
        self._description = description
        self._expected = expected_rows
        self._now = now
        self._path_edited = False
        self._worker: Worker[None] | None = None

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Export credit history"
            count = "" if self._expected is None else f"{fmt.count(self._expected)} entries · "
            yield Static(f"{count}{self._description}", id="export-what", markup=False)
            yield Label("Format")
            yield Select(
                [("CSV", "csv"), ("JSON", "json")],
                value="csv",
                allow_blank=False,
                id="export-format",
            )
            yield Label("File (a new one; nothing is overwritten)")
            yield Input(str(default_export_path(self._address, "csv", self._now)), id="export-path")
            yield Static("", id="export-error", classes="-empty", markup=False)
            yield ProgressBar(id="export-progress", show_eta=False)
            yield Static("", id="export-status", markup=False)
            with Horizontal():
                yield Button("Export", id="export-start", variant="primary")
                yield Button("Cancel", id="export-cancel")

    def on_mount(self) -> None:
        self.query_one("#export-progress").display = False
        self.query_one("#export-path", Input).focus()

    @property
    def running(self) -> bool:
        return self._worker is not None and self._worker.is_running

    def _format(self) -> ExportFormat:
        value = self.query_one("#export-format", Select).value
        return cast(ExportFormat, value if value in EXPORT_FORMATS else "csv")

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        path_input = self.query_one("#export-path", Input)
        path = Path(path_input.value)
        if path.suffix.lstrip(".") in EXPORT_FORMATS:
            path_input.value = str(path.with_suffix("." + self._format()))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.start()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "export-start":
            self.start()
        else:
            self.action_cancel()

    def start(self) -> None:
        if self.running:
            return
        try:
            path = validation.export_path(self.query_one("#export-path", Input).value)
        except InvalidInput as exc:
            self._show_error(str(exc))
            return
        self._show_error("")
        fmt = self._format()
        bar = self.query_one("#export-progress", ProgressBar)
        bar.update(total=self._expected or None, progress=0)
        bar.display = True
        self.query_one("#export-start", Button).disabled = True
        self.query_one("#export-status", Static).update(f"Writing {path.name}…")
        self._worker = self._run(path, fmt)

    def _show_error(self, text: str) -> None:
        error = self.query_one("#export-error", Static)
        error.update(text)
        error.set_class(not text, "-empty")

    def _progress(self, rows: int, total: int) -> None:
        self.query_one("#export-progress", ProgressBar).update(total=max(total, 1), progress=rows)
        self.query_one("#export-status", Static).update(
            f"{fmt.count(rows)} of {fmt.count(total)} entries written"
        )

    @work(name="history-export", group="history-export", exclusive=True, exit_on_error=False)
    async def _run(self, path: Path, fmt: ExportFormat) -> None:
        try:
            result = await self._export(path, fmt, self._progress)
        except Exception as exc:
            self.query_one("#export-start", Button).disabled = False
            self.query_one("#export-progress").display = False
            self.query_one("#export-status", Static).update("")
            text = str(exc).strip().splitlines()
            self._show_error(f"Export failed: {text[0] if text else type(exc).__name__}")
            return
        self.dismiss(result)

    def action_cancel(self) -> None:
        if self._worker is not None and self.running:
            self._worker.cancel()
            self.notify("Export cancelled; the partial file was removed", severity="warning")
        self.dismiss(None)
