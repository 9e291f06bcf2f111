"""The REST API platform: base viewsets, API keys, throttling, errors, OpenAPI."""
