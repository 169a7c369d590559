"""The questions residents answer when they report a highways problem."""

from __future__ import annotations

from typing import Literal

from civicshare.modules import StepForm, answer


class PotholeForm(StepForm):
    size: Literal["small", "medium", "large"] = answer(
        label="How big is the pothole?",
        hint="A large pothole is wider than a dinner plate",
        options={"small": "Small", "medium": "Medium", "large": "Large"},
        errors={"missing": "Select how big the pothole is", "choice": "Select how big the pothole is"},
    )
    on: Literal["road", "pavement", "cycle_lane"] = answer(
        label="Where is the pothole?",
        options={"road": "Road", "pavement": "Pavement", "cycle_lane": "Cycle lane"},
        errors={"missing": "Select where the pothole is", "choice": "Select where the pothole is"},
    )
    details: str | None = answer(
        label="Anything else we should know (optional)",
        default=None,
        max_length=1000,
        errors={"too_long": "Details must be 1000 characters or fewer"},
    )


class StreetlightForm(StepForm):
    fault: str = answer(
        label="What is wrong with the streetlight?",
        choices_from="streetlight_faults",
        errors={"missing": "Select what is wrong with the streetlight"},
    )
    column_number: str | None = answer(
        label="Number on the lamp post (optional)",
        hint="Usually on a small plate about 2 metres up, for example 23 or 23A",
        default=None,
        pattern=r"^[A-Za-z0-9/-]{1,10}$",
        errors={"pattern": "Lamp post number must be letters and numbers only, like 23A"},
    )


class FlyTippingForm(StepForm):
    waste_type: str = answer(
        label="What has been dumped?",
        choices_from="fly_tipping_waste_types",
        errors={"missing": "Select what has been dumped"},
    )
    amount: Literal["bag", "car_boot", "van_load", "lorry_load"] = answer(
        label="How much has been dumped?",
        options={
            "bag": "A bag or two",
            "car_boot": "A car boot load",
            "van_load": "A van load",
            "lorry_load": "A lorry load or more",
        },
        errors={"missing": "Select how much has been dumped", "choice": "Select how much has been dumped"},
    )
    seen_dumping: bool = answer(
        label="Did you see who dumped it?",
        default=False,
        errors={"invalid": "Select yes if you saw who dumped it"},
    )
