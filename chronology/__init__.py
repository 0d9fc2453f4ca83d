"""The multi-agency chronology: append-only entries, amendments, appointments (issue #4)."""
