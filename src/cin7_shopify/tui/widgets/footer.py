"""The footer of every screen: Textual's, rebuilt only when the keys it shows change."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey


class Footer(TextualFooter):
    """Textual's Footer rebuilds all its keys (a dozen widgets, their styles and layout) after the next
    refresh for every change of the screen's bindings, and opening a screen makes several (the screen
    stack, each focus change, each reactive that names bindings): 6 to 8 rebuilds a screen, nearly always
    of the same keys. Here one rebuild waits at a time, and it is skipped when the keys are as shown."""

    _rebuild_waiting = False
    _keys_shown: object = None

    def compose(self) -> ComposeResult:
        # Textual's Footer composes nothing until the screen's bindings change, then rebuilds after the next
        # refresh: every screen's first frame had no keys, and a second paint (of the footer) followed it.
        # Mounted on its screen, the keys are there to read now.
        if not self._bindings_ready and self.is_attached and isinstance(self.parent, Screen):
            self._bindings_ready = True
            self._keys_shown = self._keys()
        # Each key starts compact (its reactive's default) and its watcher adds the class once it is mounted,
        # restyling it on its own: a dozen restyles a screen. Given the class it ends with, the watcher has
        # nothing to change.
        for widget in super().compose():
            if isinstance(widget, FooterKey) and self.compact:
                widget.add_class("-compact", update=False)
            yield widget

    def bindings_changed(self, screen: Screen[object]) -> None:
        # As Textual 8.2.8's Footer.bindings_changed, with one rebuild waiting at most (it reads the keys
        # when it runs, so the last change is never missed).
        self._bindings_ready = True
        if not screen.app.app_focus or self._rebuild_waiting:
            return
        if self.is_attached and screen is self.screen:
            self._rebuild_waiting = True
            self.call_after_refresh(self._rebuild)

    def _keys(self) -> object:
        """Everything compose() reads to show the keys: equal, and the rebuild would show the same."""
        return (
            tuple(
                (binding, enabled, tooltip, self.app.get_key_display(binding))
                for _, binding, enabled, tooltip in self.screen.active_bindings.values()
                if binding.show
            ),
            self.compact,
            self.show_command_palette,
        )

    async def _rebuild(self) -> None:
        self._rebuild_waiting = False
        if not self.is_attached:
            return
        keys = self._keys()
        if keys == self._keys_shown:
            return
        self._keys_shown = keys
        await self.recompose()
