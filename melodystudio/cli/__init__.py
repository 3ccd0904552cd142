"""The ``melodystudio`` command: the GUI with no sub-command, headless sub-commands otherwise."""
