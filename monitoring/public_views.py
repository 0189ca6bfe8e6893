"""Public pages (no login): a village's self-declaration form and the ticket status lookup.

They reveal nothing about anyone: no lookup by ID number, the same answer whether or not the
person is registered, and the ticket page shows only the status of one's own application.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from core.middleware import client_ip
from monitoring import forms, services
from monitoring.models import DeclarationChannel


def client_address(request: HttpRequest) -> str:
    """The client's address (behind a reverse proxy, the one it saw: core.middleware)."""
    return client_ip(request) or "unknown"


def index(request: HttpRequest) -> HttpResponse:
    return redirect("public:ticket")


@never_cache
def declare(request: HttpRequest, token: str) -> HttpResponse:
    channel = (
        DeclarationChannel.objects.select_related("region__parent")
        .filter(token=token, active=True)
        .first()
    )
    if channel is None:
        raise Http404("申报入口不存在或已停用")
    form = forms.DeclarationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            row = services.submit_declaration(
                channel=channel,
                name=d["name"],
                id_number=d["id_number"],
                phone=d["phone"],
                difficulty=d["difficulty"],
                risks=d["risks"],
                proxy_name=d["proxy_name"],
                client_address=client_address(request),
            )
        except ValidationError as exc:
            form.add_error(None, "；".join(exc.messages))
        else:
            return render(request, "monitoring/public_done.html", {"ticket": row.ticket})
    return render(
        request, "monitoring/public_declare.html", {"form": form, "region": channel.region}
    )


@never_cache
def ticket(request: HttpRequest) -> HttpResponse:
    form = forms.TicketForm(request.POST or None)
    status = None
    if request.method == "POST" and form.is_valid():
        status = services.declaration_status(
            ticket=form.cleaned_data["ticket"], phone=form.cleaned_data["phone"]
        )
        if status is None:
            form.add_error(None, "受理编号与手机号码不匹配，请核对后重试")
    return render(request, "monitoring/public_ticket.html", {"form": form, "status": status})
