"""Household pages: list with search and filters, detail with members and history, and the forms.

Reads go through `visible_to` / `get_visible_or_404` (another region answers 404); changes go
through `registry.services`, which hold them to the capability table (core.permissions; others
get 403).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from core import audit
from core import labels as core_labels
from core.dates import today
from core.models import AuditRecord
from core.permissions import Cap, can, require
from core.scoping import get_visible_or_404
from regions.models import Region, place_names
from registry import services
from registry.forms import (
    AddPersonForm,
    CorrectionForm,
    HouseholdFilterForm,
    HouseholdForm,
    IncomeForm,
    PersonForm,
    RegionNode,
    RemoveMemberForm,
    attach_errors,
    region_names,
)
from registry.models import Household, Membership, Person

PAGE_SIZE = 50


def _require_editor(request: HttpRequest) -> None:
    require(request.user, Cap.EDIT_REGISTER)


def _household(request: HttpRequest, pk: int) -> Household:
    return get_visible_or_404(Household.objects.select_related("region"), request.user, pk=pk)


def _person(request: HttpRequest, pk: int) -> Person:
    return get_visible_or_404(
        Person.objects.select_related("household__region"), request.user, pk=pk
    )


def _nav_regions(user: Any) -> list[RegionNode]:
    """The user's active regions down to villages (groups too for a village user), in tree order."""
    deepest = max(Region.Level.VILLAGE, (user.region.level if user.region else 0) + 1)
    rows = (
        Region.objects.visible_to(user)
        .active()
        .filter(level__lte=deepest)
        .order_by("path")
        .values_list("pk", "name", "level", "parent_id", "path")
    )
    return [RegionNode(*row) for row in rows]


def household_list(request: HttpRequest) -> HttpResponse:
    """户籍台账: search, filters, a region tree, sortable columns, 50 a page with the count.

    A fixed number of queries whatever the page size: regions (once, for the tree, the picker and
    the row labels), the count, and the page rows with their region.
    """
    regions = _nav_regions(request.user)
    labels = core_labels.context(request)["labels"]  # shared by the badges and the filter
    form = HouseholdFilterForm(request.GET or None, regions=regions, labels=labels)
    data: dict[str, Any] = {}
    if form.is_bound:
        if not form.is_valid():
            # A hand-edited or stale link: say which filter was left out, not show all silently.
            wrong = "、".join(str(form.fields[name].label) for name in form.errors)
            messages.warning(request, f"筛选条件“{wrong}”的值无效，已忽略")
        data = form.cleaned_data
    qs, notice = services.filter_households(
        Household.objects.visible_to(request.user).select_related("region"),
        data,
        actor=request.user,
    )
    if notice:
        messages.warning(request, notice)
    sort = data.get("sort") or "number"
    ordering = [sort] if sort.lstrip("-") == "number" else [sort, "number"]
    page = Paginator(qs.order_by(*ordering), PAGE_SIZE).get_page(request.GET.get("page"))
    names = region_names(regions)
    # One reverse() for the page, not one per row: the detail URL is this prefix plus the pk.
    detail_prefix = reverse("registry:household_detail", args=[0]).removesuffix("0/")
    for h in page.object_list:
        h.url = f"{detail_prefix}{h.pk}/"
        h.region_label = names.get(h.region_id) or (
            f"{names.get(h.region.parent_id, '')}/{h.region.name}".lstrip("/")
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "registry/household_list.html",
        {
            "page": page,
            "headers": _sort_headers(sort, query.copy()),
            "form": form,
            "labels": labels,
            "q": data.get("q", ""),
            "query": query.urlencode(),
            "filtered": any(v for k, v in data.items() if k != "sort"),
            "nav_regions": regions,
            "selected_region": data.get("region"),
        },
    )


def _sort_headers(sort: str, query: Any) -> dict[str, dict[str, str]]:
    """Column links: a click sorts by the column, a second click reverses; the arrow shows which."""
    query.pop("sort", None)
    base = f"?{query.urlencode()}&" if query else "?"
    headers = {}
    for key, label in HouseholdFilterForm.SORTS.items():
        current = sort.lstrip("-") == key
        descending = current and sort.startswith("-")
        headers[key] = {
            "label": label,
            "url": f"{base}sort={'-' if current and not descending else ''}{key}",
            "arrow": ("▼" if descending else "▲") if current else "",
        }
    return headers


def _audit_rows(household: Household) -> list[audit.Described]:
    """变更记录: the household's audit records (its own, its members', its cases'…) in Chinese."""
    records = AuditRecord.objects.filter(household_id=household.pk).select_related("actor")[:200]
    return audit.describe(records, hidden=HIDDEN_FIELDS)


# Bookkeeping columns that say nothing to a reader of the log.
HIDDEN_FIELDS = {"id", "household", "member_count", "net_income"}


def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """户 page: region path, status, members, removed members, incomes, history and 变更记录."""
    household = _household(request, pk)
    persons = list(
        household.persons.order_by("id").prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(household=household).order_by("id"),
            )
        )
    )
    # Age, never the birth date: beside a 4+4 masked ID number a birth date leaves only the
    # county's two area digits to guess (issue 17: 982 of 986 numbers rebuilt in 47 s).
    on = today()
    for p in persons:
        p.age = p.age_on(on)
    removed = [p for p in persons if not p.is_member]
    for p in removed:
        ended = [m for m in p.memberships.all() if m.end_date]
        p.left = ended[-1] if ended else None
    events = list(household.events.select_related("person", "actor").order_by("-date", "-id"))
    context = {
        "household": household,
        "region_path": household.region.full_name(),
        "members": [p for p in persons if p.is_member],
        "removed": removed,
        "incomes": household.incomes.order_by("-year"),
        "events": events,
        "full_numbers": services.texts_in_full(
            request.user, household, [household.address, *(e.reason for e in events)], page="农户页"
        ),
        "audit_rows": _audit_rows(household),
        # A household created by an import has no record of its own: the import's names the file.
        "origin": (
            AuditRecord.objects.select_related("actor")
            .filter(pk=household.import_record_id)
            .first()
            if household.import_record_id
            else None
        ),
        "can_edit": can(request.user, Cap.EDIT_REGISTER, household.region),
        "can_reveal": can(request.user, Cap.REVEAL, household.region),
        "can_correct": can(request.user, Cap.OVERRIDE, household.region),
    }
    return render(request, "registry/household_detail.html", context)


def _form_page(
    request: HttpRequest, form: Any, title: str, back: str, **extra: Any
) -> HttpResponse:
    return render(
        request, "registry/form.html", {"form": form, "title": title, "back": back, **extra}
    )


def household_create(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    form = HouseholdForm(request.POST or None, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            h = services.create_household(actor=request.user, **form.service_fields())
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, f"已新增{h}，户主{h.head_name}；可继续添加其他成员")
            return redirect("registry:household_detail", pk=h.pk)
    return _form_page(request, form, "新增农户", reverse("registry:household_list"))


def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    _require_editor(request)
    form = HouseholdForm(
        request.POST or None,
        viewer=request.user,
        editing=True,
        initial=HouseholdForm.initial_for(household),
        masked=_masked(request, phone=household.masked_phone()),
    )
    if household.phone and request.method == "GET" and can(request.user, Cap.REVEAL):
        services.log_full_view(actor=request.user, obj=household, note="修改表单显示完整联系电话")
    if request.method == "POST" and form.is_valid():
        try:
            services.update_household(
                actor=request.user, household=household, **form.service_fields()
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("registry:household_detail", pk=household.pk)
    return _form_page(
        request,
        form,
        f"修改 {household}",
        household_detail_url(household),
        household=household,
        procedure_url=reverse("monitoring:household", args=[household.pk]),
        can_correct=can(request.user, Cap.OVERRIDE, household.region),
    )


def household_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """手工更正 of the status fields by a county admin, with a stated reason (audited)."""
    household = _household(request, pk)
    require(request.user, Cap.OVERRIDE, household.region, "只有县级管理员可以手工更正")
    form = CorrectionForm(request.POST or None, initial=HouseholdForm.initial_for(household))
    if request.method == "POST" and form.is_valid():
        try:
            services.correct_household(
                actor=request.user,
                household=household,
                reason=form.cleaned_data["reason"],
                **form.service_fields(),
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, "已更正，更正记录已写入状态历史")
            return redirect("registry:household_detail", pk=household.pk)
    return _form_page(
        request, form, f"手工更正 {household}", household_detail_url(household), household=household
    )


def corrections(request: HttpRequest) -> HttpResponse:
    """Every 手工更正 of the user's region, newest first (the county's page of corrections)."""
    require(request.user, Cap.VIEW)
    qs = (
        services.corrections()
        .visible_to(request.user)
        .select_related("household__region", "actor")
        .order_by("-created_at", "-id")
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    names = place_names(e.household.region for e in page.object_list)
    for e in page.object_list:
        e.place = names[e.household.region_id]
    return render(request, "registry/corrections.html", {"page": page})


def _masked(request: HttpRequest, **shown: str) -> dict[str, str]:
    """Masked values to stand in for full ones in a form, unless the user may see them."""
    return {} if can(request.user, Cap.REVEAL) else shown


def household_detail_url(household: Household) -> str:
    return reverse("registry:household_detail", args=[household.pk])


def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    _require_editor(request)
    first = household.member_count == 0
    form = AddPersonForm(
        request.POST or None, initial={"relation": "户主" if first else "", "reason": "原有"}
    )
    if request.method == "POST" and form.is_valid():
        try:
            p = services.add_person(
                actor=request.user,
                household=household,
                reason=form.cleaned_data["reason"],
                date=form.cleaned_data["date"],
                **form.service_fields(),
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, f"已添加成员{p.name}")
            return redirect("registry:household_detail", pk=household.pk)
    return _form_page(
        request,
        form,
        f"{household} · 添加成员",
        household_detail_url(household),
        household=household,
    )


def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    _require_editor(request)
    household = person.household
    form = PersonForm(
        request.POST or None,
        initial=PersonForm.initial_for(person),
        masked=_masked(
            request,
            id_number=person.masked_id(),
            phone=person.masked_phone(),
            birth_date=f"{person.birth_date:%Y}年" if person.birth_date else "",
        ),
    )
    if "birth_date" in form.masked:
        form.fields["birth_date"].help_text = "为保护隐私只显示出生年份；留空则保持不变"
    if request.method == "GET" and can(request.user, Cap.REVEAL):
        services.log_full_view(
            actor=request.user, obj=person, note="修改表单显示完整证件号码、出生日期和联系电话"
        )
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        if fields.get("id_number", person.id_number) == person.id_number:
            # Unchanged number: keep the stored sex and birth date unless the form changed them.
            fields.pop("id_number", None)
            for derived in ("sex", "birth_date"):
                if not fields.get(derived):
                    fields.pop(derived, None)
        try:
            services.update_person(actor=request.user, person=person, **fields)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, f"已保存成员{person.name}")
            return redirect("registry:household_detail", pk=household.pk)
    return _form_page(
        request,
        form,
        f"{household} · 修改成员 {person.name}",
        household_detail_url(household),
        household=household,
    )


def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    _require_editor(request)
    household = person.household
    form = RemoveMemberForm(request.POST or None)
    if not person.is_member:
        messages.error(request, f"{person.name}已不在户中")
        return redirect("registry:household_detail", pk=household.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.remove_member(actor=request.user, person=person, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, f"已将{person.name}减少（{form.cleaned_data['reason']}）")
            return redirect("registry:household_detail", pk=household.pk)
    return _form_page(
        request,
        form,
        f"{household} · 减少成员 {person.name}",
        household_detail_url(household),
        household=household,
        danger=True,
    )


def income_edit(request: HttpRequest, pk: int, year: int | None = None) -> HttpResponse:
    household = _household(request, pk)
    _require_editor(request)
    record = household.incomes.filter(year=year).first() if year else None
    initial = IncomeForm.initial_for(record) if record else {"year": year}
    form = IncomeForm(request.POST or None, initial=initial)
    if record:
        form.fields["year"].disabled = True
    if request.method == "POST" and form.is_valid():
        amounts = dict(form.cleaned_data)
        try:
            saved = services.save_income(
                actor=request.user, household=household, year=amounts.pop("year"), **amounts
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(
                request, f"已保存{saved.year}年收入：家庭年人均纯收入{saved.per_capita}元"
            )
            return redirect("registry:household_detail", pk=household.pk)
    title = f"{household} · {year}年收入" if record else f"{household} · 新增年度收入"
    return _form_page(request, form, title, household_detail_url(household), household=household)


@require_POST
def reveal_person(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    """The full ID number or phone of a member (logged); 403 for users without the permission."""
    return _reveal(request, _person(request, pk), field)


@require_POST
def reveal_household(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    return _reveal(request, _household(request, pk), field)


def _reveal(request: HttpRequest, obj: Household | Person, field: str) -> HttpResponse:
    allowed = {"id_number", "phone"} if isinstance(obj, Person) else {"phone"}
    if field not in allowed:
        raise PermissionDenied("不能查看该字段")
    value = services.reveal(actor=request.user, obj=obj, field=field)
    return HttpResponse(format_html('<span class="fp-revealed font-monospace">{}</span>', value))
