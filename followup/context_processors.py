"""The navigation bar of every page, with the counts of the work waiting for the user.

In followup, the floor that knows every app's work (followup.my_tasks); it names the pages by
URL only."""

from collections import defaultdict

from django.urls import reverse
from django.utils import timezone

from followup.my_tasks import navigation_tasks
from trial.access import can, roles_of
from trial.capabilities import Capability
from trial.models import Role

# (label, url name, capability that shows it (None: everyone signed in), menu). "main" items
# sit on the bar; "study" items in the Study menu, so the bar fits a laptop screen.
NAVIGATION = [
    ("Home", "home", None, "main"),
    ("My tasks", "my_tasks", None, "main"),
    ("Worklist", "worklist", Capability.ENTER_DATA, "main"),
    ("Subjects", "subject_list", None, "main"),
    ("Matrix", "subject_matrix", None, "main"),
    ("Register", "screening_register", Capability.ENTER_DATA, "main"),
    ("AEs", "ae_list", Capability.READ_AES, "main"),
    ("SAEs", "sae_list", None, "main"),
    ("Review", "review_queue", Capability.SIGN, "main"),
    ("Queries", "query_list", Capability.READ_QUERIES, "main"),
    ("Overview", "dashboard_overview", None, "study"),
    ("Screening log", "screening_log", None, "study"),
    ("Dose escalation", "dose_escalation", None, "study"),
    ("Study configuration", "study_overview", None, "study"),
    ("Exports", "export_page", Capability.EXPORT, "study"),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_roles": []}
    items = [
        {
            "label": label,
            "url": reverse(name),
            "active": request.resolver_match and request.resolver_match.url_name == name,
            "menu": menu,
            "name": name,
        }
        for label, name, needed, menu in NAVIGATION
        if needed is None or can(user, needed)
    ]
    # The work waiting for the user's roles: counted on indexed columns, never by building
    # the worklists (followup.my_tasks), so every page costs the same whatever the data.
    # The My tasks page counted them already (followup.views.my_tasks): not counted twice.
    sections = getattr(request, "my_tasks", None) or navigation_tasks(user, now=timezone.now())
    counts = defaultdict(int)
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
    if user.is_staff and can(user, Capability.ADMINISTER):
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
        "user_roles": sorted(Role(r).label for r in roles_of(user)),
    }
