"""People and agencies: Agency, Team, the custom User, login security and the case access policy."""
