"""Password policy beyond Django's own validators: no reuse of the last passwords.

Configured in AUTH_PASSWORD_VALIDATORS; Django runs `validate` wherever a password is chosen
(the password change page, the admin, createsuperuser) and `password_changed` after every
save of a new password (AbstractBaseUser.save), which is where the history is written.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, is_password_usable
from django.core.exceptions import ValidationError

from trial.models import PasswordHistory


class PasswordHistoryValidator:
    """Refuse a password equal to one of the user's last `count` passwords (the current one
    included), compared against their stored hashes."""

    def __init__(self, count: int = 5):
        self.count = count

    def _recent_hashes(self, user) -> list[str]:
        hashes = list(
            PasswordHistory.objects.filter(user=user)
            .order_by("-set_at", "-id")
            .values_list("password", flat=True)[: self.count]
        )
        # Users from before the history was kept have only their current hash.
        current = (
            get_user_model()._base_manager.filter(pk=user.pk).values_list("password", flat=True)
        )
        for hashed in current:
            if hashed not in hashes:
                hashes.insert(0, hashed)
        return hashes[: self.count]

    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        if any(check_password(password, hashed) for hashed in self._recent_hashes(user)):
            raise ValidationError(
                f"This password was one of your last {self.count} passwords: choose a new one.",
                code="password_reused",
            )

    def password_changed(self, password, user):
        replaced = getattr(user, "_replaced_password", "")
        if (
            replaced
            and is_password_usable(replaced)
            and not PasswordHistory.objects.filter(user=user, password=replaced).exists()
        ):
            PasswordHistory.objects.create(user=user, password=replaced)
        latest = PasswordHistory.objects.filter(user=user).order_by("-set_at", "-id").first()
        # A hash upgrade (check_password re-hashing the same password) is not a new password.
        if latest is not None and check_password(password, latest.password):
            return
        PasswordHistory.objects.create(user=user, password=user.password)

    def get_help_text(self):
        return f"Your password cannot be one of your last {self.count} passwords."
