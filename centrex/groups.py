"""Names of the Channels groups events are sent to. Every name carries the tenant."""


def tenant_group(tenant_id: str) -> str:
    return f"tenant.{tenant_id}"


def user_group(tenant_id: str, user_id: str) -> str:
    return f"tenant.{tenant_id}.user.{user_id}"
