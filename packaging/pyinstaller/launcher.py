"""Entry point of the frozen application: the same ``melodystudio`` command as the installed one
(no arguments: the desktop app; sub-commands: info, convert, render)."""

import sys

from melodystudio.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
