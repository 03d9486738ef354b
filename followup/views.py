from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from followup.models import Notification
from followup.services import notifications_mark_read


@login_required
def notifications(request):
    items = Notification.objects.filter(user=request.user)[:200]
    return render(request, "followup/notifications.html", {"items": items})


@login_required
@require_POST
def notifications_read(request):
    ids = request.POST.getlist("id")
    notifications_mark_read(
        user=request.user, ids=[int(i) for i in ids if i.isdigit()] or None, now=timezone.now()
    )
    return redirect("notifications")
