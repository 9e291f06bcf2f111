"""Time ranges and holidays (and, in a later issue, forwarding profiles, selective rules and DND)."""
