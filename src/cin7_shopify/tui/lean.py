"""What every console screen does once where Textual 8.2.8 does it twice (the console's own CPU per screen open).

Mixed in before Textual's Screen or ModalScreen (`class HomeScreen(LeanScreen, Screen[None])`): its handlers
run first, and what they skip is only work whose result is already there, so the screen looks the same.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from textual import events
from textual._context import NoActiveAppError

if TYPE_CHECKING:
    from textual.geometry import Size
    from textual.screen import Screen

    _Base = Screen[Any]
else:
    _Base = object


class LeanScreen(_Base):
    _resumed_before = False

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
