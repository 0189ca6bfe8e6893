"""Assistance services: contacts, measures, visits with photos, and 集中排查 campaigns.

Every change goes through a function here (keyword `actor=`, one transaction, an audit record).
The read helpers at the end (`overdue_households`, `campaign_progress`) are set-wise queries.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connections, models, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from assistance.models import (
    FOUR_ONES,
    Campaign,
    Contact,
    Measure,
    Screening,
    Visit,
    VisitPhoto,
    VisitRule,
    ledger_term_ends,
)
from core import audit, codes, hooks
from core.audit import snapshot
from core.dates import today
from core.layout import valid_phone
from core.models import AuditRecord
from core.permissions import Cap, require
from core.uploads import UploadRejected, check_image
from regions.models import Region
from registry.models import Household

PHOTO_MAX_BYTES = 8 * 1024 * 1024
PHOTO_TYPES = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png")}
THUMB_SIZE = (320, 320)
SCREEN_SCOPES = {"all": "全部农户", "key": "脱贫户和监测对象"}


def _audit(actor: Any, action: str, obj: models.Model, household: Household, **kw: Any) -> None:
    audit.record(
        actor=actor,
        action=action,
        obj=obj,
        household_id=household.pk,
        region_id=household.region_id,
        **kw,
    )


# ---------------------------------------------------------------- contacts


def _contact_fields(
    user: Any, name: str, unit: str, phone: str, start_date: dt.date
) -> dict[str, Any]:
    if start_date > today():
        raise ValidationError({"start_date": "帮扶开始时间不能晚于今天"})
    try:
        phone = valid_phone(phone)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from exc
    if user is not None:
        return {
            "user": user,
            "name": name or str(user),
            "unit": unit or user.unit,
            "phone": phone or user.phone,
        }
    if not name.strip():
        raise ValidationError({"name": "请选择系统用户，或填写帮扶联系人姓名"})
    return {"user": None, "name": name.strip(), "unit": unit.strip(), "phone": phone}


@transaction.atomic
def assign_contact(
    *,
    actor: Any,
    household: Household,
    start_date: dt.date,
    user: Any = None,
    name: str = "",
    unit: str = "",
    phone: str = "",
) -> Contact:
    """Make someone the household's 帮扶联系人 from `start_date`; the previous one ends that day."""
    fields = _contact_fields(user, name, unit, phone, start_date)
    current = list(Contact.objects.select_for_update().filter(household=household).current())
    for old in current:
        if old.start_date > start_date:
            raise ValidationError(
                {"start_date": f"开始时间不能早于现任联系人{old.name}的开始时间{old.start_date}"}
            )
    for old in current:
        old.end_date = start_date
        old.save(update_fields=["end_date"])
        _audit(actor, "update", old, household, after={"end_date": start_date.isoformat()})
    contact = Contact(household=household, start_date=start_date, created_by=_user(actor), **fields)
    contact.full_clean()
    contact.save()
    _audit(actor, "create", contact, household, after=snapshot(contact))
    return contact


@transaction.atomic
def bulk_assign_contacts(
    *,
    actor: Any,
    households: models.QuerySet,
    start_date: dt.date,
    user: Any = None,
    name: str = "",
    unit: str = "",
    phone: str = "",
) -> int:
    """Give every household of `households` the same contact (e.g. a village's 监测对象)."""
    fields = _contact_fields(user, name, unit, phone, start_date)
    ids = list(households.values_list("pk", flat=True))
    current = Contact.objects.filter(household_id__in=ids).current()
    late = current.filter(start_date__gt=start_date).values_list("name", "start_date").first()
    if late:
        raise ValidationError(
            {"start_date": f"开始时间不能早于现任联系人{late[0]}的开始时间{late[1]}"}
        )
    current.update(end_date=start_date)
    creator = _user(actor)
    rows = [
        Contact(household_id=pk, start_date=start_date, created_by=creator, **fields) for pk in ids
    ]
    Contact.objects.bulk_create(rows, batch_size=2000)
    regions = dict(Household.objects.filter(pk__in=ids).values_list("pk", "region_id"))
    audit.audit_objects(
        actor,
        "create",
        [
            AuditRecord(
                action="create",
                object_type="assistance.contact",
                object_repr=f"批量指定帮扶联系人 {fields['name']}",
                after={"name": fields["name"], "start_date": start_date.isoformat()},
                household_id=pk,
                region_id=regions[pk],
            )
            for pk in ids
        ],
    )
    return len(ids)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


# ---------------------------------------------------------------- measures


@transaction.atomic
def save_measure(
    *, actor: Any, household: Household, measure: Measure | None = None, **fields: Any
) -> Measure:
    """Create or change one 一户一策 measure of a household."""
    if measure is not None and measure.household_id != household.pk:
        raise ValidationError("措施不属于该户")
    before = snapshot(measure) if measure is not None else None
    obj = measure or Measure(household=household, created_by=_user(actor))
    for key, value in fields.items():
        setattr(obj, key, value)
    errors = {}
    if obj.person is not None and obj.person.household_id != household.pk:
        errors["person"] = "受益成员不是该户成员"
    if obj.ledger_kind:
        row = obj.ledger_row()
        if row is None or row.household_id != household.pk:
            errors["ledger_row_id"] = "关联的台账记录不存在或不属于该户"
        elif not obj.end_date:
            # The measure runs to the record's term (a post's contract, a loan's due date).
            obj.end_date = ledger_term_ends([(obj.ledger_kind, row.pk)]).get(
                (obj.ledger_kind, row.pk)
            )
    if obj.start_date and obj.end_date and obj.end_date < obj.start_date:
        errors["end_date"] = "结束日期不能早于开始日期"
    # A measure is recorded when it is carried out: only a planned one may start later, and a
    # finished one ended by today (a running one's end is its contract or agreement term).
    if obj.start_date and obj.start_date > today() and obj.status != Measure.Status.PLANNED:
        errors["start_date"] = "开始日期不能晚于今天（尚未开始的措施请选择“计划”状态）"
    if obj.end_date and obj.end_date > today() and obj.status == Measure.Status.DONE:
        errors["end_date"] = "已完成的措施结束日期不能晚于今天"
    if obj.continues_after_elimination and not obj.end_date:
        errors["end_date"] = "风险消除后继续的措施须填写结束日期（合同、协议或学段的终止时间）"
    if errors:
        raise ValidationError(errors)
    obj.full_clean()
    obj.save()
    _audit(
        actor, "update" if before else "create", obj, household, before=before, after=snapshot(obj)
    )
    return obj


# ---------------------------------------------------------------- visits and photos


def _store_photo(upload: Any) -> dict[str, Any]:
    """Check an uploaded photo (JPEG/PNG, size) and write it plus a JPEG thumbnail."""
    from PIL import Image, UnidentifiedImageError

    name = getattr(upload, "name", "照片")
    if upload.size > PHOTO_MAX_BYTES:
        raise ValidationError(
            {"photos": f"照片“{name}”超过{PHOTO_MAX_BYTES // (1024 * 1024)}MB，请压缩后再上传"}
        )
    data = upload.read()
    try:  # the header first: a picture of too many pixels is refused before it is decoded
        kind, _, _ = check_image(data, name, tuple(PHOTO_TYPES))
        # The thumbnail before anything is stored: a picture whose data is broken though its
        # header and checksums are sound (a PNG) fails here, leaving no file behind.
        image = Image.open(io.BytesIO(data))
        image.draft("RGB", THUMB_SIZE)  # a JPEG decodes at the size the thumbnail needs
        thumb = image.convert("RGB")
    except UploadRejected as exc:
        raise ValidationError({"photos": str(exc)}) from exc
    except (Image.DecompressionBombError, UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValidationError({"photos": f"文件“{name}”不是有效的图片"}) from exc
    content_type, ext = PHOTO_TYPES[kind]
    thumb.thumbnail(THUMB_SIZE)
    buf = io.BytesIO()
    thumb.save(buf, "JPEG", quality=80)
    stem = f"visits/{today():%Y/%m}/{uuid.uuid4().hex}"
    path = default_storage.save(f"{stem}.{ext}", ContentFile(data))
    thumb_path = default_storage.save(f"{stem}.thumb.jpg", ContentFile(buf.getvalue()))
    return {"file": path, "thumbnail": thumb_path, "content_type": content_type, "size": len(data)}


@transaction.atomic
def record_visit(
    *,
    actor: Any,
    household: Household,
    date: dt.date,
    kind: str = Visit.Kind.ROUTINE,
    notes: str = "",
    latitude: Any = None,
    longitude: Any = None,
    photos: Iterable[Any] = (),
    **checklist: bool,
) -> Visit:
    """Record a visit with its「四个一」checklist and photos (files removed again on failure)."""
    unknown = set(checklist) - set(FOUR_ONES)
    if unknown:
        raise ValidationError(f"未知的走访项目：{'、'.join(sorted(unknown))}")
    if date > today():
        raise ValidationError({"date": "走访日期不能晚于今天"})
    visit = Visit(
        household=household,
        visitor=_user(actor),
        date=date,
        kind=kind,
        notes=notes,
        latitude=latitude,
        longitude=longitude,
        **checklist,
    )
    visit.full_clean()
    visit.save()
    stored: list[str] = []
    try:
        for upload in photos:
            info = _store_photo(upload)
            stored += [info["file"], info["thumbnail"]]
            VisitPhoto.objects.create(visit=visit, **info)
    except ValidationError:
        # Files live outside the transaction: remove those written before the bad one.
        for path in stored:
            default_storage.delete(path)
        raise
    _audit(actor, "create", visit, household, after={**snapshot(visit), "photos": len(stored) // 2})
    return visit


# ---------------------------------------------------------------- overdue visits


@transaction.atomic
def update_visit_rules(*, actor: Any, values: dict[VisitRule, tuple[int, bool]]) -> None:
    """Change the visit frequencies (interval in days, active) all together, or none."""
    bad = [r for r, (days, _) in values.items() if not 1 <= days <= 366]
    if bad:
        raise ValidationError([f"{r.get_target_display()}：走访间隔应在1—366天之间" for r in bad])
    for rule, (days, active) in values.items():
        before = snapshot(rule)
        rule.interval_days, rule.active = days, active
        rule.save(update_fields=["interval_days", "active"])
        audit.record(actor=actor, action="update", obj=rule, before=before, after=snapshot(rule))


def _rule_groups() -> dict[str, Q]:
    """Household filters of each VisitRule target; the groups do not overlap.

    `category > ''` (not `category != ''`) lets the database use the category index.
    """
    monitored = Q(category__gt="")
    return {
        VisitRule.Target.MONITORED: monitored & Q(risk_eliminated=False),
        VisitRule.Target.ELIMINATED: monitored & Q(risk_eliminated=True),
        VisitRule.Target.ALLEVIATED: Q(category="", is_alleviated=True),
    }


def overdue_households(households: models.QuerySet, today: dt.date) -> models.QuerySet:
    """Households whose last visit is older than their group's interval (or never visited).

    Annotates `last_visit` (a correlated subquery on the (household, date) index) and
    `interval_days`; one query whatever the number of rules. The due date is compared through
    one CASE over the groups, so the database looks up the last visit once per candidate.
    """
    rules = list(VisitRule.objects.filter(active=True))
    if not rules:
        return households.none()
    groups = _rule_groups()
    last = Visit.objects.filter(household=OuterRef("pk")).order_by("-date").values("date")[:1]
    date_field: models.DateField = models.DateField()
    cutoff = models.Case(
        *[
            models.When(
                groups[r.target], then=models.Value(today - dt.timedelta(days=r.interval_days))
            )
            for r in rules
        ],
        output_field=date_field,
    )
    interval = models.Case(
        *[models.When(groups[r.target], then=models.Value(r.interval_days)) for r in rules],
        output_field=models.IntegerField(),
    )
    # The candidates first, through the indexes, so the visit subquery runs on few rows.
    # PostgreSQL combines the two index scans of an OR (BitmapOr); SQLite would scan every
    # household for an OR, so it gets a UNION ALL of the two index searches instead.
    if connections[households.db].vendor == "postgresql":
        candidates = Q(category__gt="") | Q(category="", is_alleviated=True)
    else:
        candidates = Q(
            pk__in=Household.objects.filter(category__gt="")
            .order_by()
            .values("pk")
            .union(
                Household.objects.filter(category="", is_alleviated__in=[True])
                .order_by()
                .values("pk"),
                all=True,
            )
        )
    return (
        households.filter(candidates)
        .annotate(last_visit=Subquery(last, output_field=date_field), interval_days=interval)
        .alias(seen=Coalesce(F("last_visit"), models.Value(dt.date.min), output_field=date_field))
        .filter(seen__lt=cutoff)
    )


# ---------------------------------------------------------------- campaigns


def _q(key: str, text: str, risk: str, risk_answer: str = "是") -> dict[str, Any]:
    return {
        "key": key,
        "text": text,
        "options": ["是", "否"],
        "risk_answer": risk_answer,
        "risk": risk,
    }


def default_questionnaire() -> dict[str, Any]:
    """两不愁（吃、穿）, 义务教育, 基本医疗, 住房安全, 饮水安全 and income (policy.md §6)."""
    return {
        "sections": [
            {
                "title": "两不愁（吃、穿）",
                "questions": [
                    _q(
                        "food", "米面粮油能满足基本生活需要，肉蛋奶或豆制品想吃能吃？", "其他", "否"
                    ),
                    _q("clothes", "一年四季有应季衣物和被褥？", "其他", "否"),
                ],
            },
            {
                "title": "义务教育",
                "questions": [
                    _q("dropout", "家中有义务教育阶段适龄儿童少年失学辍学？", "因学"),
                ],
            },
            {
                "title": "基本医疗",
                "questions": [
                    _q("uninsured", "有家庭成员未参加城乡居民（职工）基本医疗保险？", "因病"),
                    _q("medical_cost", "有成员患大病、长期慢性病，医疗费用负担过重？", "因病"),
                ],
            },
            {
                "title": "住房安全",
                "questions": [
                    _q("housing", "现住房为C级或D级危房，或存在明显安全隐患？", "因安全住房"),
                ],
            },
            {
                "title": "饮水安全",
                "questions": [
                    _q(
                        "water",
                        "水量不足、水质不达标、取水往返超过20分钟或断水超过1个月？",
                        "因安全饮水",
                    ),
                ],
            },
            {
                "title": "收入情况",
                "questions": [
                    _q("job_income", "因务工就业不稳定，家庭收入明显减少？", "因务工就业不稳"),
                    _q("disaster", "因自然灾害造成较大损失？", "因自然灾害"),
                    _q("accident", "因意外事故导致收入骤减或支出骤增？", "因意外事故"),
                ],
            },
        ]
    }


def _risks(questionnaire: Any) -> set[str]:
    """The risks a stored questionnaire's questions raise leads of."""
    sections = questionnaire.get("sections", []) if isinstance(questionnaire, dict) else []
    return {
        q["risk"]
        for section in sections
        if isinstance(section, dict)
        for q in section.get("questions") or []
        if isinstance(q, dict) and q.get("risk")
    }


def validate_questionnaire(data: Any, kept: Iterable[str] = ()) -> dict[str, Any]:
    """Check a questionnaire's structure; the message names the section and question.

    A question's risk is one in effect, or one of `kept` (the risks the questionnaire already
    raised) that the table still knows: a risk retired since may stay, not be newly chosen.
    """
    allowed = codes.offered("risk", list(kept))
    if not isinstance(data, dict) or not isinstance(data.get("sections"), list):
        raise ValidationError({"questionnaire": "问卷格式不正确：应由若干部分组成"})
    if not data["sections"]:
        raise ValidationError({"questionnaire": "问卷至少需要一个部分"})
    keys: set[str] = set()
    for i, section in enumerate(data["sections"], 1):
        where = f"第{i}部分"
        if not isinstance(section, dict) or not str(section.get("title", "")).strip():
            raise ValidationError({"questionnaire": f"{where}缺少部分名称"})
        questions = section.get("questions")
        if not isinstance(questions, list) or not questions:
            raise ValidationError({"questionnaire": f"{where}“{section['title']}”没有问题"})
        for j, q in enumerate(questions, 1):
            at = f"{where}第{j}题"
            if not isinstance(q, dict) or not q.get("key") or not q.get("text"):
                raise ValidationError({"questionnaire": f"{at}缺少问题内容"})
            if q["key"] in keys:
                raise ValidationError({"questionnaire": f"{at}的编号“{q['key']}”重复"})
            keys.add(q["key"])
            options = q.get("options")
            if not isinstance(options, list) or len(options) < 2:
                raise ValidationError({"questionnaire": f"{at}至少需要两个选项"})
            if q.get("risk") and q["risk"] not in allowed:
                raise ValidationError(
                    {"questionnaire": f"{at}的风险“{q['risk']}”不在风险类型代码表中"}
                )
            if q.get("risk") and q.get("risk_answer") not in options:
                raise ValidationError({"questionnaire": f"{at}产生线索的答案须为选项之一"})
    return data


@transaction.atomic
def create_campaign(
    *,
    actor: Any,
    name: str,
    start_date: dt.date,
    end_date: dt.date,
    regions: Iterable[Region],
    questionnaire: dict | None = None,
) -> Campaign:
    """Open a 集中排查 round over some regions, with the default questionnaire unless given."""
    regions = list(regions)
    if not regions:
        raise ValidationError({"regions": "请选择排查范围"})
    if end_date < start_date:
        raise ValidationError({"end_date": "结束日期不能早于开始日期"})
    campaign = Campaign(
        name=name,
        start_date=start_date,
        end_date=end_date,
        questionnaire=validate_questionnaire(questionnaire or default_questionnaire()),
        created_by=_user(actor),
    )
    campaign.full_clean()
    campaign.save()
    campaign.regions.set(regions)
    audit.record(
        actor=actor,
        action="create",
        obj=campaign,
        after={**snapshot(campaign), "regions": [r.pk for r in regions]},
        region_id=regions[0].pk,
    )
    return campaign


@transaction.atomic
def update_questionnaire(*, actor: Any, campaign: Campaign, questionnaire: Any) -> Campaign:
    """Replace a campaign's questionnaire after checking it."""
    before = campaign.questionnaire
    campaign.questionnaire = validate_questionnaire(questionnaire, kept=_risks(before))
    campaign.save(update_fields=["questionnaire"])
    audit.record(
        actor=actor,
        action="update",
        obj=campaign,
        before={"questionnaire": before},
        after={"questionnaire": campaign.questionnaire},
    )
    return campaign


@transaction.atomic
def assign_screenings(
    *,
    actor: Any,
    campaign: Campaign,
    village: Region,
    scope: str = "key",
    cadre: Any = None,
) -> int:
    """Add a village's households to the campaign (all, or 脱贫户+监测对象) under one cadre.

    Households already in the campaign keep their answers; only their cadre changes.
    Returns the number of households assigned.
    """
    if scope not in SCREEN_SCOPES:
        raise ValidationError({"scope": f"未知的排查范围“{scope}”"})
    covered = [r.path for r in campaign.regions.all()]
    if not any(village.path.startswith(p) for p in covered):
        raise ValidationError({"village": f"{village.name}不在本次排查范围内"})
    households = Household.objects.filter(region__path__startswith=village.path)
    if scope == "key":
        households = households.filter(Q(is_alleviated=True) | ~Q(category=""))
    sizes = dict(households.values_list("pk", "member_count"))
    ids = list(sizes)
    existing = Screening.objects.filter(campaign=campaign, household_id__in=ids)
    existing.update(cadre=cadre)
    have = set(existing.values_list("household_id", flat=True))
    Screening.objects.bulk_create(
        [
            Screening(campaign=campaign, household_id=pk, village=village, cadre=cadre, persons=n)
            for pk, n in sizes.items()
            if pk not in have
        ],
        batch_size=2000,
    )
    audit.record(
        actor=actor,
        action="update",
        obj=campaign,
        after={"village": village.pk, "scope": scope, "cadre": getattr(cadre, "pk", None)},
        region_id=village.pk,
        note=f"{village.name}分配{len(ids)}户",
    )
    return len(ids)


def risks_from_answers(campaign: Campaign, answers: dict[str, str]) -> list[tuple[str, str]]:
    """(risk, "section：question 答…") for every answer that indicates a risk."""
    found = []
    for section in campaign.sections:
        for q in section["questions"]:
            if q.get("risk") and answers.get(q["key"]) == q.get("risk_answer"):
                found.append((q["risk"], f"{section['title']}：{q['text']}答“{q['risk_answer']}”"))
    return found


@transaction.atomic
def save_screening_section(
    *, actor: Any, screening: Screening, section: int, answers: dict[str, str], today: dt.date
) -> Screening:
    """Store one section's answers; after the last section, finish the household.

    Finishing records a 集中排查 visit and, when an answer indicates a risk, a lead
    (source 集中排查) through monitoring.services.create_lead.
    """
    s = Screening.objects.select_for_update().get(pk=screening.pk)
    sections = s.campaign.sections
    if not 0 <= section < len(sections):
        raise ValidationError(f"问卷没有第{section + 1}部分")
    for q in sections[section]["questions"]:
        value = answers.get(q["key"], "")
        if value not in q["options"]:
            raise ValidationError({q["key"]: f"请回答“{q['text']}”"})
        s.answers[q["key"]] = value
    last = section == len(sections) - 1
    first_finish = last and not s.done
    if last:
        s.done, s.done_date = True, s.done_date or today
        found = risks_from_answers(s.campaign, s.answers)
        risks = list(dict.fromkeys(r for r, _ in found))
        s.risks = codes.join_multi(risks)
        if found and s.lead_id is None:
            s.lead = hooks.call(
                "monitoring.create_lead",
                actor=actor,
                source="集中排查",
                reported_date=today,
                household=s.household,
                risks=risks,
                description="；".join(text for _, text in found),
                origin=f"assistance.screening:{s.pk}",
                from_rules=True,
            )
    if first_finish:
        # Correcting answers later must not count as another visit.
        Visit.objects.create(
            household=s.household,
            visitor=_user(actor),
            date=today,
            kind=Visit.Kind.SCREENING,
            notes=f"{s.campaign.name}：{s.risks or '未发现风险'}",
        )
    s.save()
    _audit(actor, "update", s, s.household, after={"section": section, "done": s.done})
    screening.refresh_from_db()
    return screening


def campaign_progress(campaign: Campaign, screenings: models.QuerySet) -> dict[str, Any]:
    """Coverage by village and by cadre plus the summary figures.

    Two GROUP BYs over covering indexes, one small query for the households identified
    after a lead, and the names of the villages and cadres listed.
    """
    from accounts.models import User

    rows = screenings.filter(campaign=campaign).order_by()
    counts = {
        "assigned": Count("id"),
        "done": Count("id", filter=Q(done=True)),
        "leads": Count("lead_id"),
    }
    by_village = list(rows.values("village_id").annotate(persons=Sum("persons"), **counts))
    by_cadre = list(rows.values("cadre_id").annotate(**counts).order_by("-assigned"))
    found = rows.filter(
        lead__isnull=False,
        household__identified_date__gte=campaign.start_date,
        household__category__gt="",
    ).aggregate(households=Count("id"), persons=Sum("household__member_count"))
    villages = dict(
        Region.objects.filter(pk__in=[r["village_id"] for r in by_village]).values_list(
            "pk", "name"
        )
    )
    cadres = {u.pk: str(u) for u in User.objects.filter(pk__in=[r["cadre_id"] for r in by_cadre])}
    for row in by_village:
        row["village__name"] = villages.get(row["village_id"], "")
    by_village.sort(key=lambda r: r["village__name"])
    for row in by_cadre:
        row["cadre_name"] = cadres.get(row["cadre_id"], "未分配")
    for row in [*by_village, *by_cadre]:
        row["pct"] = round(100 * row["done"] / row["assigned"], 1) if row["assigned"] else 0
    assigned = sum(r["assigned"] for r in by_village)
    done = sum(r["done"] for r in by_village)
    return {
        "by_village": by_village,
        "by_cadre": by_cadre,
        "villages": len(by_village),
        "assigned": assigned,
        "done": done,
        "persons": sum(r["persons"] or 0 for r in by_village),
        "leads": sum(r["leads"] for r in by_village),
        "pct": round(100 * done / assigned, 1) if assigned else 0,
        "identified_households": found["households"] or 0,
        "identified_persons": found["persons"] or 0,
    }


# ---------------------------------------------------------------- exports


OVERDUE_HEADERS = ["序号", "乡镇/村", "户编号", "户主", "联系人", "上次走访", "走访周期（天）"]
OVERDUE_HEADERS += ["应走访日期", "逾期天数"]


@transaction.atomic
def export_overdue_visits(
    *, actor: Any, order: list[int], due: dict[int, tuple], contacts: dict[int, str], out: Any
) -> int:
    """The households overdue for a visit, in `order`, as a printable Excel 台账 with a 合计
    row; `due` maps a household to (last visit, interval days). Audited."""
    from core.batching import chunks
    from ledgers.workbook import table_workbook, totals_row
    from regions.models import place_names

    require(actor, Cap.EXPORT)
    region = actor.region
    day = today()
    book = table_workbook(
        out,
        title=f"{region.name}走访逾期清单",
        region=region,
        what=f"截至 {day:%Y-%m-%d}",
        headers=OVERDUE_HEADERS,
        widths={1: 20, 2: 22, 4: 10, 5: 12, 7: 12},
    )
    count = 0
    never = 0
    for part in chunks(order, 2000):
        found = Household.objects.visible_to(actor).select_related("region").in_bulk(part)
        places = place_names(h.region for h in found.values())
        for pk in part:
            h = found.get(pk)
            if h is None:
                continue
            last, interval = due[pk]
            when = last + dt.timedelta(days=interval) if last else None
            count += 1
            never += last is None
            book.write_row(
                [
                    count,
                    places.get(h.region_id, ""),
                    h.number,
                    h.head_name,
                    contacts.get(pk, ""),
                    last or "从未走访",
                    interval,
                    when or "",
                    (day - when).days if when else "",
                ]
            )
    totals_row(book, count, "户", "", "", f"其中从未走访{never}户")
    book.close()
    audit.record(
        actor=actor,
        action="export",
        object_type="assistance.visit",
        object_repr=f"导出走访逾期清单{count}户",
        region_id=region.pk,
        note="走访逾期清单",
    )
    return count
