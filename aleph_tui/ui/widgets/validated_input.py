"""A labelled Input checked by one of core's validators as the user types.

The check is a function of ``aleph_tui.core.validation`` (or a closure over one): it
returns the normalised value or raises ``InvalidInput``, whose text names the field and
the rule (``amount: must have at most 6 decimals for USDC``). That text shows right under
the input; a valid value can show a hint instead (its USD worth, the resolved address).

An empty required field is invalid but not shouted at: its line stays quiet until the
user types (unless ``check_empty``: a field with a default, such as the channel, says at
once what is wrong with blanking it). Forms listen to ``ValidatedInput.Changed`` and read
``is_valid``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.suggester import Suggester
from textual.validation import ValidationResult, Validator
from textual.widgets import Input, Label, Static

from aleph_tui.core.validation import InvalidInput

T = TypeVar("T")


class _CoreCheck(Validator, Generic[T]):
    """Textual's side of the check: drives the Input's ``-invalid`` style."""

    def __init__(self, owner: ValidatedInput[T]) -> None:
        super().__init__()
        self.owner = owner

    def validate(self, value: str) -> ValidationResult:
        error = self.owner._check_value(value)[1]
        return self.success() if error is None else self.failure(error, value)


class ValidatedInput(Vertical, Generic[T]):
    """``label`` above an Input, and the field's rule (or a hint) below it."""

    DEFAULT_CSS = """
    ValidatedInput { height: auto; }
    ValidatedInput > .field-label { color: $text-muted; }
    ValidatedInput > .field-rule { height: auto; min-height: 1; color: $text-muted; padding: 0 1; }
    ValidatedInput > .field-rule.-error { color: $text-error; }
    """

    class Changed(Message):
        """The value changed and was checked again."""

        def __init__(self, field: ValidatedInput[Any], value: str, valid: bool) -> None:
            super().__init__()
            self.field = field
            self.value = value
            self.valid = valid

        @property
        def control(self) -> ValidatedInput[Any]:
            return self.field

    def __init__(
        self,
        label: str,
        check: Callable[[str], T],
        *,
        value: str = "",
        placeholder: str = "",
        optional: bool = False,
        describe: Callable[[T], str] | None = None,
        suggester: Suggester | None = None,
        restrict: str | None = None,
        tooltip: str | None = None,
        check_empty: bool = False,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.label = label
        self.check_empty = check_empty
        self._check = check
        self.optional = optional
        self._describe = describe
        self._external_error: str | None = None
        self._last: tuple[str, T | None, str | None] | None = None  # text, value, error
        self._input = Input(
            value=value,
            placeholder=placeholder,
            suggester=suggester,
            restrict=restrict,
            validators=[_CoreCheck(self)],
            valid_empty=True,  # an empty field is not an error, just not done yet
            id=f"{id}-input" if id else None,
            tooltip=tooltip,
        )
        self._rule = Static("", classes="field-rule")
        self._rule_text = ""

    def compose(self) -> ComposeResult:
        yield Label(self.label, classes="field-label")
        yield self._input
        yield self._rule

    def on_mount(self) -> None:
        self._show()

    # --- state ------------------------------------------------------------------------

    @property
    def input(self) -> Input:
        return self._input

    @property
    def value(self) -> str:
        return self._input.value

    @value.setter
    def value(self, text: str) -> None:
        self._input.value = text

    @property
    def is_empty(self) -> bool:
        return not self.value.strip()

    @property
    def result(self) -> T | None:
        """The normalised value, or None while the field is empty or invalid."""
        if self._quiet or self._external_error is not None:
            return None
        return self._check_value(self.value)[0]

    @property
    def error(self) -> str | None:
        """The rule the value breaks (None when valid or still empty)."""
        if self._external_error is not None:
            return self._external_error
        if self._quiet:
            return None
        return self._check_value(self.value)[1]

    @property
    def is_valid(self) -> bool:
        if self._external_error is not None:
            return False
        if self._quiet:
            return self.optional
        return self._check_value(self.value)[1] is None

    @property
    def _quiet(self) -> bool:
        """Empty, and not checked as such: not done yet rather than wrong."""
        return self.is_empty and not self.check_empty

    def _check_value(self, text: str) -> tuple[T | None, str | None]:
        if not text.strip() and not self.check_empty:
            return None, None
        if self._last is not None and self._last[0] == text:
            return self._last[1], self._last[2]
        value: T | None = None
        error: str | None = None
        try:
            value = self._check(text)
        except InvalidInput as exc:
            error = str(exc)
        self._last = (text, value, error)
        return value, error

    # --- changes ----------------------------------------------------------------------

    def set_check(self, check: Callable[[str], T]) -> None:
        """Swap the rule (e.g. another token's decimals) and check the value again."""
        self._check = check
        self._last = None
        self.revalidate()

    def revalidate(self) -> None:
        """Check the value again (the rule or what it depends on changed)."""
        self._external_error = None
        self._last = None
        self._input.validate(self._input.value)
        self._show()
        self.post_message(self.Changed(self, self.value, self.is_valid))

    def show_error(self, error: InvalidInput | str) -> None:
        """A rule reported by the service (e.g. the token's real decimals), shown until
        the value changes."""
        self._external_error = str(error)
        self._input.set_class(True, "-invalid")
        self._show()
        self.post_message(self.Changed(self, self.value, False))

    def clear(self) -> None:
        self._external_error = None
        self._input.clear()

    @property
    def rule_text(self) -> str:
        """What the line under the input shows now: the broken rule, or a hint."""
        return self._rule_text

    def _show(self) -> None:
        error = self.error
        if self.check_empty and self.is_empty:  # Input skips its validators when empty
            self._input.set_class(error is not None, "-invalid")
        if error is not None:
            self._rule_text = error
            self._rule.set_class(True, "-error")
        else:
            self._rule.set_class(False, "-error")
            result = self.result
            if result is not None and self._describe is not None:
                self._rule_text = self._describe(result)
            else:
                self._rule_text = "optional" if self.is_empty and self.optional else ""
        self._rule.update(Content(self._rule_text))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input is not self._input:
            return
        event.stop()
        self._external_error = None
        self._show()
        self.post_message(self.Changed(self, event.value, self.is_valid))

    def focus_input(self) -> None:
        self._input.focus()
