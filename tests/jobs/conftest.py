"""The jobs tests share the GUI tests' set-up (offscreen Qt, no thread left running)."""

from tests.gui.conftest import no_thread_left_running

__all__ = ["no_thread_left_running"]
