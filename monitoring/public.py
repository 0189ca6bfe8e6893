"""The public address of the site: what the 农户自主申报 QR code and printed notices point at,
and whether farmers' phones can reach it."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest

# Names that only resolve inside an office network.
INTRANET_SUFFIXES = (".local", ".lan", ".internal", ".intranet", ".localdomain", ".home", ".corp")


def public_url(request: HttpRequest, path: str) -> str:
    """`path` on the configured public address (FANGPIN_PUBLIC_URL), else on the address this
    request came in at."""
    base = settings.FANGPIN_PUBLIC_URL
    return f"{base}{path}" if base else request.build_absolute_uri(path)


def address_problem(url: str) -> str:
    """Why farmers' phones cannot use `url` ('' when they can): this computer only, an intranet
    name or address, or plain HTTP (phones allow location and camera on HTTPS pages only)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if host in ("localhost", "") or (ip is not None and ip.is_loopback):
        return (
            f"公开访问地址是 {host or '（空）'}，只有服务器本机能打开：按它生成的二维码，"
            "农户手机扫了打不开。请设置 FANGPIN_PUBLIC_URL 为外网可访问的地址（如 https://fp.example.gov.cn）"
        )
    if (ip is not None and ip.is_private) or "." not in host or host.endswith(INTRANET_SUFFIXES):
        return (
            f"公开访问地址 {host} 是单位内网的地址或名称，农户手机（移动网络）无法访问。请设置 "
            "FANGPIN_PUBLIC_URL 为外网可访问的地址（如 https://fp.example.gov.cn）"
        )
    if parts.scheme != "https":
        return (
            f"公开访问地址 {url} 不是 HTTPS：手机浏览器只在 HTTPS 页面上允许定位和拍照，且申报"
            "内容明文传输。请按部署说明配置 HTTPS 后把 FANGPIN_PUBLIC_URL 改为 https:// 开头"
        )
    return ""
