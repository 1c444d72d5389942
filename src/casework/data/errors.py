"""Data errors live in casework.errors (importable without pandas); re-exported here."""
from ..errors import DataIssue, DataValidationError

__all__ = ["DataIssue", "DataValidationError"]
