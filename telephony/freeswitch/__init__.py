"""The only place that knows FreeSWITCH: node registry, xml_curl, ESL, switch gateway, commands."""
