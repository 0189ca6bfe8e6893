"""Household pages: list with search and filters, detail with members and history."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.scoping import get_visible_or_404
from registry.models import Household


def household_list(request: HttpRequest) -> HttpResponse:
    qs = Household.objects.visible_to(request.user).select_related("region")
    q = request.GET.get("q", "")
    if q:
        qs = qs.search(q)
    page = Paginator(qs.order_by("region_id", "number"), 50).get_page(request.GET.get("page"))
    return render(request, "registry/household_list.html", {"page": page, "q": q})


def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_visible_or_404(Household.objects.select_related("region"), request.user, pk=pk)
    members = household.persons.filter(is_member=True).order_by("id")
    return render(
        request, "registry/household_detail.html", {"household": household, "members": members}
    )
