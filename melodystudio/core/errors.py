"""The project's own error type: every failure a user can cause ends up here, with a clear message."""


class MelodyStudioError(Exception):
    """A problem the user can understand and act on (bad file, bad request, missing resource).

    The message is one line, written for a composer, and names the file or value at fault.
    """


class FileFormatError(MelodyStudioError):
    """A file could not be read or written in the format it claims to be."""


class EditError(MelodyStudioError):
    """An edit request that the song model refuses (zero-length note, pitch out of range, ...)."""
