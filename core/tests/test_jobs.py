"""A finished job says it finished (not its last progress step), and the page shows it."""

from __future__ import annotations

from django.urls import reverse

from core import jobs
from core.models import Job


@jobs.handler("test.two_steps")
def _two_steps(job: Job) -> dict:
    jobs.report(job, 60, "正在写入数据")
    return {"url": ""}


def test_a_finished_job_says_it_finished(client_for, users):
    job = Job.objects.create(
        kind="test.two_steps", title="测试任务", created_by=users["county_admin"]
    )
    done = jobs.run(job.pk)
    assert done.status == Job.Status.SUCCEEDED and done.progress == 100
    assert done.message.startswith("已完成") and "正在写入" not in done.message
    page = client_for("county_admin").get(reverse("core:job", args=[job.pk])).content.decode()
    assert "任务已完成" in page and "正在写入数据" not in page
    status = client_for("county_admin").get(reverse("core:job_status", args=[job.pk])).json()
    assert status["done"] and status["message"].startswith("已完成")


def test_the_favicon_is_served_without_logging_in(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")


def test_a_broken_workbook_gets_a_chinese_message(tmp_path):
    import pytest

    from core.tabular import TableError, open_table

    path = tmp_path / "户籍.xlsx"
    path.write_bytes(b"PK\x03\x04 cut short")
    with pytest.raises(TableError) as refused:
        open_table(path)
    message = str(refused.value)
    assert "不是有效的 .xlsx 工作簿" in message and "EOCD" not in message and "zip" not in message
