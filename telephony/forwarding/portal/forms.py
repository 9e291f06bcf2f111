"""Forms of the time-range editor: name, week days and up to three periods; holidays."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from telephony.forwarding import schedule

STEP_MINUTES = 5
TIME_CHOICES = [("", "--:--")] + [
    (str(minute), schedule.format_minute(minute)) for minute in range(0, schedule.MINUTES_PER_DAY + 1, STEP_MINUTES)
]


class TimeRangeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Days"), choices=list(WEEKDAYS.items()), coerce=int, widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for number in range(1, schedule.MAX_PERIODS + 1):
            self.fields[f"start_{number}"] = forms.TypedChoiceField(
                label=_("Period %(number)s from") % {"number": number},
                choices=TIME_CHOICES,
                coerce=int,
                required=False,
                empty_value=None,
            )
            self.fields[f"end_{number}"] = forms.TypedChoiceField(
                label=_("to"), choices=TIME_CHOICES, coerce=int, required=False, empty_value=None
            )

    @classmethod
    def initial_for(cls, name: str, weekdays: list[int], periods: list[tuple[int, int]]) -> dict[str, Any]:
        initial: dict[str, Any] = {"name": name, "weekdays": weekdays}
        for number, (start, end) in enumerate(periods, start=1):
            initial[f"start_{number}"], initial[f"end_{number}"] = str(start), str(end)
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        periods = []
        for number in range(1, schedule.MAX_PERIODS + 1):
            start, end = data.get(f"start_{number}"), data.get(f"end_{number}")
            if start is None and end is None:
                continue
            if start is None or end is None:
                self.add_error(f"start_{number}", _("Give both the start and the end of the period."))
                continue
            periods.append((start, end))
        data["periods"] = periods
        return data

    def period_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"start_{n}"], self[f"end_{n}"]) for n in range(1, schedule.MAX_PERIODS + 1)]


class HolidayForm(forms.Form):
    label = forms.CharField(label=_("Label"), max_length=100)
    start_date = forms.DateField(label=_("First day"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(
        label=_("Last day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty for a single day."),
    )
