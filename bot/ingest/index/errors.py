"""The one error every index operation raises for a missing, empty or unreachable index."""


class IndexUnavailable(RuntimeError):
    """The index is missing, empty or cannot be reached."""
