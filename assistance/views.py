"""Assistance pages: household plan, contacts, visits (mobile), overdue list, 集中排查."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Case, Count, F, Q, When
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from assistance import services
from assistance.checks import household_findings
from assistance.forms import (
    AssignForm,
    BaseQuestionFormSet,
    BulkContactForm,
    CampaignForm,
    ContactForm,
    MeasureForm,
    QuestionFormSet,
    VisitForm,
    questionnaire_initial,
    section_form,
)
from assistance.models import Campaign, Contact, Measure, Screening, VisitPhoto, VisitRule
from core import dates
from core.permissions import GRID, Cap, can, require
from core.scoping import get_visible_or_404
from regions.models import Region, get_visible_region_or_404, place_names
from registry.models import Household, HouseholdQuerySet
from registry.services import search_households, texts_in_full

PAGE = 50


def _household(request: HttpRequest, pk: int) -> Household:
    return get_visible_or_404(Household.objects.select_related("region"), request.user, pk=pk)


def _without_page(request: HttpRequest) -> str:
    """The current query string minus `page`, for the pagination links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _apply_errors(form: Any, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form (per field where it names one)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error.messages)
    else:
        form.add_error(None, exc.messages)


def _name_places(households: Iterable[Any]) -> None:
    """Each household's `place` (乡镇/行政村, and 组 when known), one query for the page."""
    households = list(households)
    names = place_names(h.region for h in households)
    for h in households:
        h.place = names[h.region_id]


def _search(request: HttpRequest, households: HouseholdQuerySet, q: str) -> HouseholdQuerySet:
    """The register's search (a full ID number only for users who may see full numbers)."""
    found, notice = search_households(households, q, actor=request.user)
    if notice:
        messages.warning(request, notice)
    return found


def index(request: HttpRequest) -> HttpResponse:
    """Landing page: find a household, record a visit, and the lists a cadre needs."""
    today = dates.today()
    households = Household.objects.visible_to(request.user)
    overdue = services.overdue_households(households, today).count()
    mine = Contact.objects.visible_to(request.user).current().filter(user=request.user).count()
    campaigns = Campaign.objects.visible_to(request.user).filter(end_date__gte=today)[:5]
    q = request.GET.get("q", "").strip()
    found = list(_search(request, households, q).select_related("region")[:30]) if q else []
    _name_places(found)
    return render(
        request,
        "assistance/index.html",
        {"overdue": overdue, "mine": mine, "campaigns": campaigns, "q": q, "found": found},
    )


# ---------------------------------------------------------------- household page


def household(request: HttpRequest, pk: int) -> HttpResponse:
    """A household's contact, 一户一策 measures with rule findings, visits and screenings."""
    h = _household(request, pk)
    one = Household.objects.filter(pk=h.pk)
    visits = list(h.visits.select_related("visitor").prefetch_related("photos")[:50])
    measures = list(h.measures.all())
    return render(
        request,
        "assistance/household.html",
        {
            "household": h,
            "contacts": list(h.contacts.select_related("user")),
            "measures": measures,
            "full_numbers": texts_in_full(
                request.user, h, [m.outcome for m in measures], page="帮扶页"
            ),
            "findings": household_findings(one),
            "visits": visits,
            "screenings": list(h.screenings.select_related("campaign", "lead")),
            "can_plan": can(request.user, Cap.PLAN),
            "can_record": can(request.user, Cap.RECORD_VISIT),
        },
    )


def contact_card(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable 联系卡: cadre name, unit, phone and the head's name — no ID numbers."""
    h = _household(request, pk)
    contact = h.contacts.current().first()
    return render(
        request,
        "assistance/contact_card.html",
        {"household": h, "contact": contact, "address": address_line(h)},
    )


def address_line(h: Household) -> str:
    """The household's address, once: the 乡镇/行政村/组 unless the address already names the
    village (a full address from the register often does)."""
    place = h.region.place()
    village = place.split("/")[1] if "/" in place else place
    address = h.address.strip()
    if address and village in address:
        return address
    return f"{place.replace('/', '')}{address}"


def contact_assign(request: HttpRequest, pk: int) -> HttpResponse:
    h = _household(request, pk)
    require(request.user, Cap.PLAN)
    form = ContactForm(request.POST or None, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.assign_contact(actor=request.user, household=h, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "已指定帮扶联系人")
            return redirect("assistance:household", pk=h.pk)
    return render(request, "assistance/form.html", {"form": form, "title": f"{h} · 帮扶联系人"})


def measure_edit(request: HttpRequest, pk: int, measure_id: int | None = None) -> HttpResponse:
    h = _household(request, pk)
    require(request.user, Cap.PLAN)
    measure = None
    if measure_id is not None:
        measure = get_visible_or_404(
            Measure.objects.all(), request.user, pk=measure_id, household=h
        )
    form = MeasureForm(request.POST or None, instance=measure, household=h)
    if request.method == "POST" and form.is_valid():
        fields = {f: form.cleaned_data[f] for f in MeasureForm.Meta.fields}
        fields |= form.ledger_fields()
        try:
            # The form validated a copy; the service applies the fields to the stored row.
            stored = Measure.objects.get(pk=measure_id) if measure_id else None
            services.save_measure(actor=request.user, household=h, measure=stored, **fields)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "已保存帮扶措施")
            return redirect("assistance:household", pk=h.pk)
    title = f"{h} · {'修改' if measure else '新增'}帮扶措施"
    return render(request, "assistance/form.html", {"form": form, "title": title})


# ---------------------------------------------------------------- contacts and workload


def contact_list(request: HttpRequest) -> HttpResponse:
    """Each cadre's current households and workload, optionally for one village."""
    contacts = Contact.objects.visible_to(request.user).current()
    village = request.GET.get("village", "")
    if village.isdigit():
        region = get_visible_region_or_404(request.user, village)
        contacts = contacts.filter(household__region__path__startswith=region.path)
    rows = (
        contacts.values("user_id", "name", "unit", "phone")
        .annotate(
            households=Count("household_id"),
            monitored=Count(
                "household_id",
                filter=~Q(household__category="") & Q(household__risk_eliminated=False),
            ),
        )
        .order_by("-households", "name")
    )
    page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
    villages = Region.objects.visible_to(request.user).filter(level=Region.Level.VILLAGE)
    return render(
        request,
        "assistance/contact_list.html",
        {"page": page, "villages": villages, "village": village, "query": f"village={village}"},
    )


def cadre_households(request: HttpRequest) -> HttpResponse:
    """The households one cadre is in charge of now (by user id, or an external cadre's name)."""
    contacts = Contact.objects.visible_to(request.user).current().select_related("household")
    user_id, name = request.GET.get("user", ""), request.GET.get("name", "")
    if user_id.isdigit():
        contacts = contacts.filter(user_id=user_id)
    elif name:
        contacts = contacts.filter(user__isnull=True, name=name, phone=request.GET.get("phone", ""))
    else:
        raise Http404("请选择帮扶联系人")
    contacts = contacts.select_related("household__region").order_by("household__number")
    page = Paginator(contacts, PAGE).get_page(request.GET.get("page"))
    _name_places(c.household for c in page.object_list)
    return render(
        request,
        "assistance/cadre_households.html",
        {"page": page, "query": _without_page(request)},
    )


def contact_bulk(request: HttpRequest) -> HttpResponse:
    require(request.user, Cap.PLAN)
    form = BulkContactForm(request.POST or None, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        village, scope = data.pop("village"), data.pop("scope")
        households = Household.objects.visible_to(request.user).filter(
            region__path__startswith=village.path
        )
        if scope == "monitored":
            households = households.exclude(category="")
        else:
            households = households.filter(Q(is_alleviated=True) | ~Q(category=""))
        try:
            n = services.bulk_assign_contacts(actor=request.user, households=households, **data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"已为{village.name}{n}户指定帮扶联系人")
            return redirect("assistance:contacts")
    return render(
        request, "assistance/form.html", {"form": form, "title": "按村批量指定帮扶联系人"}
    )


# ---------------------------------------------------------------- visits and photos


def visit_new(request: HttpRequest) -> HttpResponse:
    """Mobile visit form. Step 1 searches a visible household; step 2 records the visit."""
    require(request.user, Cap.RECORD_VISIT)
    households = Household.objects.visible_to(request.user)
    picked = request.POST.get("household") or request.GET.get("household", "")
    form = VisitForm(request.POST or None, viewer=request.user, initial={"household": picked})
    target = None
    if picked.isdigit():
        target = households.select_related("region").filter(pk=picked).first()
    status = 200
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            visit = services.record_visit(
                actor=request.user, photos=request.FILES.getlist("photos"), **data
            )
        except ValidationError as exc:  # a refused photo (size, pixels) among them: a 4xx
            _apply_errors(form, exc)
            status = 400
        else:
            messages.success(request, f"已记录{visit.household}的走访")
            return redirect("assistance:household", pk=visit.household_id)
    q = request.GET.get("q", "").strip()
    found = (
        list(_search(request, households, q).select_related("region")[:30])
        if q and not target
        else []
    )
    _name_places([*found, *([target] if target else [])])
    return render(
        request,
        "assistance/visit_form.html",
        {"form": form, "target": target, "q": q, "found": found},
        status=status,
    )


def photo(request: HttpRequest, pk: int, thumb: bool = False) -> FileResponse:
    """A visit photo, only for users who may see the household (otherwise 404)."""
    p = get_visible_or_404(VisitPhoto.objects.all(), request.user, pk=pk)
    name = p.thumbnail if thumb else p.file
    if not default_storage.exists(name):
        raise Http404("照片文件不存在")
    content_type = "image/jpeg" if thumb else p.content_type
    response = FileResponse(default_storage.open(name, "rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


VILLAGE_OF_HOUSEHOLD = Case(
    When(region__level=Region.Level.GROUP, then=F("region__parent_id")), default=F("region_id")
)


def overdue(request: HttpRequest) -> HttpResponse:
    """Households overdue for a visit under the VisitRule frequencies, by village and cadre.

    One query lists every overdue household (id, village, last visit, interval); the counts,
    the order and the page are worked out from it, so the visit subquery runs once.
    """
    today = dates.today()
    households = Household.objects.visible_to(request.user)
    village, cadre = request.GET.get("village", ""), request.GET.get("cadre", "")
    if village.isdigit():
        region = get_visible_region_or_404(request.user, village)
        households = households.filter(region__path__startswith=region.path)
    if cadre.isdigit():
        households = households.filter(
            pk__in=Contact.objects.current().filter(user_id=cadre).values("household_id")
        )
    rows = list(
        services.overdue_households(households, today)
        .annotate(village=VILLAGE_OF_HOUSEHOLD)
        .order_by()
        .values_list("pk", "village", "last_visit", "interval_days")
    )
    # Never visited first, then the longest since the last visit.
    rows.sort(key=lambda r: (r[2] is not None, r[2] or today, r[0]))
    due = {pk: (last, interval) for pk, _, last, interval in rows}
    contacts = {
        hid: (user_id, name, unit)
        for hid, user_id, name, unit in Contact.objects.visible_to(request.user)
        .current()
        .values_list("household_id", "user_id", "name", "unit")
        if hid in due
    }
    village_counts = Counter(r[1] for r in rows)
    # The 50 villages with the most overdue households; each village has its own filtered list.
    top = [pk for pk, _ in village_counts.most_common(50)]
    names = place_names(Region.objects.filter(pk__in=top))
    by_village = [
        {"region_id": pk, "region__name": names.get(pk, ""), "n": n}
        for pk, n in village_counts.most_common(50)
    ]
    by_cadre = [
        {"user_id": key[0], "name": key[1], "unit": key[2], "n": n}
        for key, n in Counter(contacts.values()).most_common(50)
    ]
    if request.GET.get("format") == "xlsx":
        return _overdue_workbook(request, rows, due, contacts)
    page = Paginator([r[0] for r in rows], PAGE).get_page(request.GET.get("page"))
    found = Household.objects.select_related("region").in_bulk(list(page.object_list))
    page.object_list = [found[pk] for pk in page.object_list]
    _name_places(page.object_list)
    for h in page.object_list:
        h.last_visit, h.interval_days = due[h.pk]
        h.contact_name = contacts.get(h.pk, (None, "", ""))[1]
        h.due_date = h.last_visit + dt.timedelta(days=h.interval_days) if h.last_visit else None
    return render(
        request,
        "assistance/overdue.html",
        {
            "page": page,
            "by_village": by_village,
            "village_total": len(village_counts),
            "by_cadre": by_cadre,
            "rules": VisitRule.objects.filter(active=True),
            "village": village,
            "cadre": cadre,
            "query": f"village={village}&cadre={cadre}",
        },
    )


def _overdue_workbook(request: HttpRequest, rows: list, due: dict, contacts: dict) -> HttpResponse:
    """Every overdue household (not just the page) as a printable Excel 台账."""
    import io
    from urllib.parse import quote

    out = io.BytesIO()
    services.export_overdue_visits(
        actor=request.user,
        order=[r[0] for r in rows],
        due=due,
        contacts={hid: name for hid, (_, name, _) in contacts.items()},
        out=out,
    )
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    place = getattr(getattr(request.user, "region", None), "name", "")
    name = f"{place}走访逾期清单{dates.today():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def visit_rules(request: HttpRequest) -> HttpResponse:
    """The visit frequencies; county administrators change them."""
    rules = list(VisitRule.objects.all())
    editable = can(request.user, Cap.SETTINGS)
    errors: list[str] = []
    if request.method == "POST":
        require(request.user, Cap.SETTINGS)
        values = {}
        for rule in rules:
            raw = request.POST.get(f"interval_{rule.pk}", "").strip()
            if not raw.isdigit():
                errors.append(
                    f"{rule.get_target_display()}：走访间隔应为天数（正整数），实为“{raw}”"
                )
                continue
            values[rule] = (int(raw), bool(request.POST.get(f"active_{rule.pk}")))
        if not errors:
            try:
                services.update_visit_rules(actor=request.user, values=values)
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(request, "已保存走访频次")
                return redirect("assistance:visit_rules")
        # The page shows what was typed, not the stored values (the rules are not saved here).
        for rule in rules:
            rule.interval_days = request.POST.get(f"interval_{rule.pk}", "").strip()
            rule.active = bool(request.POST.get(f"active_{rule.pk}"))
    return render(
        request,
        "assistance/visit_rules.html",
        {"rules": rules, "editable": editable, "errors": errors},
    )


# ---------------------------------------------------------------- campaigns


def _campaign(request: HttpRequest, pk: int) -> Campaign:
    campaign = Campaign.objects.visible_to(request.user).filter(pk=pk).first()
    if campaign is None:
        raise Http404("未找到")
    return campaign


def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = Campaign.objects.visible_to(request.user).prefetch_related("regions")
    page = Paginator(campaigns, PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "assistance/campaign_list.html",
        {"page": page, "can_run": can(request.user, Cap.RUN_CAMPAIGN)},
    )


def campaign_new(request: HttpRequest) -> HttpResponse:
    require(request.user, Cap.RUN_CAMPAIGN)
    form = CampaignForm(request.POST or None, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            c = services.create_campaign(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "已创建集中排查，请按村分配农户")
            return redirect("assistance:campaign", pk=c.pk)
    return render(request, "assistance/form.html", {"form": form, "title": "新建集中排查"})


def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Progress: coverage by village and cadre, and the summary sentence reports quote."""
    c = _campaign(request, pk)
    progress = services.campaign_progress(c, Screening.objects.visible_to(request.user))
    return render(
        request,
        "assistance/campaign_detail.html",
        {
            "campaign": c,
            "p": progress,
            "scope_names": "、".join(r.name for r in c.regions.all()),
            "can_run": can(request.user, Cap.RUN_CAMPAIGN),
        },
    )


def campaign_questionnaire(request: HttpRequest, pk: int) -> HttpResponse:
    """The questionnaire editor: one row per question (part, wording, answer type, which answer
    raises a lead of which risk); rows are added with the blank rows and removed with 删除."""
    c = _campaign(request, pk)
    require(request.user, Cap.RUN_CAMPAIGN)
    # A posted row is read as typed (a row emptied by hand is dropped like a deleted one).
    formset = cast(
        BaseQuestionFormSet,
        QuestionFormSet(request.POST, prefix="q")
        if request.method == "POST"
        else QuestionFormSet(initial=questionnaire_initial(c.questionnaire), prefix="q"),
    )
    if request.method == "POST" and formset.is_valid():
        try:
            services.update_questionnaire(
                actor=request.user, campaign=c, questionnaire=formset.questionnaire()
            )
        except ValidationError as exc:
            formset.refuse(exc.messages)
        else:
            messages.success(request, "已保存排查问卷")
            return redirect("assistance:campaign", pk=c.pk)
    return render(
        request,
        "assistance/questionnaire.html",
        {"formset": formset, "campaign": c, "title": f"{c} · 排查问卷"},
    )


def campaign_assign(request: HttpRequest, pk: int) -> HttpResponse:
    c = _campaign(request, pk)
    require(request.user, Cap.RUN_CAMPAIGN)
    form = AssignForm(request.POST or None, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            n = services.assign_screenings(actor=request.user, campaign=c, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"已分配{form.cleaned_data['village'].name}{n}户")
            return redirect("assistance:campaign", pk=c.pk)
    return render(request, "assistance/form.html", {"form": form, "title": f"{c} · 分配农户"})


def campaign_households(request: HttpRequest, pk: int) -> HttpResponse:
    """The households of a campaign the user may see; "mine" by default for grid members."""
    c = _campaign(request, pk)
    rows = Screening.objects.visible_to(request.user).filter(campaign=c)
    show = request.GET.get("show", "mine" if getattr(request.user, "role", "") == GRID else "all")
    if show == "mine":
        rows = rows.filter(cadre=request.user)
    elif show == "todo":
        rows = rows.filter(done=False)
    q = request.GET.get("q", "").strip()
    if q:
        rows = rows.filter(household__in=_search(request, Household.objects.all(), q).values("pk"))
    rows = rows.select_related("household", "village", "cadre").order_by(
        "done", "household__number"
    )
    page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "assistance/campaign_households.html",
        {"campaign": c, "page": page, "show": show, "q": q, "query": f"show={show}&q={q}"},
    )


def screening_section(
    request: HttpRequest, pk: int, screening_id: int, section: int
) -> HttpResponse:
    """One questionnaire section on one phone screen; the last one finishes the household."""
    c = _campaign(request, pk)
    s = get_visible_or_404(
        Screening.objects.select_related("household"), request.user, pk=screening_id, campaign=c
    )
    sections = c.sections
    if not 0 <= section < len(sections):
        raise Http404("问卷没有这一部分")
    form = section_form(sections[section], request.POST or None, initial=s.answers)
    if request.method == "POST":
        require(request.user, Cap.RECORD_VISIT)
        if form.is_valid():
            try:
                services.save_screening_section(
                    actor=request.user,
                    screening=s,
                    section=section,
                    answers=form.cleaned_data,
                    today=dates.today(),
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                if section + 1 < len(sections):
                    return redirect(
                        "assistance:screen", pk=c.pk, screening_id=s.pk, section=section + 1
                    )
                s.refresh_from_db()
                if s.lead_id:
                    messages.warning(request, f"发现风险（{s.risks}），已生成线索")
                else:
                    messages.success(request, "排查完成，未发现风险")
                return redirect(reverse("assistance:campaign_households", args=[c.pk]))
    return render(
        request,
        "assistance/screening_section.html",
        {
            "campaign": c,
            "screening": s,
            "form": form,
            "section": sections[section],
            "number": section + 1,
            "total": len(sections),
        },
    )
