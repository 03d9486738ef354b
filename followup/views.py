from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from followup.models import Notification
from followup.my_tasks import navigation_tasks
from followup.services import notification_open as open_notification
from followup.services import notifications_mark_read


@login_required
def notifications(request):
    items = Notification.objects.filter(user=request.user)[:200]
    return render(request, "followup/notifications.html", {"items": items})


@login_required
def my_tasks(request):
    """What the user's roles have to do now, with the counts the navigation shows."""
    sections = navigation_tasks(request.user, now=timezone.now(), clocks=True)
    request.my_tasks = sections  # the navigation's counts are these (followup.context_processors)
    return render(request, "followup/my_tasks.html", {"sections": sections})


@login_required
def notification_open(request, pk):
    """Follow a notification to what it is about; opening it marks it read."""
    try:
        notification = open_notification(user=request.user, notification_id=pk, now=timezone.now())
    except Notification.DoesNotExist:
        raise Http404("No such notification") from None
    target = notification.url
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notifications")


@login_required
@require_POST
def notifications_read(request):
    ids = request.POST.getlist("id")
    notifications_mark_read(
        user=request.user, ids=[int(i) for i in ids if i.isdigit()] or None, now=timezone.now()
    )
    return redirect("notifications")
