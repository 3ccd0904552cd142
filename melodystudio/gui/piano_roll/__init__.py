"""The piano roll: a QGraphicsScene of notes (scene x = ticks, scene y = pitch rows) shown through a
scaled QGraphicsView, with the keyboard, bar ruler, chord and lyric lanes as plain widgets that map
ticks through the same view. Zooming only changes the view's transform, so it costs the same for
ten notes or ten thousand."""

from melodystudio.gui.piano_roll.editor import PianoRoll

__all__ = ["PianoRoll"]
