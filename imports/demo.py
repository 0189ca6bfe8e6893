"""导入导出 in the demo county: the history shows a village's register imported (its own export,
checked and confirmed) and a file refused for its errors, as uploads through the page leave them."""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from imports import services
from regions.models import Region
from registry.models import Household


def build_demo(county: Region, as_of: dt.date, seed: int) -> dict[str, int]:
    admin = User.objects.filter(role="county_admin").order_by("pk").first()
    village_user = User.objects.filter(role="village_staff").order_by("pk").first()
    if admin is None or village_user is None or village_user.region is None:
        raise RuntimeError("演示县还没有县级和村级账号，无法生成导入记录")
    village = village_user.region
    buffer = io.BytesIO()
    services.write_registry(
        Household.objects.filter(region__path__startswith=village.path), buffer, mask=False
    )
    upload = SimpleUploadedFile(f"{village.name}户籍台账{as_of:%Y%m%d}.xlsx", buffer.getvalue())
    batch = services.create_batch(actor=admin, upload=upload)
    batch = services.check_batch(actor=admin, batch=batch)
    imported = 0
    if batch.status == batch.Status.VALID:
        batch = services.confirm_batch(actor=admin, batch=batch, create_regions=False)
        services.apply_batch(actor=admin, batch=batch)
        imported = 1
    # A file typed by hand with a wrong ID number: checked and refused, nothing written.
    bad = io.BytesIO()
    services.write_registry(
        Household.objects.filter(region__path__startswith=village.path).order_by("pk")[:1],
        bad,
        mask=True,
    )
    refused = services.create_batch(
        actor=admin, upload=SimpleUploadedFile("手工录入户籍表.xlsx", bad.getvalue())
    )
    services.check_batch(actor=admin, batch=refused)
    return {"imports": imported + 1}
