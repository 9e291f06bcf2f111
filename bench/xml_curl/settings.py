"""Benchmark settings: the project's settings plus the constant-XML floor endpoint."""

from centrex.settings import *  # noqa: F403

ROOT_URLCONF = "bench.xml_curl.urls"
