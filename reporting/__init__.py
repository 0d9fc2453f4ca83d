"""Reporting: what the portal returns to the DfE and the partnership (the top floor: it reads every app)."""
