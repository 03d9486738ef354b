"""Who may see and do what: every read of clinical data is scoped here, per site and per role,
and every right is asked here by its name (trial.capabilities holds the table).

Views, exports and the API all go through these selectors, so a coordinator at site A never
reaches a subject of site B whatever id is sent: out-of-scope objects are simply not found.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from trial.capabilities import CAPABILITIES, Capability, Scope, allows, roles_for, who
from trial.models import Membership, Role, Site, Subject, User, Visit


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


def sites_for(user: User, capability: Capability | None = None) -> QuerySet[Site]:
    """Sites where the user holds `capability` (where they hold any role when None).

    A membership without a site grants its role at every site; a superuser is an admin
    everywhere.
    """
    if not user.is_authenticated or not user.is_active:
        return Site.objects.none()
    roles = roles_for(capability) if capability else None
    if user.is_superuser and (roles is None or Role.ADMIN in roles):
        return Site.objects.all()
    memberships = Membership.objects.filter(user=user)
    if roles is not None:
        memberships = memberships.filter(role__in=sorted(roles))
    if memberships.filter(site__isnull=True).exists():
        return Site.objects.all()
    return Site.objects.filter(id__in=memberships.values("site_id"))


def scope_to_sites(
    queryset: QuerySet, user: User, capability: Capability | None = None, *, site_field="site"
):
    """Restrict any queryset of site-owned rows to the user's sites (for `capability`)."""
    return queryset.filter(**{f"{site_field}__in": sites_for(user, capability)})


def subjects_for(user: User, capability: Capability | None = None) -> QuerySet[Subject]:
    return scope_to_sites(Subject.objects.all(), user, capability)


def get_subject_for_user(user: User, pk, capability: Capability | None = None) -> Subject:
    """The subject if the user may see it, else 404 (never 403: ids are not confirmed)."""
    try:
        return subjects_for(user, capability).select_related("site", "study").get(pk=pk)
    except (Subject.DoesNotExist, ValueError):
        raise Http404("No such subject") from None


def visits_for(user: User) -> QuerySet[Visit]:
    return scope_to_sites(Visit.objects.all(), user, site_field="subject__site")


def get_visit_for_user(user: User, pk) -> Visit:
    """The visit if the user may see its subject, else 404 (as get_subject_for_user)."""
    try:
        return (
            visits_for(user)
            .select_related("subject", "subject__site", "subject__dose_level", "subject__study")
            .get(pk=pk)
        )
    except (Visit.DoesNotExist, ValueError):
        raise Http404("No such visit") from None


def roles_at(user: User, site: Site) -> frozenset[str]:
    """The roles a user holds at `site`: its memberships there and those for all sites
    (cached on the user object for the request, per site, as roles_of: a page asks `can`
    of one subject's site once per section)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_ecrf_roles_at", None)
    if cached is None:
        cached = user._ecrf_roles_at = {}
    if site.pk not in cached:
        roles = frozenset(
            Membership.objects.filter(user=user)
            .filter(Q(site=site) | Q(site__isnull=True))
            .values_list("role", flat=True)
        )
        if user.is_superuser:
            roles |= {Role.ADMIN.value}
        cached[site.pk] = roles
    return cached[site.pk]


# --- Who may do what ---------------------------------------------------------------------
# The service that refuses a write and the view that decides whether to offer the form (or
# show it read-only) ask the same question: the two cannot differ.


def _site_of(where) -> Site:
    """The site an object belongs to: a site, a subject, or a record of a subject."""
    if isinstance(where, Site):
        return where
    if isinstance(where, Subject):
        return where.site
    return where.subject.site


def can(user: User, capability: Capability, where=None) -> bool:
    """Whether `user` holds `capability` at the site of `where` (a site, a subject or one of
    its records); for a site capability asked without an object, at one site at least."""
    grant = CAPABILITIES[capability]
    if where is None:
        return allows(capability, roles_of(user))
    if grant.scope == Scope.STUDY:
        raise ValueError(f"{capability} is not about a site: ask it without an object.")
    return allows(capability, roles_at(user, _site_of(where)))


def require(user: User, capability: Capability, where=None, *, action: str) -> None:
    """Refuse (PermissionDenied, a 403) unless `can(user, capability, where)`."""
    if can(user, capability, where):
        return
    at = f" of site {_site_of(where).code}" if where is not None else ""
    raise PermissionDenied(f"Only {who(capability)}{at} may {action}.")


def entry_required(by: User, subject: Subject, action: str):
    """The `require` callable of a CRF write that enters data about `subject` (its site's
    data-entry roles), for review.contract.crf_write."""
    return lambda: require(by, Capability.ENTER_DATA, subject, action=action)
