"""What a browser would submit from a rendered page: for the "nothing typed is lost" tests.

`submitted_values(html, action)` reads the form of a page the way a browser builds its POST
body (text-like inputs, checked boxes and radios, selected options, textareas), so a test can
post something invalid and check that every value it sent is back on the re-rendered form.
"""

from html.parser import HTMLParser

IGNORED = {"csrfmiddlewaretoken"}
NOT_SUBMITTED_TYPES = {"submit", "button", "reset", "image", "file"}


class _FormReader(HTMLParser):
    def __init__(self, action):
        super().__init__(convert_charrefs=True)
        self.action = action
        self.values: dict[str, list[str]] = {}
        self.disabled: set[str] = set()
        self.enabled: set[str] = set()
        self.forms_seen: list[str | None] = []
        self._in_form = False
        self._fieldset_disabled = 0
        self._select = None
        self._select_disabled = False
        self._option = None
        self._textarea = None
        self._text = []

    def _add(self, name, value, disabled):
        if not name or name in IGNORED:
            return
        if disabled or self._fieldset_disabled:
            self.disabled.add(name)
            return
        self.enabled.add(name)
        self.values.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms_seen.append(a.get("action"))
            if (a.get("method") or "get").lower() == "post" and (
                self.action is None or (a.get("action") or "") == self.action
            ):
                self._in_form = True
            return
        if not self._in_form:
            return
        disabled = "disabled" in a
        if tag == "fieldset" and disabled:
            self._fieldset_disabled += 1
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in NOT_SUBMITTED_TYPES:
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._add(a.get("name"), a.get("value", "on"), disabled)
                elif disabled or self._fieldset_disabled:
                    self.disabled.add(a.get("name"))
                elif a.get("name"):
                    self.enabled.add(a.get("name"))
                return
            self._add(a.get("name"), a.get("value", ""), disabled)
        elif tag == "select":
            self._select = a.get("name")
            self._select_disabled = disabled
            self._select_options = []
            self._select_chosen = []
            self._select_multiple = "multiple" in a
        elif tag == "option" and self._select is not None:
            self._option = a
            self._text = []
        elif tag == "textarea":
            self._textarea = (a.get("name"), disabled)
            self._text = []

    def handle_data(self, data):
        if self._option is not None or self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form" and self._in_form:
            self._in_form = False
        if not self._in_form:
            return
        if tag == "fieldset" and self._fieldset_disabled:
            self._fieldset_disabled -= 1
        elif tag == "option" and self._option is not None:
            value = self._option.get("value", "".join(self._text).strip())
            self._select_options.append(value)
            if "selected" in self._option:
                self._select_chosen.append(value)
            self._option = None
        elif tag == "select" and self._select is not None:
            chosen = self._select_chosen
            if not chosen and not self._select_multiple and self._select_options:
                chosen = self._select_options[:1]  # a browser submits the first option
            for value in chosen:
                self._add(self._select, value, self._select_disabled)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, disabled = self._textarea
            # A browser drops the single newline that follows <textarea>.
            self._add(name, "".join(self._text).removeprefix("\n"), disabled)
            self._textarea = None


def submitted_values(html: str, action: str | None = None) -> dict[str, list[str]]:
    """The values the POST form of `html` (the one posting to `action`, "" for the form
    posting to its own page, every POST form when None) would submit, by field name."""
    reader = _FormReader(action)
    reader.feed(html)
    return reader.values


def disabled_fields(html: str, action: str | None = None) -> set[str]:
    """Names of the fields of the form that are disabled (themselves or by their fieldset)."""
    reader = _FormReader(action)
    reader.feed(html)
    return reader.disabled


def enabled_fields(html: str, action: str | None = None) -> set[str]:
    """Names of the fields of the form a user can still change."""
    reader = _FormReader(action)
    reader.feed(html)
    return reader.enabled


def as_lists(data: dict) -> dict[str, list[str]]:
    """Posted test data (a value or a list per name) in the shape of submitted_values."""
    out = {}
    for name, value in data.items():
        if name in IGNORED:
            continue
        values = value if isinstance(value, list | tuple) else [value]
        out[name] = [str(v) for v in values]
    return out


def lost_values(posted: dict, html: str, action: str | None = None) -> dict:
    """Each posted field whose values are not what the re-rendered form would submit again:
    {name: (posted, rendered)}. Empty when nothing typed was lost."""
    rendered = submitted_values(html, action)
    lost = {}
    for name, values in as_lists(posted).items():
        again = rendered.get(name, [])
        if sorted(again) != sorted(values):
            lost[name] = (values, again)
    return lost
