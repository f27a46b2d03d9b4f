"""People and organisation in the admin: every change audited (`AuditedAdmin`); the
flags and groups that grant power over the admin itself are a superuser's alone.

Each office runs its own jurisdiction in the admin as everywhere (`User.runs`): a county's
office sees and changes its own county's units, leaders, people and tasks and nothing of
another's (`InJurisdiction`). A superuser sees every jurisdiction's and chooses a row's.
"""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import Http404

from ducha.audit.admin import AuditedAdmin
from ducha.org.models import Area, Jurisdiction, Leader, Unit, User

# Fields that make someone an administrator or widen what he may do there.
POWERS = ["is_superuser", "is_staff", "groups", "user_permissions"]


# Jurisdictions -----------------------------------------------------------------------------


def jurisdictions_run(user) -> list[int]:
    """The jurisdictions whose rows this person (not a superuser) sees and changes in the
    admin: the one he runs — his own, when he is its office — and none otherwise."""
    return [user.jurisdiction_id] if user.runs(user.jurisdiction_id) else []


def in_jurisdictions_run(queryset: QuerySet, user, path: str = "jurisdiction") -> QuerySet:
    """`queryset` as this person may see it in the admin: everything for a superuser, else
    the rows of the jurisdiction he runs (`path` leads from a row to its jurisdiction)."""
    if user.is_superuser:
        return queryset
    return queryset.filter(**{f"{path}__in": jurisdictions_run(user)})


def _has_jurisdiction(model) -> bool:
    """The model's rows belong to a jurisdiction each (a field of their own)."""
    return any(f.name == "jurisdiction" for f in model._meta.fields)


class JurisdictionForm:
    """Mixed into an admin's model form by `InJurisdiction.get_form`. `fixed` is the
    jurisdiction the row belongs to whatever the form sends (None: chosen in the form, by a
    superuser). Every related row it names (a parent unit, a person's unit or leader) must
    be of the row's jurisdiction, and names unique within a jurisdiction are checked in it."""

    fixed: int | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.fixed is not None:
            self.instance.jurisdiction_id = self.fixed

    def _get_validation_exclusions(self):
        # The jurisdiction is set here, not typed: "name unique in its jurisdiction" is
        # checked with it rather than left to the database to refuse.
        exclude = super()._get_validation_exclusions()
        exclude.discard("jurisdiction")
        return exclude

    def clean(self):
        cleaned = super().clean()
        chosen = cleaned.get("jurisdiction")
        jurisdiction_id = chosen.pk if chosen is not None else self.instance.jurisdiction_id
        for name, value in list(cleaned.items()):
            related = getattr(value, "jurisdiction_id", None)
            if name != "jurisdiction" and related is not None and related != jurisdiction_id:
                self.add_error(name, f"所选{self.fields[name].label}不属于该辖区")
        return cleaned


class InJurisdiction:
    """Mixed into a ModelAdmin, first: the rows of the jurisdiction the person runs.

    A superuser sees every jurisdiction's rows and chooses a row's jurisdiction in its form;
    anyone else sees those of the jurisdiction he runs (`jurisdictions_run`), the rows he
    adds are of it whatever the form sends, and the rows a form may name (a unit, a leader,
    a parent unit) are of it too. Another jurisdiction's row is not found (404)."""

    jurisdiction_path = "jurisdiction"  # from a row to its jurisdiction

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return in_jurisdictions_run(qs, request.user, self.jurisdiction_path)

    def get_object(self, request, object_id, from_field=None):
        found = super().get_object(request, object_id, from_field)
        if found is None:  # not there, or not this person's: the same answer
            raise Http404("没有这一条，或您无权查看")
        return found

    def has_add_permission(self, request):
        # Rows are added to the jurisdiction one runs: none for anyone who runs none.
        runs_one = request.user.is_superuser or bool(jurisdictions_run(request.user))
        return runs_one and super().has_add_permission(request)

    def _fixed_jurisdiction(self, request) -> int | None:
        return None if request.user.is_superuser else request.user.jurisdiction_id

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if self._fixed_jurisdiction(request) is not None and _has_jurisdiction(self.model):
            readonly.append("jurisdiction")
        return readonly

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if not _has_jurisdiction(self.model):
            return form
        fixed = {"fixed": self._fixed_jurisdiction(request)}
        return type(form.__name__, (JurisdictionForm, form), fixed)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if not request.user.is_superuser and _has_jurisdiction(related):
            kwargs.setdefault(
                "queryset", in_jurisdictions_run(related._default_manager.all(), request.user)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _superuser_sees_jurisdiction(self, request) -> bool:
        return request.user.is_superuser and _has_jurisdiction(self.model)

    def get_list_display(self, request):
        shown = list(super().get_list_display(request))
        return [*shown, "jurisdiction"] if self._superuser_sees_jurisdiction(request) else shown

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        return [*filters, "jurisdiction"] if self._superuser_sees_jurisdiction(request) else filters

    def save_model(self, request, obj, form, change):
        fixed = self._fixed_jurisdiction(request)
        if fixed is not None and _has_jurisdiction(type(obj)):
            obj.jurisdiction_id = fixed  # never another's, whatever was sent
        super().save_model(request, obj, form, change)


def _runs_home(user) -> bool:
    """A superuser, or the office of the home jurisdiction (the city this server runs)."""
    return user.is_superuser or (user.runs(user.jurisdiction_id) and user.jurisdiction.home)


@admin.register(Area)
class AreaAdmin(AuditedAdmin):
    """The "1+6" areas are every jurisdiction's: the city's office (or a superuser) changes
    them, a county's office reads them."""

    list_display = ["name", "short_name", "key", "aliases", "order"]
    list_editable = ["order"]

    def has_add_permission(self, request):
        return _runs_home(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return _runs_home(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _runs_home(request.user) and super().has_delete_permission(request, obj)


@admin.register(Jurisdiction)
class JurisdictionAdmin(InJurisdiction, AuditedAdmin):
    """The tree is a superuser's to build; an office sees its own jurisdiction alone and
    sets its own calendar (its deadline and publication days)."""

    jurisdiction_path = "pk"
    list_display = ["name", "slug", "level", "parent", "home", "deadline_day", "publish_day"]
    list_filter = ["level"]
    search_fields = ["name", "slug"]
    # Which jurisdiction is this server's own is set once, when it is installed.
    readonly_fields = ["home"]
    TREE = ["slug", "name", "level", "parent", "order"]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly if request.user.is_superuser else [*readonly, *self.TREE]

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Unit)
class UnitAdmin(InJurisdiction, AuditedAdmin):
    list_display = ["name", "short_name", "kind", "parent", "order", "is_active", "approves_alone"]
    list_filter = ["kind", "is_active", "approves_alone"]
    search_fields = ["name", "short_name"]
    list_select_related = ["parent", "jurisdiction"]
    autocomplete_fields = ["parent"]


@admin.register(Leader)
class LeaderAdmin(InJurisdiction, AuditedAdmin):
    list_display = ["name", "title", "order"]
    search_fields = ["name"]
    list_select_related = ["jurisdiction"]


@admin.register(User)
class UserAdmin(InJurisdiction, AuditedAdmin, BaseUserAdmin):
    list_display = ["username", "full_name", "role", "unit", "leader", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "full_name", "unit__name"]
    list_select_related = ["unit", "leader", "jurisdiction"]
    autocomplete_fields = ["unit"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        ("督查", {"fields": ["jurisdiction", "full_name", "role", "unit", "leader", "phone"]}),
    ]
    add_fieldsets = [
        *BaseUserAdmin.add_fieldsets,
        ("督查", {"fields": ["jurisdiction", "full_name", "role", "unit", "leader"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Office staff manage people, not the admin's powers: otherwise any of them
            # could make himself (or a friend) superuser.
            readonly += [f for f in POWERS if f not in readonly]
        return readonly

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False  # nor take over a superuser (his password, name or role)
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(AuditedAdmin, BaseGroupAdmin):
    """A group's permissions are powers over the admin: a superuser's to grant."""

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
