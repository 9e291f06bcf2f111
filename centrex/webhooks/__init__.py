"""Webhooks: tenant endpoints receiving signed domain events."""
