"""Graded Care Profile 2 assessments per child (issue #5)."""
