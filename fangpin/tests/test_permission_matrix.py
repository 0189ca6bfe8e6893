"""Every URL name of the project × every persona: the status each answers, and for lists and
exports, nothing of a region the persona may not see (issue 18 §4).

Personas: the five roles (county admin, auditor — both county-wide —, the town's clerk, the
village's cadre and its grid member), a clerk of another town and a cadre of another village of
the same town. Objects exist in 金山店镇/朝阳村 ("own") and 还地桥镇/白羊村 ("other"). A row's
expectation follows from the capability table (core.permissions) and the region rule
(core.scoping): an object outside the persona's region is 404; a capability the persona lacks is
403 (or 404 for screens hidden from a role); otherwise the page answers ("ok": 2xx or 3xx).

The test fails when a URL name has no row: add one for every URL you add.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from python_calamine import CalamineWorkbook

from core.idnumber import make_valid
from core.permissions import Cap, can
from fangpin.testing import make_user

PERSONAS = (
    "county_admin",
    "auditor",
    "town_staff",
    "village_staff",
    "grid_member",
    "other_town",
    "other_village",
)
OK = "ok"


def url_names() -> set[str]:
    """Every named URL of the project, with its namespace."""

    def walk(resolver: URLResolver, prefix: str = "") -> Any:
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                yield from walk(p, prefix + (f"{p.namespace}:" if p.namespace else ""))
            elif isinstance(p, URLPattern) and p.name:
                yield prefix + p.name

    return set(walk(get_resolver()))


@pytest.fixture
def people(users: dict[str, Any], regions: dict[str, Any]) -> dict[str, Any]:
    return users | {"other_village": make_user("village2", "village_staff", regions["village2"])}


@pytest.fixture
def world(
    people: dict[str, Any],
    regions: dict[str, Any],
    household: Any,
    other_household: Any,
    settings: Any,
    tmp_path: Any,
) -> dict[str, Any]:
    """One object of every kind in the own village (and the others needed in the other town)."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from assistance import services as assistance
    from assistance.models import Visit, VisitPhoto
    from benefits.models import YuluRow
    from core.models import Job
    from exchange.engine import ensure_rules
    from exchange.models import Batch, Item
    from imports.models import ImportBatch
    from monitoring import services as monitoring
    from monitoring.models import Attachment, DeclarationChannel, Holiday, PolicyThreshold

    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    county = people["county_admin"]
    today = dt.date.today()
    objects: dict[str, Any] = {"own": household, "other": other_household}
    for side, h in (("own", household), ("other", other_household)):
        lead = monitoring.create_lead(
            actor=county,
            source="基层干部排查",
            reported_date=today,
            household=h,
            risks=["因病"],
            description="看病花费大",
        )
        objects[f"{side}_lead"] = lead
        objects[f"{side}_case"] = monitoring.open_case(actor=county, lead=lead)
        objects[f"{side}_measure"] = assistance.save_measure(
            actor=None, household=h, category="产业帮扶", start_date=today
        )
        objects[f"{side}_person"] = h.persons.order_by("pk").first()
        visit = Visit.objects.create(household=h, date=today)
        for name in (f"{side}.jpg", f"{side}-t.jpg", f"leads/{side}.pdf"):
            default_storage.save(name, ContentFile(b"x"))
        objects[f"{side}_photo"] = VisitPhoto.objects.create(
            visit=visit,
            file=f"{side}.jpg",
            thumbnail=f"{side}-t.jpg",
            content_type="image/jpeg",
            size=1,
        )
        objects[f"{side}_attachment"] = Attachment.objects.create(
            region=h.region, lead=lead, file=f"leads/{side}.pdf", name="x.pdf", size=1
        )
        p = objects[f"{side}_person"]
        objects[f"{side}_yulu"] = YuluRow.objects.create(
            person=p, household=h, region=h.region, year=2024, term="春季"
        )
        rule = ensure_rules()["C_AGE_LABOUR"]
        objects[f"{side}_item"] = Item.objects.create(
            rule=rule,
            kind=rule.kind,
            severity=rule.severity,
            source="register",
            household=h,
            region=h.region,
            fingerprint=f"{side}-fp",
            message="测试疑点",
            last_seen=dt.datetime.now(dt.UTC),
        )
    own_town, other_town = regions["town"], regions["other_town"]
    for side, town, user in (("own", own_town, "town_staff"), ("other", other_town, "other_town")):
        objects[f"{side}_batch"] = Batch.objects.create(
            source="medical",
            filename="m.csv",
            as_of=today,
            region=town,
            status="done",
            created_by=people[user],
        )
        objects[f"{side}_import"] = ImportBatch.objects.create(
            file_name="a.xlsx",
            stored_path=str(tmp_path / "a.xlsx"),
            sha256="0" * 64,
            region=town,
            created_by=people[user],
        )
        objects[f"{side}_job"] = Job.objects.create(
            kind="x", title="测试任务", created_by=people[user], region=town
        )
    campaign = assistance.create_campaign(
        actor=people["town_staff"],
        name="春季集中排查",
        start_date=today,
        end_date=today + dt.timedelta(days=30),
        regions=[own_town],
    )
    assistance.assign_screenings(
        actor=people["town_staff"], campaign=campaign, village=regions["village"], scope="all"
    )
    objects["own_campaign"] = campaign
    objects["own_screening"] = campaign.screenings.first()
    objects["threshold"] = PolicyThreshold.objects.first()
    objects["holiday"] = Holiday.objects.create(date=today, name="测试假日")
    objects["rule"] = ensure_rules()["C_AGE_LABOUR"]
    objects["channel"] = DeclarationChannel.objects.create(region=regions["village"], token="tok")
    objects["village"], objects["other_village"] = regions["village"], regions["other_village"]
    objects["people"] = people
    objects |= _duty_world(county, regions, today)
    objects |= _projects_world(county, regions, household)
    return objects


def _projects_world(county: Any, regions: dict[str, Any], household: Any) -> dict[str, Any]:
    """A project on each side, a household the own one benefits."""
    from ledgers.kit import ledger, region_names
    from ledgers.services import save_row
    from projects import services as projects

    out: dict[str, Any] = {}
    for side, village in (("own", regions["village"]), ("other", regions["other_village"])):
        out[f"{side}_project"] = save_row(
            actor=county,
            ledger=ledger("projects"),
            values={**region_names(village), "project_no": f"{side}-XM1", "year": 2024},
        )
    out["own_beneficiary"] = projects.add_beneficiary(
        actor=county, project=out["own_project"], household=household
    )
    return out


def _duty_world(county: Any, regions: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """A problem with a measure and its evidence on each side, a work-team member and a grid."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from duty import services as duty
    from duty.models import Evidence, GridRole, Problem
    from ledgers.kit import ledger, region_names
    from ledgers.services import save_row

    out: dict[str, Any] = {}
    for side, village in (("own", regions["village"]), ("other", regions["other_village"])):
        row = save_row(
            actor=county,
            ledger=ledger("rectification"),
            values={
                **region_names(village),
                "problem_no": f"{side}-1",
                "measure_no": 1,
                "source": "自查",
                "deadline": today,
            },
        )
        out[f"{side}_rect"] = row
        out[f"{side}_problem"] = Problem.objects.get(number=f"{side}-1")
        out[f"{side}_unit"] = duty.save_grid_unit(actor=county, region=village, name="网格")
    default_storage.save("rectification/own.png", ContentFile(b"x"))
    out["own_evidence"] = Evidence.objects.create(
        measure=out["own_rect"],
        file="rectification/own.png",
        name="own.png",
        content_type="image/png",
        size=1,
    )
    out["own_team"] = save_row(
        actor=county,
        ledger=ledger("work_teams"),
        values={**region_names(regions["village"]), "name": "李四", "start": today},
    )
    out["own_role"] = duty.add_grid_role(
        actor=county, unit=out["own_unit"], role=GridRole.Role.MEMBER, name="网格员乙", start=today
    )
    return out


# -- expectations -------------------------------------------------------------------------------


def sees(persona: Any, region: Any) -> bool:
    return persona.region is not None and region.path.startswith(persona.region.path)


def shared(region_of: Callable[[dict], Any]) -> Callable[[Any, dict], Any]:
    """A page of something a region shares with the regions below it (a town's 集中排查, a
    town's department batch): seen from above and from below, 404 elsewhere."""

    def expected(persona: Any, w: dict) -> Any:
        region = region_of(w)
        below = persona.region is not None and persona.region.path.startswith(region.path)
        return OK if sees(persona, region) or below else 404

    return expected


def read(region_of: Callable[[dict], Any]) -> Callable[[Any, dict], Any]:
    """A page of an object: 404 outside the persona's region."""
    return lambda persona, w: OK if sees(persona, region_of(w)) else 404


def act(region_of: Callable[[dict], Any], cap: Cap) -> Callable[[Any, dict], Any]:
    """An action on an object: 404 outside the region, 403 without the capability."""

    def expected(persona: Any, w: dict) -> Any:
        region = region_of(w)
        if not sees(persona, region):
            return 404
        return OK if can(persona, cap, region) else 403

    return expected


def capability(cap: Cap, hidden: bool = False) -> Callable[[Any, dict], Any]:
    """A page that needs a capability anywhere (a refusal is 403, or 404 when hidden)."""
    return lambda persona, w: OK if can(persona, cap) else (404 if hidden else 403)


def everyone(persona: Any, w: dict) -> Any:
    return OK


def own(name: str) -> Callable[[dict], Any]:
    return lambda w: w[f"own_{name}"].region if name != "" else w["own"].region


def region_of(key: str) -> Callable[[dict], Any]:
    def find(w: dict) -> Any:
        obj = w[key]
        return getattr(obj, "region", None) or obj.household.region

    return find


OWN_H = region_of("own")
OTHER_H = region_of("other")


def TOWN(w: dict) -> Any:
    return w["own"].region.parent


def shared_act(cap: Cap) -> Callable[[Any, dict], Any]:
    """An action on the own town's shared object: 404 where it is not seen, 403 without `cap`."""

    def expected(persona: Any, w: dict) -> Any:
        if shared(TOWN)(persona, w) == 404:
            return 404
        return OK if can(persona, cap, TOWN(w)) else 403

    return expected


# (url name, args builder, method, expectation); args builders take the world.
def a(*keys: str) -> Callable[[dict], list[Any]]:
    def build(w: dict) -> list[Any]:
        out: list[Any] = []
        for k in keys:
            if k.startswith("?"):
                field, _, who = k[1:].partition("=")
                out.append(f"?{field}={w['people'][who].pk}")
            elif k.startswith("="):
                out.append(k[1:])
            elif k.startswith("#"):
                out.append(int(k[1:]))
            else:
                out.append(w[k].pk)
        return out

    return build


NONE = a()


def USER(w: dict) -> list[Any]:
    return [w["people"]["village_staff"].pk]


def OTHER_USER(w: dict) -> list[Any]:
    return [w["people"]["other_village"].pk]


def TOKEN(w: dict) -> list[Any]:
    from accounts.models import ApiToken

    return [ApiToken.issue(w["people"]["village_staff"], "矩阵")[0].pk]


def own_account(persona: Any, w: dict) -> Any:
    """The village user's own account pages: theirs, and their county admin's."""
    return OK if persona.pk == w["people"]["village_staff"].pk or can(persona, Cap.ADMIN) else 404


CASES: list[tuple[str, Callable[[dict], list[Any]], str, Callable[[Any, dict], Any]]] = [
    ("home", NONE, "get", everyone),
    ("healthz", NONE, "get", everyone),
    ("help", NONE, "get", everyone),
    ("help_topic", a("=monitoring"), "get", everyone),
    ("api_docs", NONE, "get", everyone),
    ("accounts:login", NONE, "get", everyone),
    ("accounts:logout", NONE, "post", everyone),
    ("accounts:user_list", NONE, "get", capability(Cap.ADMIN, hidden=True)),
    ("accounts:user_create", NONE, "get", capability(Cap.ADMIN, hidden=True)),
    ("accounts:me", NONE, "get", everyone),
    ("accounts:user_edit", USER, "get", capability(Cap.ADMIN, hidden=True)),
    ("accounts:user_active", OTHER_USER, "post", capability(Cap.ADMIN, hidden=True)),
    ("accounts:user_password", USER, "post", capability(Cap.ADMIN, hidden=True)),
    ("accounts:user_unlock", USER, "post", capability(Cap.ADMIN, hidden=True)),
    ("accounts:token_create", USER, "post", own_account),
    ("accounts:token_revoke", TOKEN, "post", own_account),
    ("accounts:read_audit", NONE, "get", capability(Cap.AUDIT_READS)),
    ("regions:tree", NONE, "get", capability(Cap.ADMIN, hidden=True)),
    ("regions:create_child", a("village"), "post", capability(Cap.ADMIN, hidden=True)),
    ("regions:update", a("other_village"), "post", capability(Cap.ADMIN, hidden=True)),
    ("regions:move", a("village"), "post", capability(Cap.ADMIN, hidden=True)),
    ("regions:retire", a("other_village"), "post", capability(Cap.ADMIN, hidden=True)),
    ("registry:index", NONE, "get", everyone),
    ("registry:household_list", NONE, "get", everyone),
    ("registry:household_create", NONE, "get", capability(Cap.EDIT_REGISTER)),
    ("registry:household_detail", a("own"), "get", read(OWN_H)),
    ("registry:household_detail", a("other"), "get", read(OTHER_H)),
    ("registry:household_edit", a("own"), "get", act(OWN_H, Cap.EDIT_REGISTER)),
    ("registry:household_edit", a("other"), "get", act(OTHER_H, Cap.EDIT_REGISTER)),
    ("registry:household_correct", a("own"), "get", act(OWN_H, Cap.OVERRIDE)),
    ("registry:household_correct", a("other"), "get", act(OTHER_H, Cap.OVERRIDE)),
    ("registry:corrections", NONE, "get", everyone),
    ("registry:member_add", a("own"), "get", act(OWN_H, Cap.EDIT_REGISTER)),
    ("registry:income_add", a("own"), "get", act(OWN_H, Cap.EDIT_REGISTER)),
    ("registry:income_edit", a("own", "#2024"), "get", act(OWN_H, Cap.EDIT_REGISTER)),
    ("registry:member_edit", a("own_person"), "get", act(OWN_H, Cap.EDIT_REGISTER)),
    ("registry:member_edit", a("other_person"), "get", act(OTHER_H, Cap.EDIT_REGISTER)),
    ("registry:member_remove", a("own_person"), "get", act(OWN_H, Cap.EDIT_REGISTER)),
    ("registry:reveal_household", a("own", "=phone"), "post", act(OWN_H, Cap.REVEAL)),
    ("registry:reveal_person", a("other_person", "=id_number"), "post", act(OTHER_H, Cap.REVEAL)),
    ("imports:index", NONE, "get", everyone),
    ("imports:upload", NONE, "post", capability(Cap.IMPORT)),
    ("imports:template", NONE, "get", everyone),
    ("imports:export", NONE, "get", everyone),
    ("imports:detail", a("own_import"), "get", read(region_of("own_import"))),
    ("imports:detail", a("other_import"), "get", read(region_of("other_import"))),
    ("imports:confirm", a("own_import"), "post", act(region_of("own_import"), Cap.IMPORT)),
    ("imports:error_file", a("other_import"), "get", lambda p, w: 404),
    ("monitoring:index", NONE, "get", everyone),
    ("monitoring:lead_new", NONE, "get", capability(Cap.REPORT_LEAD)),
    ("monitoring:lead_detail", a("own_lead"), "get", read(region_of("own_lead"))),
    ("monitoring:lead_detail", a("other_lead"), "get", read(region_of("other_lead"))),
    (
        "monitoring:lead_action",
        a("own_lead", "=dismiss"),
        "post",
        act(region_of("own_lead"), Cap.TRIAGE),
    ),
    (
        "monitoring:attachment",
        a("other_attachment"),
        "get",
        lambda p, w: OK if sees(p, w["other_attachment"].region) else 404,
    ),
    ("monitoring:case_list", NONE, "get", everyone),
    ("monitoring:case_detail", a("own_case"), "get", read(region_of("own_case"))),
    ("monitoring:case_detail", a("other_case"), "get", read(region_of("other_case"))),
    ("monitoring:case_notice", a("own_case"), "get", read(region_of("own_case"))),
    ("monitoring:case_file", a("own_case"), "get", act(region_of("own_case"), Cap.EXPORT)),
    ("monitoring:case_file", a("other_case"), "get", act(region_of("other_case"), Cap.EXPORT)),
    (
        "monitoring:case_action",
        a("other_case", "=return"),
        "post",
        act(region_of("other_case"), Cap.STEP_VISIT),
    ),
    (
        "monitoring:case_action",
        a("own_case", "=override"),
        "post",
        act(region_of("own_case"), Cap.OVERRIDE),
    ),
    ("monitoring:overrides", NONE, "get", everyone),
    ("monitoring:tasks", NONE, "get", everyone),
    ("monitoring:overdue", NONE, "get", everyone),
    ("monitoring:household_lookup", NONE, "get", everyone),
    ("monitoring:household", a("own"), "get", read(OWN_H)),
    ("monitoring:household", a("other"), "get", read(OTHER_H)),
    ("monitoring:settings", NONE, "get", everyone),
    ("monitoring:threshold_new", NONE, "get", capability(Cap.SETTINGS)),
    ("monitoring:threshold_edit", a("threshold"), "get", capability(Cap.SETTINGS)),
    ("monitoring:holiday_delete", a("holiday"), "post", capability(Cap.SETTINGS)),
    ("monitoring:code_tables", NONE, "get", everyone),
    ("monitoring:code_tables", NONE, "post", capability(Cap.SETTINGS)),
    ("monitoring:villages", NONE, "get", everyone),
    ("monitoring:village_notice", a("village"), "get", read(lambda w: w["village"])),
    ("monitoring:village_qr", a("other_village"), "get", read(lambda w: w["other_village"])),
    ("public:index", NONE, "get", everyone),
    ("public:declare", a("=tok"), "get", everyone),
    ("public:ticket", NONE, "get", everyone),
    ("assistance:index", NONE, "get", everyone),
    ("assistance:household", a("own"), "get", read(OWN_H)),
    ("assistance:household", a("other"), "get", read(OTHER_H)),
    ("assistance:contact_assign", a("own"), "get", act(OWN_H, Cap.PLAN)),
    ("assistance:contact_card", a("other"), "get", read(OTHER_H)),
    ("assistance:measure_new", a("own"), "get", act(OWN_H, Cap.PLAN)),
    ("assistance:measure_edit", a("other", "other_measure"), "get", act(OTHER_H, Cap.PLAN)),
    ("assistance:contacts", NONE, "get", everyone),
    ("assistance:contact_bulk", NONE, "get", capability(Cap.PLAN)),
    ("assistance:cadre_households", a("?user=grid_member"), "get", everyone),
    ("assistance:visit_new", NONE, "get", capability(Cap.RECORD_VISIT)),
    ("assistance:overdue", NONE, "get", everyone),
    ("assistance:visit_rules", NONE, "get", everyone),
    ("assistance:photo", a("other_photo"), "get", read(OTHER_H)),
    ("assistance:photo_thumb", a("own_photo"), "get", read(OWN_H)),
    ("assistance:campaigns", NONE, "get", everyone),
    ("assistance:campaign_new", NONE, "get", capability(Cap.RUN_CAMPAIGN)),
    ("assistance:campaign", a("own_campaign"), "get", shared(TOWN)),
    ("assistance:campaign_questionnaire", a("own_campaign"), "get", shared_act(Cap.RUN_CAMPAIGN)),
    ("assistance:campaign_assign", a("own_campaign"), "post", shared_act(Cap.RUN_CAMPAIGN)),
    ("assistance:campaign_households", a("own_campaign"), "get", shared(TOWN)),
    (
        "assistance:screen",
        a("own_campaign", "own_screening", "#0"),
        "get",
        read(lambda w: w["own_screening"].village),
    ),
    ("exchange:index", NONE, "get", everyone),
    ("exchange:item_detail", a("own_item"), "get", read(region_of("own_item"))),
    ("exchange:item_detail", a("other_item"), "get", read(region_of("other_item"))),
    ("exchange:batch_list", NONE, "get", everyone),
    ("exchange:batch_detail", a("own_batch"), "get", shared(region_of("own_batch"))),
    ("exchange:batch_detail", a("other_batch"), "get", shared(region_of("other_batch"))),
    ("exchange:batch_export", a("other_batch"), "get", shared(region_of("other_batch"))),
    ("exchange:source", a("=medical"), "get", everyone),
    ("exchange:source_template", a("=civil"), "get", everyone),
    ("exchange:rule_list", NONE, "get", everyone),
    ("exchange:rule_edit", a("rule"), "get", capability(Cap.SETTINGS)),
    ("ledgers:index", NONE, "get", everyone),
    ("ledgers:list", a("=yulu"), "get", everyone),
    ("ledgers:new", a("=yulu"), "get", capability(Cap.EDIT_LEDGER)),
    ("ledgers:export", a("=yulu"), "get", capability(Cap.EXPORT)),
    ("ledgers:print", a("=yulu"), "get", capability(Cap.EXPORT)),
    ("ledgers:stats", a("=yulu"), "get", everyone),
    ("ledgers:detail", a("=yulu", "own_yulu"), "get", read(OWN_H)),
    ("ledgers:detail", a("=yulu", "other_yulu"), "get", read(OTHER_H)),
    ("ledgers:edit", a("=yulu", "own_yulu"), "get", act(OWN_H, Cap.EDIT_LEDGER)),
    ("ledgers:delete", a("=yulu", "other_yulu"), "post", act(OTHER_H, Cap.EDIT_LEDGER)),
    ("duty:index", NONE, "get", everyone),
    ("duty:problems", NONE, "get", everyone),
    ("duty:from_items", NONE, "get", capability(Cap.EDIT_LEDGER)),
    ("duty:problem", a("own_problem"), "get", read(region_of("own_problem"))),
    ("duty:problem", a("other_problem"), "get", read(region_of("other_problem"))),
    ("duty:review", a("own_problem"), "post", act(region_of("own_problem"), Cap.REVIEW)),
    ("duty:reopen", a("other_problem"), "post", act(region_of("other_problem"), Cap.REVIEW)),
    ("duty:link_rule", a("own_problem"), "post", act(region_of("own_problem"), Cap.EDIT_LEDGER)),
    (
        "duty:measure_action",
        a("own_rect", "=progress"),
        "post",
        act(region_of("own_rect"), Cap.EDIT_LEDGER),
    ),
    ("duty:evidence", a("own_evidence"), "get", read(region_of("own_rect"))),
    ("duty:rollup", NONE, "get", everyone),
    ("duty:teams", NONE, "get", everyone),
    ("duty:rotate", a("own_team"), "post", act(region_of("own_team"), Cap.EDIT_LEDGER)),
    ("duty:monthly", NONE, "get", everyone),
    ("livelihood:loans_due", NONE, "get", everyone),
    ("duty:village", a("village"), "get", read(lambda w: w["village"])),
    ("duty:village", a("other_village"), "get", read(lambda w: w["other_village"])),
    ("duty:grid", NONE, "get", everyone),
    ("duty:grid_unit_new", NONE, "post", capability(Cap.PLAN)),
    ("duty:grid_mine", NONE, "get", everyone),
    ("duty:grid_unit", a("own_unit"), "get", read(region_of("own_unit"))),
    ("duty:grid_unit", a("other_unit"), "get", read(region_of("other_unit"))),
    (
        "duty:grid_role_end",
        a("own_role"),
        "post",
        act(lambda w: w["own_role"].unit.region, Cap.PLAN),
    ),
    ("duty:pairings", NONE, "get", everyone),
    ("employment:monthly", NONE, "get", everyone),
    ("projects:progress", NONE, "get", everyone),
    ("projects:assets", NONE, "get", everyone),
    ("projects:project", a("own_project"), "get", read(region_of("own_project"))),
    ("projects:project", a("other_project"), "get", read(region_of("other_project"))),
    (
        "projects:beneficiary_add",
        a("own_project"),
        "post",
        act(region_of("own_project"), Cap.EDIT_LEDGER),
    ),
    (
        "projects:approval_add",
        a("other_project"),
        "post",
        act(region_of("other_project"), Cap.EDIT_LEDGER),
    ),
    (
        "projects:beneficiary_remove",
        a("own_project", "own_beneficiary"),
        "post",
        act(region_of("own_project"), Cap.EDIT_LEDGER),
    ),
    ("stats:index", NONE, "get", everyone),
    ("benefits:policy", NONE, "get", everyone),
    ("stats:ledger", a("=monitored"), "get", everyone),
    ("stats:report", NONE, "get", everyone),
    ("lowincome:index", NONE, "get", everyone),
    ("lowincome:village", a("village"), "get", read(lambda w: w["village"])),
    ("lowincome:village", a("other_village"), "get", read(lambda w: w["other_village"])),
    ("lowincome:export", NONE, "get", capability(Cap.EXPORT)),
    ("stats:household_file", a("own"), "get", act(OWN_H, Cap.EXPORT)),
    ("stats:household_file", a("other"), "get", act(OTHER_H, Cap.EXPORT)),
    ("stats:policy_card", a("own"), "get", act(OWN_H, Cap.EXPORT)),
    ("stats:policy_card", a("other"), "get", act(OTHER_H, Cap.EXPORT)),
    ("core:jobs", NONE, "get", everyone),
    ("core:job", a("own_job"), "get", lambda p, w: OK if _sees_job(p, w["own_job"]) else 404),
    (
        "core:job_status",
        a("other_job"),
        "get",
        lambda p, w: OK if _sees_job(p, w["other_job"]) else 404,
    ),
    # The job has no file: its creator hears it is gone; another who sees the job is refused.
    ("core:job_file", a("own_job"), "get", lambda p, w: _job_file(p, w["own_job"])),
    ("api:api-root", NONE, "get", lambda p, w: 404),
    ("api:openapi-json", NONE, "get", everyone),
    ("api:list_households", NONE, "get", everyone),
    ("api:get_household", a("own"), "get", read(OWN_H)),
    ("api:get_household", a("other"), "get", read(OTHER_H)),
    ("api:stats", NONE, "get", everyone),
    ("api:list_kinds", NONE, "get", everyone),
    ("api:list_rows", a("=yulu"), "get", everyone),
    ("api:ledger_stats", a("=yulu"), "get", everyone),
]


def _sees_job(persona: Any, job: Any) -> bool:
    """Jobs: one's own, or every job of one's region for a county admin (core.models)."""
    if not sees(persona, job.region):
        return False
    return persona.role == "county_admin" or job.created_by_id == persona.pk


def _job_file(persona: Any, job: Any) -> Any:
    """An export job's file: only for the user who asked for it (core.exports)."""
    if not _sees_job(persona, job) or job.created_by_id == persona.pk:
        return 404
    return 403


def test_every_url_name_has_a_row() -> None:
    missing = url_names() - {name for name, *_ in CASES}
    assert not missing, f"URL names without a row in the permission matrix: {sorted(missing)}"


# What a persona must never read in a list or an export: the other town's household and people.
def hidden_for(persona_key: str, w: dict) -> list[str]:
    if persona_key in ("county_admin", "auditor"):
        return []
    own = [w["own"].number, w["own_person"].id_number[-8:]]
    if persona_key == "other_town":
        return own
    other = [w["other"].number, "白羊村", w["other_person"].id_number[-8:]]
    return other + own if persona_key == "other_village" else other


@pytest.mark.parametrize("persona_key", PERSONAS)
def test_every_url_answers_each_persona_as_capabilities_and_regions_say(
    client: Any, people: dict[str, Any], world: dict[str, Any], persona_key: str
) -> None:
    persona = people[persona_key]
    hidden = hidden_for(persona_key, world)
    wrong = []
    for name, args, method, expected in CASES:
        persona.refresh_from_db()  # the logout row raised the session version
        client.force_login(persona)  # again after the logout row
        values = args(world)
        query = values.pop() if values and str(values[-1]).startswith("?") else ""
        url = reverse(name, args=values) + query
        response = getattr(client, method)(url)
        want = expected(persona, world)
        got = response.status_code
        # "ok": the page answered (a refused form is 400 or 200 with its errors, never 403/404).
        fine = got not in (403, 404) and got < 500 if want == OK else got == want
        if not fine:
            wrong.append(f"{method.upper()} {name} {url}: {got}, expected {want}")
            continue
        if got == 200 and method == "get" and hidden:
            body = _body(response)
            leaked = [h for h in hidden if h in body]
            if leaked:
                wrong.append(f"{name} {url} shows {leaked}")
    assert not wrong, "\n".join(wrong)


def _body(response: Any) -> str:
    """A page's text, a workbook's cells (every sheet) or a .docx's text, with the file's name,
    for the leak check."""
    import re
    import zipfile
    from urllib.parse import unquote

    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    name = unquote(response.get("Content-Disposition", ""))
    if content[:2] == b"PK":
        files = zipfile.ZipFile(io.BytesIO(content))
        if "word/document.xml" in files.namelist():
            xml = files.read("word/document.xml").decode("utf-8")
            return name + re.sub(r"<[^>]+>", "", xml)
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        sheets = [book.get_sheet_by_name(n).to_python() for n in book.sheet_names]
        return name + str(sheets)
    return name + content.decode("utf-8", "replace")


@pytest.mark.parametrize("persona_key", ("town_staff", "village_staff", "other_town"))
def test_lists_count_exactly_the_rows_of_the_users_region(
    client: Any, people: dict[str, Any], world: dict[str, Any], persona_key: str
) -> None:
    from registry.models import Household

    persona = people[persona_key]
    client.force_login(persona)
    households = client.get(reverse("registry:household_list")).context["page"].paginator.count
    assert households == Household.objects.visible_to(persona).count()
    assert households == 1
    ledger = client.get(reverse("ledgers:list", args=["yulu"])).context["page"].paginator.count
    assert ledger == 1
    api = client.get("/api/v1/households").json()
    assert api["count"] == households
    rows = client.get("/api/v1/ledgers/yulu").json()
    assert rows["count"] == 1


def _every_ledger() -> list[str]:
    from ledgers import kit

    return list(kit.ledgers())


@pytest.mark.parametrize("kind", _every_ledger())
@pytest.mark.parametrize("persona_key", PERSONAS)
def test_every_ledgers_pages_answer_each_persona(
    client: Any, people: dict[str, Any], regions: dict[str, Any], persona_key: str, kind: str
) -> None:
    """The kit's pages of every registered ledger (the URL names take the kind, so a new ledger
    adds no name of its own): what each persona may open, and another town's figures by region."""
    from ledgers import kit
    from ledgers.services import may_change

    persona = people[persona_key]
    client.force_login(persona)
    pages = {
        reverse("ledgers:list", args=[kind]): OK,
        reverse("ledgers:stats", args=[kind]): OK,
        reverse("ledgers:stats", args=[kind]) + "?format=xlsx": (
            OK if can(persona, Cap.EXPORT) else 403
        ),
        reverse("ledgers:export", args=[kind]): OK if can(persona, Cap.EXPORT) else 403,
        reverse("ledgers:print", args=[kind]): OK if can(persona, Cap.EXPORT) else 403,
        # A ledger kept above the persona's level (the 村干部名单: the town) is read-only to it.
        reverse("ledgers:new", args=[kind]): OK if may_change(persona, kit.ledger(kind)) else 403,
        reverse("ledgers:stats", args=[kind]) + f"?region={regions['other_town'].pk}": (
            OK if sees(persona, regions["other_town"]) else 404
        ),
        f"/api/v1/ledgers/{kind}": OK,
        f"/api/v1/ledgers/{kind}/stats": OK,
        f"/imports/template.xlsx?kind={kind}": OK,
    }
    wrong = []
    for url, want in pages.items():
        got = client.get(url).status_code
        if (got >= 400) if want == OK else got != want:
            wrong.append(f"{url}: {got}, expected {want}")
    assert not wrong, "\n".join(wrong)


# -- full numbers: nowhere for who may not see them ----------------------------------------------

OUTSIDER = "420281197503080022"  # a person reported in a lead, not on the register
OUTSIDER_PHONE = "13877778888"
HEAD_PHONE = "13911112222"
MEMBER_PHONE = "13933334444"
NEWBORN = dt.date(2019, 4, 23)


@pytest.fixture
def full_numbers(world: dict[str, Any], people: dict[str, Any], tmp_path: Any) -> dict[str, Any]:
    """The world with the own village's people's full ID numbers and phones everywhere they can
    be: the register, a newborn's 出生, a lead's person and its free text, an evidence file's
    name, a visit's notes, a case's text and opinions, a 残联 file (残疾人证号 = ID number + two
    digits) and its rejected rows, the work queue's results, an import batch's file name and
    errors, a job's title, a 问题描述 of the rectification ledger, and the 查阅记录 of a county
    admin's export by a full number. What must not show: `secrets` (numbers, the newborn's birth
    date)."""
    from django.test import Client

    from assistance import services as assistance
    from core.models import Job
    from duty.models import Evidence
    from exchange import services as exchange
    from exchange.models import Item
    from imports.models import ImportBatch
    from ledgers.kit import ledger
    from ledgers.services import save_row
    from monitoring import services as monitoring
    from monitoring.models import Attachment, Case, CaseLog, CaseStep
    from registry import services as registry

    county = people["county_admin"]
    own = world["own"]
    head, spouse = list(own.persons.order_by("pk")[:2])
    registry.update_person(actor=county, person=head, phone=HEAD_PHONE)
    registry.update_person(actor=county, person=spouse, phone=MEMBER_PHONE)
    newborn = registry.add_person(
        actor=county,
        household=own,
        reason="出生",
        date=NEWBORN,
        name="新生儿",
        id_number=make_valid(f"420281{NEWBORN:%Y%m%d}013"),
        relation="之孙子",
        sex="男",
    )
    text = f"{head.name}证件号码{head.id_number}，电话{HEAD_PHONE}"
    lead = monitoring.create_lead(
        actor=county,
        source="农户自主申报",
        reported_date=dt.date.today(),
        region=own.region,
        person_name="外来人",
        id_number=OUTSIDER,
        phone=OUTSIDER_PHONE,
        risks=["因病"],
        description=f"本人{OUTSIDER}，电话{OUTSIDER_PHONE}；邻居{text}",
    )
    evidence = Attachment.objects.create(
        region=own.region,
        lead=world["own_lead"],
        file="leads/own.pdf",
        name=f"{head.name}身份证{head.id_number}.pdf",
        size=1,
    )
    assistance.record_visit(actor=county, household=own, date=dt.date.today(), notes=text)
    case = world["own_case"]
    Case.objects.filter(pk=case.pk).update(description=text, current_step="compare")
    CaseStep.objects.filter(case=case, code="visit").update(note=text)
    CaseLog.objects.create(case=case, action="完成", step="visit", note=text, actor=county)
    department = tmp_path / "disability.csv"
    department.write_text(
        "证件号码,姓名,残疾人证号,残疾类别,残疾等级,发证日期\n"
        f"{head.id_number},{head.name},{head.id_number}11,视力 电话{HEAD_PHONE},二级,2024-01-02\n"
        f"{spouse.id_number},{spouse.name},{spouse.id_number}21,肢体,{MEMBER_PHONE},2024-01-02\n"
        f"{OUTSIDER},外来人,{OUTSIDER}11,肢体,一级,2024-01-02\n",
        encoding="utf-8",
    )
    batch = exchange.compare(
        actor=county,
        source="disability",
        path=department,
        filename=f"残联{head.id_number}.csv",
        region=own.region.parent.parent,
    )
    Item.objects.filter(pk=world["own_item"].pk).update(
        result="属实", result_note=text, changed_fields=[f"联系电话改为{HEAD_PHONE}"]
    )
    ImportBatch.objects.filter(pk=world["own_import"].pk).update(
        created_by=county,  # its uploader reads its cells in full (imports.views._full)
        file_name=f"朝阳村{head.id_number}.xlsx",
        errors=[{"row": 2, "column": "联系电话", "value": text, "message": f"“{text}”有误"}],
        error_count=1,
    )
    Job.objects.filter(pk=world["own_job"].pk).update(
        title=f"检查户籍台账 朝阳村{head.id_number}.xlsx", message=text
    )
    Evidence.objects.filter(pk=world["own_evidence"].pk).update(name=f"{head.id_number}.png")
    rectification = ledger("rectification")
    values = rectification.values(world["own_rect"]) | {"description": f"问题：{text}"}
    save_row(actor=county, ledger=rectification, values=values, row=world["own_rect"])
    admin = Client()
    admin.force_login(county)
    admin.get(reverse("imports:export"), {"q": head.id_number})
    members = list(own.persons.all())
    return {
        "lead": lead,
        "evidence": evidence,
        "batch": batch,
        "head": head,
        "newborn": newborn,
        "secrets": [
            *(p.id_number for p in members),
            *(f"{p.id_number}11" for p in members),
            OUTSIDER,
            OUTSIDER_PHONE,
            HEAD_PHONE,
            MEMBER_PHONE,
            f"{NEWBORN:%Y-%m-%d}",
            f"{NEWBORN:%Y%m%d}",
            f"{NEWBORN.year}年{NEWBORN.month}月{NEWBORN.day}日",
        ],
    }


def _full_number_urls(world: dict[str, Any], found: dict[str, Any]) -> list[str]:
    """Every GET row of the matrix, and the paths a row does not take: searches by a full
    number, sorts, filters, the exports and prints, the API, the objects holding numbers."""
    urls = []
    for name, args, method, _ in CASES:
        if method == "get":
            values = args(world)
            query = values.pop() if values and str(values[-1]).startswith("?") else ""
            urls.append(reverse(name, args=values) + query)
    number, phone = found["head"].id_number, HEAD_PHONE
    rect = world["own_rect"]
    return [
        *urls,
        f"/registry/households/?q={number}",
        f"/registry/households/?q={phone}",
        "/registry/households/?sort=-head_name",
        f"/imports/export.xlsx?q={number}",
        f"/api/v1/households?q={number}",
        f"/monitoring/households/?q={number}",
        f"/assistance/?q={number}",
        f"/assistance/visits/new/?q={number}",
        "/monitoring/?format=xlsx",
        "/monitoring/cases/?format=xlsx",
        "/exchange/?format=xlsx",
        "/exchange/?status=all",
        reverse("monitoring:lead_detail", args=[found["lead"].pk]),
        reverse("monitoring:attachment", args=[found["evidence"].pk]),
        reverse("exchange:batch_detail", args=[found["batch"].pk]),
        reverse("exchange:batch_export", args=[found["batch"].pk]),
        reverse("exchange:item_detail", args=[world["own_item"].pk]),
        reverse("assistance:household", args=[world["own"].pk]),
        reverse("monitoring:case_detail", args=[world["own_case"].pk]),
        reverse("monitoring:case_file", args=[world["own_case"].pk]),
        reverse("imports:detail", args=[world["own_import"].pk]),
        reverse("core:job", args=[world["own_job"].pk]),
        reverse("core:job_status", args=[world["own_job"].pk]),
        reverse("duty:evidence", args=[world["own_evidence"].pk]),
        "/ledgers/rectification/",
        f"/ledgers/rectification/?q={number}",
        "/ledgers/rectification/export.xlsx",
        "/ledgers/rectification/export.xlsx?format=csv",
        "/ledgers/rectification/print/",
        f"/ledgers/rectification/{rect.pk}/",
        f"/ledgers/rectification/{rect.pk}/edit/",
        "/api/v1/ledgers/rectification",
        f"/duty/problems/?q={number}",
        reverse("duty:problem", args=[world["own_problem"].pk]),
        "/duty/rollup/?format=xlsx",
        f"/lowincome/?q={found['head'].name}",
    ]


NO_FULL_NUMBERS = ("town_staff", "village_staff", "grid_member", "auditor")


@pytest.mark.parametrize("persona_key", NO_FULL_NUMBERS)
def test_no_page_shows_a_full_number_to_who_may_not_see_it(
    client: Any,
    people: dict[str, Any],
    world: dict[str, Any],
    full_numbers: dict[str, Any],
    persona_key: str,
) -> None:
    """Own region included: a persona without the full-number right sees masks everywhere — on
    pages, in files and their names, in the API — and no newborn's birth date (a masked number
    with its birth date is a few guesses from the number). A search by a full number finds
    nothing the page would hide."""
    persona = people[persona_key]
    client.force_login(persona)
    secrets = full_numbers["secrets"]
    number = full_numbers["head"].id_number
    wrong, read = [], 0
    for url in _full_number_urls(world, full_numbers):
        response = client.get(url)
        if response.status_code != 200:
            continue
        read += 1
        body = _body(response)
        # What the persona typed comes back as typed (the search box, the page's links with its
        # query, the notice quoting it): not a leak.
        for value in (number, HEAD_PHONE):
            if value in url:
                for echo in (f'value="{value}"', f"q={value}", f"“{value}”"):
                    body = body.replace(echo, "")
        shown = [s for s in secrets if s in body]
        if shown:
            wrong.append(f"{url} shows {shown}")
    assert read > 100, f"only {read} pages answered"
    assert not wrong, "\n".join(wrong)
