"""The shared "where is it?" step for services with `location_required`."""

from __future__ import annotations

from pydantic import model_validator

from civicshare.modules.answers import AnswerError, StepForm, answer

# A generous box around Great Britain and Northern Ireland; finer checks belong to each council.
_UK_LATITUDE = (49.8, 60.9)
_UK_LONGITUDE = (-8.7, 1.8)


class LocationForm(StepForm):
    """A map pin (latitude and longitude) or a description of the place, or both."""

    latitude: float | None = answer(label="Latitude", default=None, errors={"number": "Choose a location on the map"})
    longitude: float | None = answer(label="Longitude", default=None, errors={"number": "Choose a location on the map"})
    location_description: str | None = answer(
        label="Describe the location",
        hint="For example, outside 12 High Street, near the bus stop",
        default=None,
        max_length=500,
        errors={"too_long": "Location description must be 500 characters or fewer"},
    )

    @model_validator(mode="after")
    def _somewhere_in_the_uk(self) -> LocationForm:
        has_pin = self.latitude is not None and self.longitude is not None
        if not has_pin and not self.location_description:
            raise AnswerError(location_description="Choose a location on the map or describe where it is")
        if has_pin and not (
            _UK_LATITUDE[0] <= (self.latitude or 0.0) <= _UK_LATITUDE[1]
            and _UK_LONGITUDE[0] <= (self.longitude or 0.0) <= _UK_LONGITUDE[1]
        ):
            raise AnswerError(latitude="Choose a location in the UK")
        return self
