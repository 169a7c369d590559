"""Highways services: "Report it" for potholes, streetlights and fly-tipping."""

from __future__ import annotations

from civicshare.modules import (
    AttachmentPolicy,
    Category,
    FormStep,
    LocationForm,
    Open311Attribute,
    Open311Service,
    Open311Value,
    ServiceDefinition,
    report_workflow,
)
from civicshare_highways.forms import FlyTippingForm, PotholeForm, StreetlightForm
from civicshare_highways.settings import HighwaysSettings

PHOTOS = AttachmentPolicy(max_count=3, max_bytes=10 * 1024 * 1024)


def _where(title: str) -> FormStep:
    return FormStep(code="location", title=title, form=LocationForm)


report_pothole = ServiceDefinition[HighwaysSettings](
    code="report-pothole",
    title="Report a pothole",
    category=Category.ROADS,
    summary="Tell us about a pothole in a road, pavement or cycle lane.",
    steps=(
        _where("Where is the pothole?"),
        FormStep(code="details", title="About the pothole", form=PotholeForm),
    ),
    workflow=report_workflow(sla_working_days=10),
    sla_working_days=lambda settings: settings.pothole_sla_working_days,
    location_required=True,
    attachments=PHOTOS,
    open311=Open311Service(
        service_code="report-pothole",
        service_name="Pothole",
        description="A pothole in a road, pavement or cycle lane",
        group="Roads and streets",
        keywords=("pothole", "road", "pavement"),
        attributes=(
            Open311Attribute(
                code="size",
                description="How big is the pothole?",
                datatype="singlevaluelist",
                required=True,
                values=(
                    Open311Value("small", "Small"),
                    Open311Value("medium", "Medium"),
                    Open311Value("large", "Larger than a dinner plate"),
                ),
            ),
        ),
        # FixMyStreet's older categories send no attributes: an inspector sizes the pothole on site.
        defaults={"size": "medium", "on": "road"},
    ),
)

report_streetlight = ServiceDefinition[HighwaysSettings](
    code="report-streetlight",
    title="Report a broken streetlight",
    category=Category.ROADS,
    summary="Tell us about a streetlight that is out, flickering, on in the day or damaged.",
    steps=(
        _where("Where is the streetlight?"),
        FormStep(code="fault", title="What is wrong with it?", form=StreetlightForm),
    ),
    workflow=report_workflow(sla_working_days=10),
    sla_working_days=lambda settings: settings.streetlight_sla_working_days,
    location_required=True,
    attachments=PHOTOS,
    open311=Open311Service(
        service_code="report-streetlight",
        service_name="Street light",
        description="A street light that is not working or is damaged",
        group="Roads and streets",
        keywords=("street light", "lamp post"),
    ),
)

report_fly_tipping = ServiceDefinition[HighwaysSettings](
    code="report-fly-tipping",
    title="Report fly-tipping",
    category=Category.ROADS,
    summary="Tell us about rubbish dumped on a street, path or open space.",
    steps=(
        _where("Where is the fly-tipping?"),
        FormStep(code="waste", title="What has been dumped?", form=FlyTippingForm),
    ),
    workflow=report_workflow(sla_working_days=5),
    sla_working_days=lambda settings: settings.fly_tipping_sla_working_days,
    location_required=True,
    attachments=PHOTOS,
    open311=Open311Service(
        service_code="report-fly-tipping",
        service_name="Fly-tipping",
        description="Rubbish dumped illegally on public land",
        group="Roads and streets",
        keywords=("fly-tipping", "dumped rubbish"),
        defaults={"amount": "bag"},
    ),
)

SERVICES = (report_pothole, report_streetlight, report_fly_tipping)
