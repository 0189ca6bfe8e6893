"""Background jobs of the ledgers: an export too large for the page (core.exports)."""

from __future__ import annotations

from core import exports, jobs
from core.models import Job
from ledgers import kit, services


@jobs.handler("ledgers.export")
def export(job: Job) -> dict:
    """A ledger export with the list page's filters, made with the rights of the user who asked
    for it (their full-number search was logged by the page already)."""
    actor = job.created_by
    ledger = kit.ledger(job.params["kind"])
    query = job.params.get("query", {})
    _, qs, data = services.filtered(actor, ledger, query, log_search=False)
    as_csv = query.get("format") == "csv"
    path = exports.target(job, ".csv" if as_csv else ".xlsx")
    with path.open("wb") as out:
        count, name = services.export_filtered(
            actor=actor,
            ledger=ledger,
            qs=qs,
            data=data,
            out=out,
            as_csv=as_csv,
            progress=jobs.progress(job),
        )
    return exports.result(job, path, name, count)
