"""Data layer: the codebook, loading with validation, and derived analysis frames."""
from .codebook import tables
from ..errors import DataIssue, DataValidationError
from .load import Dataset, load

__all__ = ["Dataset", "DataIssue", "DataValidationError", "load", "tables"]
