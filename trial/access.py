"""Who may see what: every read of clinical data is scoped here, per site and per role.

Views, exports and the API all go through these selectors, so a coordinator at site A never
reaches a subject of site B whatever id is sent: out-of-scope objects are simply not found.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from trial.models import Membership, Role, Site, Subject, User


def roles_of(user: User) -> frozenset[str]:
    """The roles a user holds anywhere (cached on the user object for the request)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_ecrf_roles", None)
    if cached is None:
        cached = frozenset(Membership.objects.filter(user=user).values_list("role", flat=True))
        if user.is_superuser:
            cached |= {Role.ADMIN.value}
        user._ecrf_roles = cached
    return cached


def has_role(user: User, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def sites_for(user: User, *roles: str) -> QuerySet[Site]:
    """Sites where the user holds one of `roles` (any role when none given).

    A membership without a site grants its role at every site; a superuser is an admin
    everywhere.
    """
    if not user.is_authenticated or not user.is_active:
        return Site.objects.none()
    if user.is_superuser and (not roles or Role.ADMIN in roles):
        return Site.objects.all()
    memberships = Membership.objects.filter(user=user)
    if roles:
        memberships = memberships.filter(role__in=roles)
    if memberships.filter(site__isnull=True).exists():
        return Site.objects.all()
    return Site.objects.filter(id__in=memberships.values("site_id"))


def scope_to_sites(queryset: QuerySet, user: User, *roles: str, site_field: str = "site"):
    """Restrict any queryset of site-owned rows to the user's sites (for `roles`)."""
    return queryset.filter(**{f"{site_field}__in": sites_for(user, *roles)})


def subjects_for(user: User, *roles: str) -> QuerySet[Subject]:
    return scope_to_sites(Subject.objects.all(), user, *roles)


def get_subject_for_user(user: User, pk, *roles: str) -> Subject:
    """The subject if the user may see it, else 404 (never 403: ids are not confirmed)."""
    try:
        return subjects_for(user, *roles).select_related("site", "study").get(pk=pk)
    except (Subject.DoesNotExist, ValueError):
        raise Http404("No such subject") from None


def can_manage_site(user: User, site: Site, *roles: str) -> bool:
    return sites_for(user, *roles).filter(pk=site.pk).exists()


def roles_at(user: User, site: Site) -> frozenset[str]:
    """The roles a user holds at `site`: its memberships there and those for all sites."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    roles = frozenset(
        Membership.objects.filter(user=user)
        .filter(Q(site=site) | Q(site__isnull=True))
        .values_list("role", flat=True)
    )
    if user.is_superuser:
        roles |= {Role.ADMIN.value}
    return roles


# --- Who may change what ----------------------------------------------------------------
# One function per rule, called by the service that refuses the write and by the view that
# decides whether to offer the form (editable) or show it read-only: the two cannot differ.

SITE_STAFF = (Role.COORDINATOR, Role.INVESTIGATOR)


def can_enter_data(user: User, subject: Subject) -> bool:
    """Coordinators and investigators of the subject's site enter and correct its CRFs;
    every other role reads them at most."""
    return can_manage_site(user, subject.site, *SITE_STAFF)


def require_data_entry(user: User, subject: Subject, *, action: str) -> None:
    if not can_enter_data(user, subject):
        raise PermissionDenied(
            f"Only a site coordinator or investigator of site {subject.site.code} may {action}."
        )


def can_act_as_investigator(user: User, subject: Subject) -> bool:
    """The investigator's acts: eligibility confirmation, causality, DLT decisions, the
    SAE report's signature."""
    return can_manage_site(user, subject.site, Role.INVESTIGATOR)


def require_investigator(user: User, subject: Subject, *, action: str) -> None:
    if not can_act_as_investigator(user, subject):
        raise PermissionDenied(f"Only an investigator of site {subject.site.code} may {action}.")
