"""The append-only audit trail: who did or saw what, when, and "who viewed this case"."""
