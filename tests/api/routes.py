"""Every route of the API router, for the generic scope and isolation tests."""

from __future__ import annotations

from dataclasses import dataclass

from centrex.api.permissions import scope_for
from centrex.api.urls import router
from centrex.api.viewsets import _OperatorScoped, _TenantScoped


@dataclass(frozen=True)
class ApiRoute:
    basename: str
    viewset: type
    url_name: str  # namespaced, for reverse()
    method: str
    action: str
    detail: bool
    lookup_kwarg: str

    @property
    def audience(self) -> str:
        return "tenant" if issubclass(self.viewset, _TenantScoped) else "operator"

    @property
    def scope(self) -> str | None:
        return scope_for(self.viewset, self.action, self.method)

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.url_name} ({self.action})"


def api_routes() -> list[ApiRoute]:
    routes = []
    for _prefix, viewset, basename in router.registry:
        if not issubclass(viewset, (_TenantScoped, _OperatorScoped)):
            raise AssertionError(f"{viewset.__name__} must derive from a centrex.api.viewsets base class")
        for route in router.get_routes(viewset):
            for method, action in route.mapping.items():
                if not hasattr(viewset, action) or method not in viewset.http_method_names:
                    continue
                routes.append(
                    ApiRoute(
                        basename=basename,
                        viewset=viewset,
                        url_name=f"api:{route.name.format(basename=basename)}",
                        method=method,
                        action=action,
                        detail=route.detail,
                        lookup_kwarg=viewset.lookup_url_kwarg or viewset.lookup_field,
                    )
                )
    return routes
