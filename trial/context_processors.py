from django.urls import reverse

from trial.access import roles_of
from trial.models import Role

# (label, url name, roles that see it; empty = everyone signed in)
NAVIGATION = [
    ("Home", "home", ()),
    ("Overview", "dashboard_overview", ()),
    ("Worklist", "worklist", (Role.COORDINATOR, Role.INVESTIGATOR)),
    ("Subjects", "subject_list", ()),
    ("Register", "screening_register", (Role.COORDINATOR, Role.INVESTIGATOR)),
    ("Screening", "screening_log", ()),
    (
        "Adverse events",
        "ae_list",
        (Role.COORDINATOR, Role.INVESTIGATOR, Role.MONITOR, Role.DATA_MANAGER, Role.ADMIN),
    ),
    ("SAEs", "sae_list", ()),
    ("Escalation", "dose_escalation", ()),
    ("Study", "study_overview", ()),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_roles": []}
    roles = roles_of(user)
    items = [
        {
            "label": label,
            "url": reverse(name),
            "active": request.resolver_match and request.resolver_match.url_name == name,
        }
        for label, name, needed in NAVIGATION
        if not needed or roles & set(needed)
    ]
    if Role.ADMIN in roles and user.is_staff:
        items.append({"label": "Administration", "url": reverse("admin:index"), "active": False})
    return {
        "nav_items": items,
        "user_roles": sorted(Role(r).label for r in roles),
    }
