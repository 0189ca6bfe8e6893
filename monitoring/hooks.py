"""What monitoring offers the other work apps (core.hooks), so they need not import it."""

from __future__ import annotations

from core.hooks import provide
from monitoring import services

provide("monitoring.create_lead")(services.create_lead)
