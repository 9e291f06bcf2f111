"""The one pagination every list uses: page numbers, ``?page=`` and ``?page_size=`` (max 200)."""

from __future__ import annotations

from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
