"""The routing tests' tenant (the one the FreeSWITCH recordings were made against) serves here too."""

from tests.routing.conftest import other_site, site  # noqa: F401 - fixtures
