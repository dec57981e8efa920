"""Shared test machinery: a real-HTTP API client and permission-matrix base classes."""

from .http import ApiClient
from .matrix import ApiListMatrix, ApiObjectMatrix, PageListMatrix, PageObjectMatrix, all_matrix_classes

__all__ = [
    "ApiClient",
    "ApiListMatrix",
    "ApiObjectMatrix",
    "PageListMatrix",
    "PageObjectMatrix",
    "all_matrix_classes",
]
