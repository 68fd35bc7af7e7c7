"""What every console screen does once where Textual 8.2.8 does it twice (the console's own CPU per screen open).

Mixed in before Textual's Screen or ModalScreen (`class HomeScreen(LeanScreen, Screen[None])`): its handlers
run first, and what they skip is only work whose result is already there, so the screen looks the same.
"""

from __future__ import annotations

import contextlib
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar

import textual.content
from rich._wrap import divide_line as _divide_line
from textual import events, messages
from textual._context import NoActiveAppError
from textual._time import get_time
from textual.scroll_view import ScrollView
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.geometry import Size
    from textual.screen import Screen

    _Base = Screen[Any]
else:
    _Base = object


_Placing = tuple[tuple[bool, bool], bool]

# Where a text wraps, for lines this long: Textual wraps a text for its height (laying it out) and again for its
# paint, at the same width. A detail pane telling a story of 10 kB names holds 26-104 kB, 40-150 ms a wrap.
LONG_LINE = 2000


@lru_cache(maxsize=16)
def _long_line_offsets(text: str, width: int, fold: bool) -> tuple[int, ...]:
    return tuple(_divide_line(text, width, fold))


def _divide_line_once(text: str, width: int, fold: bool = True) -> list[int]:
    """Textual 8.2.8's `divide_line` for Content: a long line's offsets worked out once for each width."""
    if len(text) < LONG_LINE:
        return _divide_line(text, width, fold)
    return list(_long_line_offsets(text, width, fold))


textual.content.divide_line = _divide_line_once  # type: ignore[attr-defined]


def _scrollbars(widget: Widget) -> tuple[bool, bool]:
    """A widget's scrollbars shown that take room: a footer's are 0 cells (its keys scroll sideways unseen), and
    showing one moves nothing."""
    styles = widget.styles
    return (
        widget.show_vertical_scrollbar and styles.scrollbar_size_vertical > 0,
        widget.show_horizontal_scrollbar and styles.scrollbar_size_horizontal > 0,
    )


def _placing(widget: Widget) -> _Placing:
    """A widget's scrollbars shown, and whether it is waiting for a layout."""
    return _scrollbars(widget), widget._layout_required


_UNPLACED: _Placing = ((False, False), False)  # a widget not laid out yet (Textual's defaults)


def _ask_for_layout_now(widget: Widget) -> None:
    """What a widget waiting for a layout does at its next idle moment (Textual 8.2.8 `Widget._check_refresh`),
    done now for a layout about to happen: its ancestors' arrangements are cleared up to the first one whose size
    it cannot change. Its Layout message is not sent: the layout that follows answers it."""
    widget._layout_required = False
    for ancestor in widget.ancestors:
        if not isinstance(ancestor, Widget):
            break
        ancestor._clear_arrangement_cache()
        ancestor._layout_updates += 1
        if not ancestor.styles.auto_dimensions:
            break


class LeanScreen(_Base):
    # This screen's part of the console's stylesheet: rules of the same weight as console.tcss's, added the first
    # time the screen is opened (ConsoleApp._load_screen_css). Every screen's rules in console.tcss were parsed
    # before home's first frame, ~8 ms of it; Textual's own Screen.CSS re-parses the whole stylesheet instead.
    SCREEN_CSS: ClassVar[str] = ""
    _resumed_before = False
    _laid_out_at = float("-inf")  # when the last layout that placed every widget began

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The breakpoint classes (home's -short) for the terminal's size now, so the screen is styled with them
        # when it is mounted: given by its first Resize, they restyled all of it. A Resize to another size
        # sets them as ever.
        with contextlib.suppress(NoActiveAppError):  # made outside a running console (a test's screen)
            app = self.app
            width, height = app.size
            horizontal = (
                app.HORIZONTAL_BREAKPOINTS if self.HORIZONTAL_BREAKPOINTS is None else self.HORIZONTAL_BREAKPOINTS
            )
            vertical = app.VERTICAL_BREAKPOINTS if self.VERTICAL_BREAKPOINTS is None else self.VERTICAL_BREAKPOINTS
            classes = self._get_breakpoint_classes(width, horizontal or [])
            classes |= self._get_breakpoint_classes(height, vertical or [])
            if classes:
                self.add_class(*classes, update=False)

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # Runs before Screen._on_screen_resume. A pushed screen's widgets were styled as they were mounted, just
        # before its first resume, which would style every one of them again (Settings: a tenth of opening it).
        # Later resumes (back from another screen, the theme changed meanwhile) restyle as Textual does.
        if not self._resumed_before:
            self._resumed_before = True
            event.refresh_styles = False

    def _screen_resized(self, size: Size) -> None:
        # Textual lays a screen out again on every Resize it gets, and a screen gets one from its own first layout
        # (it was just shown) and one from the app's first idle moment, for itself and each screen behind it;
        # and a layout that was waiting (widgets mounted or changed) is done there and then again at the screen's
        # next update, which the one here did not tell. Laid out at this size with nothing waiting: nothing would
        # move. Laid out here: the next update has nothing left to lay out (a change after this asks again).
        if size == self._compositor.size and not self._layout_required:
            return
        super()._screen_resized(size)
        if size == self._compositor.size and not self._layout_widgets:
            self._layout_required = False

    def _refresh_layout(self, size: Size | None = None, scroll: bool = False) -> None:
        # A layout gives each widget it places its virtual size, a reactive that asks for a layout when it changes:
        # every widget's first layout asked for a second one of the whole screen (and cleared its ancestors'
        # arrangements), where nothing would move. What a virtual size places is a container's scrollbars, set
        # there and then from the new size (Widget._size_updated → _scroll_update); when one appeared or went,
        # the screen is laid out again here and now, before anything (a focus scrolling into view) reads it.
        compositor = self._compositor
        before = {widget: _placing(widget) for widget in compositor.widgets}
        started, arranged = get_time(), compositor._full_map
        super()._refresh_layout(size, scroll)
        if compositor._full_map is arranged:  # a scroll: only the widgets it showed were placed
            return
        self._laid_out_at = started
        if self._lean_answered(before, first=not before):
            before = {widget: _placing(widget) for widget in compositor.widgets}
            super()._refresh_layout(size)
            self._lean_answered(before, first=False)

    _laying_out_to_paint = False

    def _compositor_refresh(self) -> None:
        # A paint of the whole screen (its first, as it opens or the console starts) with widgets changed since
        # the layout it would show: Textual paints it, then lays them out and paints nearly all of it again (the
        # demo's home: its store read arrives before the first frame, which drew the store as it was before).
        # Laid out first here, the one paint shows them as they are.
        app = self.app
        compositor = self._compositor
        if app._batch_count and self is app.screen and not app.is_inline:
            # In a batch (the console starting, a screen's widgets mounting) Textual renders the update and then
            # throws it away, and what it rendered counts as shown: on the console's start the store list was
            # left out of the first frame and came in a later one. Kept dirty, it is painted once the batch ends.
            self._repaint_required = True
            return
        if (
            self is app.screen
            and not app.is_inline
            and not self._laying_out_to_paint
            and compositor.size.region in compositor._dirty_regions
        ):
            waiting = [widget for widget in compositor.widgets if widget._layout_required and widget is not self]
            if waiting or self._layout_required:
                for widget in waiting:
                    _ask_for_layout_now(widget)
                self._laying_out_to_paint = True
                try:
                    self._refresh_layout()  # paints, here or (in a batch) once it ends
                finally:
                    self._laying_out_to_paint = False
                self._layout_required = False
                return
        super()._compositor_refresh()

    def _lean_answered(self, before: dict[Widget, _Placing], *, first: bool) -> bool:
        """Stop the layouts the one just done asked for, where it placed everything already; whether a scrollbar
        came or went (another layout then places what is beside it).

        Kept: a widget that was waiting before it (its ancestors' arrangements are cleared when it asks), one
        mounted meanwhile into a screen laid out before (likewise), an anchored one (kept at its end by its
        virtual size as it is placed) and a ScrollView (which sizes itself)."""
        scrollbars_changed = False
        for widget in self._compositor.widgets:
            if not widget._layout_required or widget._anchored or isinstance(widget, ScrollView):
                continue
            was = before.get(widget)
            if was is None and not first:
                continue
            scrollbars, waiting = was or _UNPLACED
            if waiting:
                continue
            if _scrollbars(widget) != scrollbars:
                scrollbars_changed = True
            widget._layout_required = False
        return scrollbars_changed

    async def _on_layout(self, message: messages.Layout) -> None:
        # Runs before Screen._on_layout. A widget asks for a layout when it changed (mounted, restyled, new
        # content), clearing its ancestors' arrangements there and then; the layout follows once the screen gets
        # the message. A message sent before the screen was last laid out in full was answered by that layout,
        # which arranged everything anew: the widgets a screen mounts as it opens all ask, and their messages
        # arrive after its first layout, which laid all of it out a second time.
        if message.time < self._laid_out_at:
            message.stop()
            message.prevent_default()
