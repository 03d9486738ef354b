"""Study configuration, sites, people and subjects.

Clinical rows are audited by database triggers (django-pghistory): every insert and update
lands in an append-only event table with the acting user, URL and reason for change.
Hard deletes of clinical rows are refused by a trigger; they are voided instead.
"""

import pghistory
import pgtrigger
from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q

from trial import schedule
from trial.assessments import Assessment


class Role(models.TextChoices):
    COORDINATOR = "coordinator", "Site coordinator"
    INVESTIGATOR = "investigator", "Investigator"
    MONITOR = "monitor", "Monitor"
    DATA_MANAGER = "data_manager", "Data manager"
    SPONSOR_SAFETY = "sponsor_safety", "Sponsor safety"
    ADMIN = "admin", "Administrator"


# Site roles work on their own sites' subjects; these roles may be granted for all sites.
STUDY_WIDE_ROLES = frozenset({Role.MONITOR, Role.DATA_MANAGER, Role.SPONSOR_SAFETY, Role.ADMIN})


class User(AbstractUser):
    """A person using the eCRF (staff only: subjects are never users)."""

    def __str__(self):
        return self.get_full_name() or self.username

    def set_password(self, raw_password):
        # The hash being replaced is kept for the password history (trial.passwords): a user
        # made by create_user or createsuperuser got their first one without set_password.
        self._replaced_password = self.password
        super().set_password(raw_password)


class PasswordHistory(models.Model):
    """A hash of a password the user has had (never the password itself), one row per change:
    trial.passwords.PasswordHistoryValidator refuses the last ones again."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128, help_text="As User.password: a salted hash.")
    set_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "password history"
        indexes = [models.Index(fields=["user", "-set_at"])]

    def __str__(self):
        return f"{self.user} {self.set_at:%Y-%m-%d %H:%M}"


@pghistory.track()
class Site(models.Model):
    code = models.CharField(max_length=10, unique=True, help_text="Prefix of screening numbers")
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 alpha-2")
    active = models.BooleanField(default=True)
    # Next screening sequence number; incremented under a row lock, so never reused.
    next_screening_seq = models.PositiveIntegerField(default=1, editable=False)
    next_subject_seq = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


@pghistory.track()
class Membership(models.Model):
    """A user's role at a site; a study-wide role may leave the site empty (all sites)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "site", "role"], name="membership_unique_user_site_role"
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(site__isnull=True),
                name="membership_unique_user_role_all_sites",
            ),
            models.CheckConstraint(
                condition=Q(site__isnull=False)
                | Q(role__in=sorted(r.value for r in STUDY_WIDE_ROLES)),
                name="membership_site_roles_need_a_site",
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} @ {self.site or 'all sites'}"


@pghistory.track()
class Study(models.Model):
    protocol_number = models.CharField(max_length=50, unique=True)
    title = models.CharField(max_length=500)
    phase = models.CharField(max_length=10)
    product = models.CharField(max_length=100)
    sponsor = models.CharField(max_length=200, blank=True)
    target_enrollment = models.PositiveIntegerField()
    dlt_window_days = models.PositiveIntegerField()
    screening_window_days = models.PositiveIntegerField()
    cycle_length_days = models.PositiveIntegerField()
    max_cycles = models.PositiveIntegerField()
    sites = models.ManyToManyField(Site, related_name="studies", blank=True)
    # The PK and immunogenicity samples ([samples] of the study file, checked at load by
    # trial.study_config.sample_schedule_values): {"times": [...], "types": [...]}.
    sample_schedule = models.JSONField(default=dict, blank=True)
    # The schedule of assessments ([[assessments]] of the study file, checked at load):
    # trial.assessments.Assessment.as_stored() of each entry, in the file's order.
    assessments = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name_plural = "studies"

    def __str__(self):
        return f"{self.protocol_number} — {self.product}"

    def schedule_of_assessments(self) -> tuple[Assessment, ...]:
        return tuple(Assessment.from_stored(row) for row in self.assessments)


@pghistory.track()
class ProtocolThreshold(models.Model):
    """One number of the protocol (age limits, washouts, ...), with the text it comes from."""

    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="thresholds")
    key = models.SlugField(max_length=60)
    value = models.DecimalField(max_digits=12, decimal_places=3)
    unit = models.CharField(max_length=30, blank=True)
    protocol_text = models.TextField(blank=True, help_text="The synopsis wording it encodes")

    class Meta:
        ordering = ["study", "key"]
        constraints = [
            models.UniqueConstraint(fields=["study", "key"], name="threshold_unique_key")
        ]

    def __str__(self):
        return f"{self.key} = {self.value} {self.unit}".strip()


@pghistory.track()
class LabLimit(models.Model):
    """An organ-function lab limit for inclusion ("main organ functions in good condition")."""

    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="lab_limits")
    code = models.SlugField(max_length=30)
    label = models.CharField(max_length=100)
    unit = models.CharField(max_length=30)
    minimum = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    maximum = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    relative_to_uln = models.BooleanField(
        default=False, help_text="The limit is a multiple of the upper limit of normal"
    )
    test = models.CharField(
        max_length=8,
        blank=True,
        help_text="The lab panel's test code that gives this value at screening (NEUT, CREAT…)",
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["study", "order"]
        constraints = [
            models.UniqueConstraint(fields=["study", "code"], name="lablimit_unique_code"),
            models.CheckConstraint(
                condition=Q(minimum__isnull=False) | Q(maximum__isnull=False),
                name="lablimit_has_a_bound",
            ),
        ]

    def __str__(self):
        return self.label


@pghistory.track()
class VitalSignLimit(models.Model):
    """A vital sign's limits ([vital_signs] of the study file): outside the plausible range a
    value is a typing error (refused); beyond a clinical limit it is saved and queried."""

    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="vital_sign_limits")
    code = models.SlugField(max_length=30)
    label = models.CharField(max_length=100)
    unit = models.CharField(max_length=30)
    plausible_min = models.DecimalField(max_digits=8, decimal_places=2)
    plausible_max = models.DecimalField(max_digits=8, decimal_places=2)
    clinical_min = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    clinical_max = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["study", "order"]
        constraints = [
            models.UniqueConstraint(fields=["study", "code"], name="vitalsignlimit_unique_code"),
            models.CheckConstraint(
                condition=Q(plausible_min__lt=F("plausible_max")),
                name="vitalsignlimit_plausible_range",
            ),
        ]

    def __str__(self):
        return self.label


@pghistory.track()
class DoseLevel(models.Model):
    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="dose_levels")
    code = models.CharField(max_length=10)
    order = models.PositiveSmallIntegerField()
    dose_amount = models.DecimalField(max_digits=10, decimal_places=3)
    dose_unit = models.CharField(max_length=20)
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["study", "order"]
        constraints = [
            models.UniqueConstraint(fields=["study", "code"], name="doselevel_unique_code"),
            models.UniqueConstraint(fields=["study", "order"], name="doselevel_unique_order"),
        ]

    def __str__(self):
        return f"{self.code} ({self.dose_amount} {self.dose_unit})"


class EscalationDesignKind(models.TextChoices):
    THREE_PLUS_THREE = "3+3", "3+3"
    BOIN = "boin", "BOIN (Bayesian optimal interval)"


@pghistory.track()
class EscalationDesign(models.Model):
    """The study's dose-escalation design, as the study file chooses it ([escalation]).

    The BOIN parameters (trial/boin.py) are stored as the design uses them: the loader
    writes the defaults of phi1/phi2 (0.6 and 1.4 times the target) and of the cut-off, so
    the row says exactly what the decisions were computed with. They are empty for 3+3.
    """

    study = models.OneToOneField(Study, on_delete=models.PROTECT, related_name="escalation_design")
    design = models.CharField(max_length=10, choices=EscalationDesignKind.choices)
    target_dlt_rate = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    phi1 = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    phi2 = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    cohort_size = models.PositiveSmallIntegerField(null=True, blank=True)
    max_sample_size = models.PositiveSmallIntegerField(null=True, blank=True)
    stop_at_n = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Patients at the current dose at which the trial stops"
    )
    elimination_cutoff = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    start_dose_level = models.ForeignKey(
        DoseLevel, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(design__in=EscalationDesignKind.values),
                name="escalationdesign_known_design",
            ),
            models.CheckConstraint(
                condition=~Q(design=EscalationDesignKind.BOIN)
                | Q(
                    phi1__gt=0,
                    target_dlt_rate__gt=models.F("phi1"),
                    phi2__gt=models.F("target_dlt_rate"),
                    phi2__lt=1,
                    cohort_size__gte=1,
                    max_sample_size__gte=models.F("cohort_size"),
                    stop_at_n__gte=1,
                    elimination_cutoff__gt=0,
                    elimination_cutoff__lt=1,
                ),
                name="escalationdesign_boin_parameters",
            ),
        ]

    def __str__(self):
        return self.get_design_display()


class VisitKind(models.TextChoices):
    SCREENING = "screening", "Screening"
    DOSING = "dosing", "Dosing"
    SAFETY = "safety", "Safety"
    END_OF_TREATMENT = "end_of_treatment", "End of treatment"
    FOLLOW_UP = "follow_up", "Follow-up"


class VisitAnchor(models.TextChoices):
    FIRST_DOSE = "first_dose", "First dose (C1D1)"
    LAST_DOSE = "last_dose", "Last dose"


@pghistory.track()
class VisitDefinition(models.Model):
    """One visit of the configured schedule, relative to the first or the last dose."""

    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="visit_definitions")
    code = models.CharField(max_length=10)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=VisitKind.choices)
    anchor = models.CharField(max_length=20, choices=VisitAnchor.choices)
    offset_days = models.IntegerField(default=0)
    offset_months = models.PositiveSmallIntegerField(default=0)
    window_before_days = models.PositiveSmallIntegerField(default=0)
    window_after_days = models.PositiveSmallIntegerField(default=0)
    cycle = models.PositiveSmallIntegerField(null=True, blank=True)
    order = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["study", "order"]
        constraints = [
            models.UniqueConstraint(fields=["study", "code"], name="visitdef_unique_code"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class SubjectStatus(models.TextChoices):
    SCREENING = "screening", "Screening"
    SCREEN_FAILED = "screen_failed", "Screen failed"
    ENROLLED = "enrolled", "Enrolled"
    ON_TREATMENT = "on_treatment", "On treatment"
    FOLLOW_UP = "follow_up", "Follow-up"
    COMPLETED = "completed", "Completed"
    WITHDRAWN = "withdrawn", "Withdrawn"
    LOST_TO_FOLLOW_UP = "lost_to_follow_up", "Lost to follow-up"
    DIED = "died", "Died"


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"


class Race(models.TextChoices):
    """CDISC codelist RACE (C74457); "not reported" where it is not asked or declined (in
    France, for one, collecting it needs a specific justification)."""

    AMERICAN_INDIAN_OR_ALASKA_NATIVE = (
        "american_indian_or_alaska_native",
        "American Indian or Alaska Native",
    )
    ASIAN = "asian", "Asian"
    BLACK_OR_AFRICAN_AMERICAN = "black_or_african_american", "Black or African American"
    NATIVE_HAWAIIAN_OR_OTHER_PACIFIC_ISLANDER = (
        "native_hawaiian_or_other_pacific_islander",
        "Native Hawaiian or Other Pacific Islander",
    )
    WHITE = "white", "White"
    MULTIPLE = "multiple", "More than one race"
    NOT_REPORTED = "not_reported", "Not reported (not asked or declined)"
    UNKNOWN = "unknown", "Unknown"


class Ethnicity(models.TextChoices):
    """CDISC codelist ETHNIC (C66790)."""

    HISPANIC_OR_LATINO = "hispanic_or_latino", "Hispanic or Latino"
    NOT_HISPANIC_OR_LATINO = "not_hispanic_or_latino", "Not Hispanic or Latino"
    NOT_REPORTED = "not_reported", "Not reported (not asked or declined)"
    UNKNOWN = "unknown", "Unknown"


class TumourType(models.TextChoices):
    SOFT_TISSUE_SARCOMA = "sts", "Advanced soft tissue sarcoma"
    HNSCC = "hnscc", "Head and neck squamous cell carcinoma"
    MELANOMA = "melanoma", "Malignant melanoma"
    OTHER = "other", "Other (specify)"


class SubjectQuerySet(models.QuerySet):
    def active(self):
        return self.filter(voided_at__isnull=True)


# demographics_changed_at is review.current's bookkeeping: the change it stamps is audited
# as the change of the sex or date of birth itself.
@pghistory.track(exclude=["demographics_changed_at"])
class Subject(models.Model):
    """A patient in the trial, known only by numbers: no name or direct identifier is stored."""

    study = models.ForeignKey(Study, on_delete=models.PROTECT, related_name="subjects")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="subjects")
    screening_number = models.CharField(max_length=20, unique=True, editable=False)
    subject_number = models.CharField(max_length=20, unique=True, null=True, blank=True)
    # Changed only through the transition services in trial.services / screening.services.
    status = models.CharField(
        max_length=20, choices=SubjectStatus.choices, default=SubjectStatus.SCREENING
    )
    sex = models.CharField(max_length=1, choices=Sex.choices)
    date_of_birth = models.DateField()
    # Blank only for subjects registered before these were collected.
    race = models.CharField(max_length=45, choices=Race.choices, blank=True)
    ethnicity = models.CharField(max_length=25, choices=Ethnicity.choices, blank=True)
    tumour_type = models.CharField(max_length=20, choices=TumourType.choices)
    tumour_type_other = models.CharField(max_length=200, blank=True)
    # Enrollment (screening.services.subject_enroll).
    dose_level = models.ForeignKey(
        DoseLevel, null=True, blank=True, on_delete=models.PROTECT, related_name="subjects"
    )
    planned_c1d1 = models.DateField(null=True, blank=True)
    # The dates of the first and last dose given, kept by dosing.services on every dose
    # write, correction and void (never typed): the actual C1D1 (study day 1, the DLT window,
    # SDTM RFSTDTC) and the anchor of end of treatment and follow-up.
    first_dose_on = models.DateField(null=True, blank=True, editable=False)
    last_dose_on = models.DateField(null=True, blank=True, editable=False)
    enrolled_at = models.DateTimeField(null=True, blank=True)
    enrolled_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # DLT status drives the 3+3 state; recorded with adverse events (until then, by an
    # investigator in the admin). dlt_evaluable None: derived from the window.
    dlt = models.BooleanField(default=False)
    dlt_evaluable = models.BooleanField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True)
    # When the sex or the date of birth was last corrected (None: as registered). Other CRFs'
    # signed content reads them (eligibility: review.records.CrfKind.related_saved_at); the
    # database refuses a change of either that does not move this stamp.
    demographics_changed_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = SubjectQuerySet.as_manager()

    class Meta:
        ordering = ["site__code", "screening_number"]
        triggers = [
            pgtrigger.Protect(name="no_hard_delete", operation=pgtrigger.Delete),
            pgtrigger.Trigger(
                name="demographics_change_stamped",
                when=pgtrigger.Before,
                operation=pgtrigger.Update,
                func=(
                    "RAISE EXCEPTION 'Cannot change the sex or date of birth of subject % without "
                    "moving demographics_changed_at', OLD.id;"
                ),
                condition=(
                    pgtrigger.Q(old__sex__df=pgtrigger.F("new__sex"))
                    | pgtrigger.Q(old__date_of_birth__df=pgtrigger.F("new__date_of_birth"))
                )
                & pgtrigger.Q(
                    old__demographics_changed_at__ndf=pgtrigger.F("new__demographics_changed_at")
                ),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(tumour_type="other") | ~Q(tumour_type_other=""),
                name="subject_other_tumour_type_specified",
            ),
        ]

    def __str__(self):
        return self.subject_number or self.screening_number


# reminder_due_at and forms_checked_at are the reminder scan's bookkeeping, not trial data:
# their changes are not audit events (every scan moves them on the visits it read).
@pghistory.track(exclude=["reminder_due_at", "forms_checked_at"])
class Visit(models.Model):
    """One planned visit of an enrolled subject, generated from the study's schedule."""

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="visits")
    code = models.CharField(max_length=10)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=VisitKind.choices)
    anchor = models.CharField(max_length=20, choices=VisitAnchor.choices)
    cycle = models.PositiveSmallIntegerField(null=True, blank=True)
    order = models.PositiveSmallIntegerField()
    target_date = models.DateField()
    window_opens_on = models.DateField()
    # Reminder scans look for visits whose window is closing: stored and indexed.
    window_closes_on = models.DateField(db_index=True)
    completed_on = models.DateField(null=True, blank=True)
    missed_reason = models.TextField(blank=True)
    not_applicable = models.BooleanField(default=False)
    # When the reminder scan (followup.services) must look at this visit again: NULL (at the
    # next scan) when the visit is planned or its window moves (move_window), then the moment
    # of its next reminder, kept by the scan. The scan reads only open visits whose moment
    # has come, so its time follows the reminders due, not the number of visits.
    reminder_due_at = models.DateTimeField(null=True, blank=True)
    # When the reminder scan read this visit's expected forms once its missing-form reminders
    # were due (followup.services): the scan reads only visits without it, so it does not
    # re-read every closed visit at each run. NULL again when a form's record at the visit is
    # corrected or voided (review.contract), its window moves (move_window) or the schedule
    # of assessments changes (trial.study_config): a form may be missing again.
    forms_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["subject", "order"]
        triggers = [
            pgtrigger.Protect(name="no_hard_delete", operation=pgtrigger.Delete),
        ]
        indexes = [
            models.Index(
                fields=["reminder_due_at"],
                condition=Q(completed_on__isnull=True, not_applicable=False, missed_reason=""),
                name="visit_open_reminder_due",
            ),
            models.Index(
                fields=["window_closes_on"],
                condition=Q(forms_checked_at__isnull=True),
                name="visit_forms_unchecked",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["subject", "code"], name="visit_unique_code"),
            models.CheckConstraint(
                condition=Q(window_opens_on__lte=models.F("target_date"))
                & Q(target_date__lte=models.F("window_closes_on")),
                name="visit_target_inside_window",
            ),
        ]

    def __str__(self):
        return f"{self.subject} {self.code}"

    def move_window(self, plan: schedule.PlannedVisit) -> list[str]:
        """Take the dates of `plan` (a re-anchored schedule); returns the fields to save. The
        reminder scan looks at the visit again at its next run (reminder_due_at), and at its
        expected forms once the new window has closed (forms_checked_at)."""
        self.target_date = plan.target_date
        self.window_opens_on = plan.window_opens
        self.window_closes_on = plan.window_closes
        self.reminder_due_at = None
        self.forms_checked_at = None
        return [
            "target_date",
            "window_opens_on",
            "window_closes_on",
            "reminder_due_at",
            "forms_checked_at",
        ]

    def planned(self) -> schedule.PlannedVisit:
        return schedule.PlannedVisit(
            code=self.code,
            name=self.name,
            kind=schedule.VisitKind(self.kind),
            cycle=self.cycle,
            order=self.order,
            target_date=self.target_date,
            window_opens=self.window_opens_on,
            window_closes=self.window_closes_on,
            anchor=schedule.Anchor(self.anchor),
        )

    def status_on(self, today) -> schedule.VisitStatus:
        return schedule.visit_status(
            self.planned(),
            today=today,
            completed_on=self.completed_on,
            missed_recorded=bool(self.missed_reason),
            not_applicable=self.not_applicable,
        )


@pghistory.track()
class RolePolicy(models.Model):
    """Per-role security settings an administrator sets: a TOTP second factor."""

    role = models.CharField(max_length=20, choices=Role.choices, unique=True)
    require_totp = models.BooleanField(
        "require a TOTP second factor",
        default=False,
        help_text="Users holding this role must confirm an authenticator app at each sign-in.",
    )

    class Meta:
        verbose_name = "role security policy"
        verbose_name_plural = "role security policies"

    def __str__(self):
        return f"{self.get_role_display()}: TOTP {'required' if self.require_totp else 'optional'}"


class Heartbeat(models.Model):
    """Last time each background process (worker, beat) proved it was running."""

    process = models.CharField(max_length=20, unique=True)
    last_seen = models.DateTimeField()

    def __str__(self):
        return f"{self.process} @ {self.last_seen:%Y-%m-%d %H:%M:%S}"


class AuditLink(models.Model):
    """One link of the audit trail's hash chain, one per audit event (trial/audit_chain.py).

    Written only by the database, at commit, as the owner role; append-only."""

    seq = models.BigIntegerField(primary_key=True)
    event_table = models.CharField(max_length=63)
    event_id = models.BigIntegerField()
    # The event's columns the digest covers (those it had when it was linked).
    columns = ArrayField(models.TextField())
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    linked_at = models.DateTimeField()

    class Meta:
        ordering = ["seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_table", "event_id"], name="auditlink_unique_event"
            )
        ]

    def __str__(self):
        return f"link {self.seq}: {self.event_table} {self.event_id}"


class AuditChainHead(models.Model):
    """The chain's last link (a single row, id 1): its row lock orders concurrent commits."""

    id = models.PositiveSmallIntegerField(primary_key=True)
    last_seq = models.BigIntegerField()
    hash = models.CharField(max_length=64)
    updated_at = models.DateTimeField()

    def __str__(self):
        return f"head at link {self.last_seq}"


class FormDraft(models.Model):
    """What a user had posted when the session had already ended (idle or too long), kept
    so that it goes back on the form after the user signs in again (trial.security).

    Server-side only: never in a URL or a log. The CSRF token and any password field are
    not kept; a draft expires after ECRF_FORM_DRAFT_HOURS and is deleted once restored.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="form_drafts")
    page = models.CharField(max_length=500, help_text="Path of the page the form was on.")
    action = models.CharField(max_length=500, help_text="Path the form was posted to.")
    values = models.JSONField(help_text="The posted values, a list per field name.")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["user", "page"])]

    def __str__(self):
        return f"draft of {self.user} for {self.page}"
