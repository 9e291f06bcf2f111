"""Tenants (= SIP domains), users and memberships, licences, tenant scoping and the audit log."""
