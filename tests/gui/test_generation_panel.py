"""The Generate panel: widgets make the right GenerationOptions; keys and buttons emit the right requests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from melodystudio.core import PPQ, Note
from melodystudio.engine.api import GenerationOptions, Variation
from melodystudio.gui.generation_panel import RANDOM_SEED, GenerationPanel

TIMEOUT_MS = 1000


def variations(n: int) -> list[Variation]:
    return [Variation((Note(0, PPQ, 60 + i),), 0, 0, seed=100 + i, mean_nll=1.5 + i / 10) for i in range(n)]


@pytest.fixture
def panel(qtbot: QtBot) -> Iterator[GenerationPanel]:
    p = GenerationPanel()
    qtbot.addWidget(p)
    p.show()
    qtbot.waitExposed(p)
    p.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is p, timeout=TIMEOUT_MS)
    yield p


NO_MODIFIER = Qt.KeyboardModifier.NoModifier


def press(qtbot: QtBot, panel: GenerationPanel, key: Qt.Key, modifier: Qt.KeyboardModifier = NO_MODIFIER) -> None:
    """A key pressed while the panel's window is active (shortcuts are window-wide)."""
    qtbot.keyClick(panel, key, modifier)


# -- options ------------------------------------------------------------------------------------
def test_the_defaults_are_the_engines_defaults(panel: GenerationPanel) -> None:
    assert panel.options() == GenerationOptions()
    assert panel.seed_spin.text() == "random"


def test_every_control_reaches_the_options(panel: GenerationPanel) -> None:
    panel.temperature_spin.setValue(1.25)
    panel.top_p_spin.setValue(0.8)
    panel.variations_spin.setValue(6)
    panel.seed_spin.setValue(1234)
    panel.key_lock_check.setChecked(True)
    panel.range_check.setChecked(True)
    panel.low_spin.lineEdit().setText("D4")
    panel.low_spin.interpretText()
    panel.high_spin.setValue(81)
    panel.keep_rhythm_check.setChecked(True)
    panel.pitch_temperature_spin.setValue(0.7)
    panel.breath_spin.setValue(3.0)
    assert panel.options() == GenerationOptions(variations=6, temperature=1.25, top_p=0.8, seed=1234, key_lock=True,
                                                pitch_range=(62, 81), keep_rhythm=True, pitch_temperature=0.7,
                                                phrase_breath=3.0)
    panel.breath_spin.setValue(0.5)  # below one syllable's time: auto
    assert panel.options().phrase_breath is None
    assert panel.high_spin.text() == "A5"


def test_options_round_trip(panel: GenerationPanel) -> None:
    options = GenerationOptions(variations=3, temperature=0.5, top_p=0.9, seed=7, key_lock=True,
                                pitch_range=(55, 72), keep_rhythm=False, pitch_temperature=1.1, phrase_breath=1.0)
    panel.set_options(options)
    assert panel.options() == options
    panel.set_options(GenerationOptions())
    assert panel.options() == GenerationOptions()
    assert not panel.low_spin.isEnabled()
    assert panel.pitch_temperature_spin.text() == "auto"  # None: the engine's automatic setting
    assert panel.top_p_spin.text() == "auto" and panel.options().top_p is None
    assert panel.breath_spin.text() == "auto" and panel.options().phrase_breath is None


def test_the_pitch_range_stays_low_to_high(panel: GenerationPanel) -> None:
    panel.range_check.setChecked(True)
    panel.low_spin.setValue(84)  # above G5
    assert panel.options().pitch_range == (84, 84)
    panel.high_spin.setValue(50)
    assert panel.options().pitch_range == (50, 50)


def test_new_seed_fixes_a_seed(panel: GenerationPanel, qtbot: QtBot) -> None:
    qtbot.mouseClick(panel.new_seed_button, Qt.MouseButton.LeftButton)
    seed = panel.options().seed
    assert seed is not None and seed >= 0
    panel.seed_spin.setValue(RANDOM_SEED)
    assert panel.options().seed is None


# -- requests -----------------------------------------------------------------------------------
def test_inpaint_needs_a_selection(panel: GenerationPanel, qtbot: QtBot) -> None:
    requests: list[GenerationOptions] = []
    panel.inpaint_requested.connect(requests.append)
    press(qtbot, panel, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    assert requests == [] and not panel.inpaint_action.isEnabled()
    panel.set_selection_available(True)
    panel.temperature_spin.setValue(1.1)
    press(qtbot, panel, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    assert requests == [GenerationOptions(temperature=1.1)]


def test_continue_asks_for_the_chosen_number_of_bars(panel: GenerationPanel, qtbot: QtBot) -> None:
    panel.bars_spin.setValue(8)
    with qtbot.waitSignal(panel.continue_requested, timeout=TIMEOUT_MS) as blocker:
        panel.continue_action.trigger()
    assert blocker.args == [GenerationOptions(), 8]


def test_busy_disables_requests_and_esc_cancels(panel: GenerationPanel, qtbot: QtBot) -> None:
    panel.set_selection_available(True)
    panel.set_busy(True)
    for action in (panel.inpaint_action, panel.continue_action, panel.regenerate_action, panel.accept_action,
                   panel.discard_action):
        assert not action.isEnabled()
    assert panel.cancel_action.isEnabled()
    with qtbot.waitSignal(panel.cancel_requested, timeout=TIMEOUT_MS):
        press(qtbot, panel, Qt.Key.Key_Escape)
    panel.set_busy(False)
    assert panel.inpaint_action.isEnabled() and not panel.cancel_action.isEnabled()


def test_progress_provider_and_errors_are_shown(panel: GenerationPanel) -> None:
    panel.set_busy(True)
    panel.set_progress(0.4, "Sampling")
    assert panel.progress_bar.value() == 400
    assert panel.progress_bar.text() == "Sampling 40%"
    panel.set_provider("CUDA")
    assert panel.provider_label.text() == "Model: CUDA"
    panel.set_error("the selection is empty")
    assert panel.error_label.isVisible() and panel.error_label.text() == "the selection is empty"
    panel.set_busy(True)  # a new job clears the old error
    assert not panel.error_label.isVisible()


# -- variations ---------------------------------------------------------------------------------
def test_variations_fill_the_strip_and_the_first_is_chosen(panel: GenerationPanel, qtbot: QtBot) -> None:
    with qtbot.waitSignal(panel.variation_selected, timeout=TIMEOUT_MS) as blocker:
        panel.set_variations(variations(4))
    assert blocker.args == [0]
    buttons = panel._strip_group.buttons()
    assert [b.text() for b in buttons] == ["A", "B", "C", "D"]
    assert "seed 101" in buttons[1].toolTip()
    assert panel.current_variation == 0
    qtbot.mouseClick(buttons[2], Qt.MouseButton.LeftButton)
    assert panel.current_variation == 2


def test_number_keys_and_tab_choose_a_variation(panel: GenerationPanel, qtbot: QtBot) -> None:
    panel.set_variations(variations(3))
    chosen: list[int] = []
    panel.variation_selected.connect(chosen.append)
    for key in (Qt.Key.Key_2, Qt.Key.Key_3, Qt.Key.Key_4, Qt.Key.Key_Tab, Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
        press(qtbot, panel, key)
    assert chosen == [1, 2, 0, 1, 0]  # 4 does nothing with three variations; Tab wraps
    assert panel.current_variation == 0


def test_enter_accepts_the_chosen_variation(panel: GenerationPanel, qtbot: QtBot) -> None:
    panel.set_variations(variations(4))
    press(qtbot, panel, Qt.Key.Key_3)
    with qtbot.waitSignal(panel.accept_requested, timeout=TIMEOUT_MS) as blocker:
        press(qtbot, panel, Qt.Key.Key_Return)
    assert blocker.args == [2]
    assert panel._strip_group.buttons() == [] and not panel.accept_action.isEnabled()


def test_esc_discards(panel: GenerationPanel, qtbot: QtBot) -> None:
    panel.set_variations(variations(2))
    with qtbot.waitSignal(panel.discard_requested, timeout=TIMEOUT_MS):
        press(qtbot, panel, Qt.Key.Key_Escape)
    assert panel.current_variation == -1


def test_variation_keys_do_nothing_without_variations(panel: GenerationPanel, qtbot: QtBot) -> None:
    seen: list[object] = []
    for signal in (panel.variation_selected, panel.accept_requested, panel.discard_requested):
        signal.connect(lambda *args: seen.append(args))
    for key in (Qt.Key.Key_1, Qt.Key.Key_Tab, Qt.Key.Key_Return, Qt.Key.Key_Escape):
        press(qtbot, panel, key)
    assert seen == []


def test_variations_cannot_be_chosen_while_busy(panel: GenerationPanel, qtbot: QtBot) -> None:
    panel.set_variations(variations(2))
    panel.set_busy(True)
    chosen: list[int] = []
    panel.variation_selected.connect(chosen.append)
    press(qtbot, panel, Qt.Key.Key_2)
    assert chosen == [] and panel.current_variation == 0


def test_regenerate_repeats_the_last_request_with_a_fresh_seed(panel: GenerationPanel, qtbot: QtBot) -> None:
    assert not panel.regenerate_action.isEnabled()
    requests: list[tuple[GenerationOptions, int]] = []
    panel.continue_requested.connect(lambda options, bars: requests.append((options, bars)))
    panel.bars_spin.setValue(2)
    panel.continue_action.trigger()
    panel.regenerate_action.trigger()  # random seed: the same request again
    panel.seed_spin.setValue(42)
    panel.regenerate_action.trigger()  # a fixed seed is replaced, else the result would repeat
    assert [bars for _, bars in requests] == [2, 2, 2]
    assert [options.seed for options, _ in requests[:2]] == [None, None]
    assert requests[2][0].seed not in (None, 42)
    assert panel.options().seed == requests[2][0].seed


def test_later_features_add_their_own_section(panel: GenerationPanel) -> None:
    box = panel.add_section("Lyrics", QLabel("lyrics controls"))
    assert box.title() == "Lyrics"
    assert box.parent() is panel
