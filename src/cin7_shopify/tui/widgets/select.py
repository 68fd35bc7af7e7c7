"""Textual's Select, its list of choices built when it is first opened (the console's own CPU per screen open)."""

from __future__ import annotations

from collections.abc import Hashable
from typing import TypeVar

from rich.console import RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.css.query import NoMatches
from textual.widgets import Select
from textual.widgets._select import NonSelectableStatic, NoSelection, SelectCurrent, SelectOverlay
from textual.widgets.option_list import Option

T = TypeVar("T", bound=Hashable)


class _Current(SelectCurrent):
    """SelectCurrent composed with the value it shows (Textual's shows its placeholder, then the value)."""

    def __init__(self, placeholder: str, label: RenderableType | None) -> None:
        super().__init__(placeholder)
        if label is not None:
            self.label = label
            self.set_reactive(SelectCurrent.has_value, True)
            self.add_class("-has-value", update=False)

    def compose(self) -> ComposeResult:
        label = self.label
        yield NonSelectableStatic(self.placeholder if isinstance(label, NoSelection) else label, id="label")
        yield NonSelectableStatic("▼", classes="arrow down-arrow")
        yield NonSelectableStatic("▲", classes="arrow up-arrow")


class LeanSelect(Select[T]):
    """A Select is six widgets, one of them the list of its choices (an OptionList, hidden until it opens), and
    it showed its value only once mounted, restyling what shows it. Settings has nine: the lists were a tenth
    of opening it. Here the list is made when it is first opened (Enter, a click), and the value is shown as
    the Select is composed. It looks and answers keys as Textual 8.2.8's Select does."""

    def compose(self) -> ComposeResult:
        # Showing the value it will be given once mounted (Select._on_mount → _watch_value).
        value = self._value
        label = None if value == self.NULL else next((p for p, choice in self._options if choice == value), None)
        yield _Current(self.prompt, label)

    def _overlay(self) -> SelectOverlay | None:
        try:
            return self.query_one(SelectOverlay)
        except NoMatches:
            return None

    def _open_overlay(self) -> SelectOverlay:
        """The list of choices, made and mounted (after the current value, as Select composes it) if not yet."""
        overlay = self._overlay()
        if overlay is None:
            overlay = SelectOverlay(type_to_search=self._type_to_search)
            overlay.compact = self.compact
            self.mount(overlay)
            self._fill(overlay)
            for index, (_, choice) in enumerate(self._options):
                if choice == self.value and choice != self.NULL:
                    overlay.highlighted = index
                    break
        return overlay

    def _fill(self, overlay: SelectOverlay) -> None:
        # As Select._setup_options_renderables.
        overlay.clear_options()
        overlay.add_options(
            [
                Option(Text(self.prompt, style="dim")) if value == self.NULL else Option(prompt)
                for prompt, value in self._options
            ]
        )

    def _setup_options_renderables(self) -> None:
        overlay = self._overlay()
        if overlay is not None:
            self._fill(overlay)

    def _watch_value(self, value: T | NoSelection) -> None:
        # As Select._watch_value, highlighting the choice in the list only where the list was made.
        self._value = value
        try:
            select_current = self.query_one(SelectCurrent)
        except NoMatches:
            return
        if value == self.NULL:
            select_current.update(self.NULL)
        else:
            for index, (prompt, choice) in enumerate(self._options):
                if choice == value:
                    overlay = self._overlay()
                    if overlay is not None:
                        overlay.highlighted = index
                    select_current.update(prompt)
                    break
        self.post_message(self.Changed(self, value))

    def _watch_expanded(self, expanded: bool) -> None:
        if expanded and self.is_mounted:
            self._open_overlay()
        super()._watch_expanded(expanded)

    def action_show_overlay(self) -> None:
        self._open_overlay()
        super().action_show_overlay()

    def _watch_compact(self, compact: bool) -> None:
        overlay = self._overlay()
        if overlay is not None:
            overlay.compact = compact

    def _watch_prompt(self, prompt: str) -> None:
        # As Select._watch_prompt, the list's first line changed only where the list was made.
        if not self.is_mounted:
            return
        select_current = self.query_one(SelectCurrent)
        select_current.placeholder = prompt
        if not self._allow_blank:
            return
        if self.value == self.NULL:
            select_current.update(self.NULL)
        overlay = self._overlay()
        if overlay is not None:
            overlay.replace_option_prompt_at_index(0, Text(prompt, style="dim"))
