"""Portal layout, templates and static files; the WebSocket event consumer."""
