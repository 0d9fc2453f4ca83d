"""The refusal every versioned save raises when someone else saved first: nothing is overwritten."""


class VersionConflict(Exception):
    """Someone saved the record after this user loaded it; nothing was written."""

    def __init__(self, current):
        super().__init__("The record was changed by someone else.")
        self.current = current
