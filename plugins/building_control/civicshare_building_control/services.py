"""Building control services: request a site inspection."""

from __future__ import annotations

from civicshare.modules import Category, FormStep, ServiceDefinition, application_workflow
from civicshare_building_control.forms import ApplicationForm, InspectionForm
from civicshare_building_control.settings import BuildingControlSettings

request_site_inspection = ServiceDefinition[BuildingControlSettings](
    code="request-site-inspection",
    title="Request a building control site inspection",
    category=Category.PLANNING,
    summary="Book an inspector to check a stage of your building work.",
    steps=(
        FormStep(code="application", title="Your application", form=ApplicationForm),
        FormStep(code="inspection", title="The inspection", form=InspectionForm),
    ),
    workflow=application_workflow(sla_working_days=1),
    sla_working_days=lambda settings: settings.confirmation_sla_working_days,
)

SERVICES = (request_site_inspection,)
