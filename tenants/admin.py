from django.contrib import admin

from tenants.models import AuditEntry, Licence, Membership, Tenant, User


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "sip_domain", "status", "tryout_ends_at"]
    search_fields = ["name", "slug", "sip_domain"]
    list_filter = ["status"]


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["email", "full_name", "is_staff", "is_active"]
    search_fields = ["email", "full_name"]
    exclude = ["password"]


admin.site.register(Membership)
admin.site.register(Licence)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "tenant", "actor_label", "action", "object_repr"]
    list_filter = ["action"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
