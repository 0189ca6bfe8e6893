"""The region tree page: browse, create, rename, move and retire (county admins)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.permissions import Cap, require
from regions import services
from regions.forms import MoveForm, RegionForm
from regions.models import Region, get_visible_region_or_404


def _visible(request: HttpRequest, pk: int) -> Region:
    return get_visible_region_or_404(request.user, pk)


def _back(region: Region) -> HttpResponse:
    return redirect(f"{reverse('regions:tree')}?id={region.pk}")


def tree(request: HttpRequest) -> HttpResponse:
    """All regions the user may see, indented by level."""
    require(request.user, Cap.ADMIN, hide=True)
    regions = Region.objects.visible_to(request.user).order_by("path")
    raw = request.GET.get("id", "")
    if raw and not raw.isdigit():
        raise Http404("未找到")
    selected = _visible(request, int(raw)) if raw else None
    context = {
        "regions": regions,
        "selected": selected,
        "form": RegionForm(
            initial={
                "name": selected.name,
                "code": selected.code,
                "is_community": selected.is_community,
                "is_alleviated_village": selected.is_alleviated_village,
                "is_key_village": selected.is_key_village,
            }
        )
        if selected
        else None,
        "child_form": RegionForm(prefix="child"),
        "move_form": MoveForm(region=selected, viewer=request.user)
        if selected and selected.parent_id
        else None,
    }
    return render(request, "regions/tree.html", context)


@require_POST
def create_child(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Cap.ADMIN, hide=True)
    parent = _visible(request, pk)
    form = RegionForm(request.POST, prefix="child")
    if parent.level >= Region.Level.GROUP:
        messages.error(request, "村民小组下不能再建下级")
    elif form.is_valid():
        try:
            child = services.create_region(
                actor=request.user,
                name=form.cleaned_data["name"],
                level=parent.level + 1,
                parent=parent,
                code=form.cleaned_data["code"],
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"已新增{child.get_level_display()}“{child.name}”")
            return _back(child)
    else:
        messages.error(
            request, "；".join(f"{form.fields[k].label}：{v[0]}" for k, v in form.errors.items())
        )
    return _back(parent)


@require_POST
def update(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Cap.ADMIN, hide=True)
    region = _visible(request, pk)
    form = RegionForm(request.POST)
    if form.is_valid():
        try:
            services.update_region(actor=request.user, region=region, **form.cleaned_data)
            messages.success(request, "已保存")
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    else:
        messages.error(
            request, "；".join(f"{form.fields[k].label}：{v[0]}" for k, v in form.errors.items())
        )
    return _back(region)


@require_POST
def move(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Cap.ADMIN, hide=True)
    region = _visible(request, pk)
    form = MoveForm(request.POST, region=region, viewer=request.user)
    if form.is_valid():
        try:
            services.move_region(
                actor=request.user, region=region, new_parent=form.cleaned_data["parent"]
            )
            messages.success(request, "已移动")
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    else:
        messages.error(request, "请选择新的上级")
    return _back(region)


@require_POST
def retire(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Cap.ADMIN, hide=True)
    region = _visible(request, pk)
    services.set_retired(actor=request.user, region=region, retired=not region.retired)
    messages.success(request, "已撤销" if region.retired else "已恢复")
    return _back(region)
