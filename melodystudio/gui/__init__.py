"""The desktop application (PySide6): main window, piano roll, lyric editor, generation flow.

PySide6-Essentials 6.12.0 drops a reference to None/True on many calls under Python 3.11 and the
interpreter aborts after a few thousand; pyproject.toml excludes that release.
"""
