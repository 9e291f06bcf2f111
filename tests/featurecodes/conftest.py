"""The star-code tests dial from the tenant the FreeSWITCH recordings were made against."""

from tests.routing.conftest import other_site, site  # noqa: F401 - fixtures
from tests.xmlcurl.conftest import node_commands  # noqa: F401 - autouse: commands to the nodes are captured
