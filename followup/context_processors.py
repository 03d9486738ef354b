"""The navigation bar of every page, with the counts of the work waiting for the user.

In followup, the floor that knows every app's work (followup.my_tasks); it names the pages by
URL only."""

from collections import defaultdict

from django.urls import reverse
from django.utils import timezone

from followup.models import Notification
from followup.my_tasks import my_tasks
from trial.access import roles_of
from trial.models import Role

# (label, url name, roles that see it (empty: everyone signed in), menu). "main" items sit on
# the bar; "study" items in the Study menu, so the bar fits a laptop screen.
AE_READERS = (Role.COORDINATOR, Role.INVESTIGATOR, Role.MONITOR, Role.DATA_MANAGER, Role.ADMIN)
NAVIGATION = [
    ("Home", "home", (), "main"),
    ("My tasks", "my_tasks", (), "main"),
    ("Worklist", "worklist", (Role.COORDINATOR, Role.INVESTIGATOR), "main"),
    ("Subjects", "subject_list", (), "main"),
    ("Matrix", "subject_matrix", (), "main"),
    ("Register", "screening_register", (Role.COORDINATOR, Role.INVESTIGATOR), "main"),
    ("AEs", "ae_list", AE_READERS, "main"),
    ("SAEs", "sae_list", (), "main"),
    ("Review", "review_queue", (Role.INVESTIGATOR,), "main"),
    ("Queries", "query_list", AE_READERS, "main"),
    ("Overview", "dashboard_overview", (), "study"),
    ("Screening log", "screening_log", (), "study"),
    ("Dose escalation", "dose_escalation", (), "study"),
    ("Study configuration", "study_overview", (), "study"),
    ("Exports", "export_page", (Role.ADMIN, Role.DATA_MANAGER), "study"),
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
            "menu": menu,
            "name": name,
        }
        for label, name, needed, menu in NAVIGATION
        if not needed or roles & set(needed)
    ]
    # The work waiting for the user's roles: counted on indexed columns, never by building
    # the worklists (followup.my_tasks), so every page costs the same whatever the data.
    now = timezone.now()
    counts = defaultdict(int)
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    sections = my_tasks(user, today=timezone.localdate(now), now=now, extra={"unread": unread})
    for section in sections:
        for task in section.tasks:
            counts[task.key] += task.count
    badges = {
        "my_tasks": sum(counts.values()),
        "query_list": counts["queries_to_answer"] + counts["queries_to_close"],
        "review_queue": counts["review"],
    }
    for item in items:
        if badges.get(item["name"]):
            item["count"] = badges[item["name"]]
    if Role.ADMIN in roles and user.is_staff:
        items.append(
            {
                "label": "Administration",
                "url": reverse("admin:index"),
                "active": False,
                "menu": "study",
            }
        )
    return {
        "unread_notifications": sections.extra["unread"],
        "nav_items": [i for i in items if i["menu"] == "main"],
        "study_menu": [i for i in items if i["menu"] == "study"],
        "user_roles": sorted(Role(r).label for r in roles),
    }
