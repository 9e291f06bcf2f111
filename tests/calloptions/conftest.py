"""Call-option tests dial from the tenant the FreeSWITCH recordings were made against."""

from tests.api.conftest import acme_api, acme_key  # noqa: F401 - fixtures
from tests.routing.conftest import other_site, site  # noqa: F401 - fixtures
from tests.xmlcurl.conftest import node, node_commands, post_xml, tenant_a  # noqa: F401 - fixtures (node_commands autouse)
