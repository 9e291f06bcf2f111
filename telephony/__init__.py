"""The PBX domain: one Django app per concept, plus the FreeSWITCH adapter."""
