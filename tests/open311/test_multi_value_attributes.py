"""A GeoReport client sends a multivaluelist attribute as repeated `attribute[code][]` pairs (form or
query); they are kept together as one list answer, and a repeated `media_url` as a list of links. No
installed service asks a multi-value question yet, so this is the parsing every POST goes through."""

from __future__ import annotations

from urllib.parse import parse_qsl

from civicshare.integrations.open311.service import collect_params, params_from_json


def test_repeated_attribute_pairs_are_one_list_answer() -> None:
    form = "service_code=FT&attribute[waste][]=tyres&attribute[waste][]=mattress&attribute[size]=large"
    params = collect_params(parse_qsl(form))
    assert params["attribute[waste]"] == ["tyres", "mattress"]
    assert params["attribute[size]"] == "large"
    assert params["service_code"] == "FT"


def test_repeated_media_urls_are_kept_in_order() -> None:
    form = "media_url=https://a.example/1.jpeg&media_url=https://a.example/2.jpeg"
    assert collect_params(parse_qsl(form))["media_url"] == ["https://a.example/1.jpeg", "https://a.example/2.jpeg"]


def test_a_json_client_may_send_attributes_as_an_object() -> None:
    params = params_from_json({"service_code": "FT", "attribute": {"waste": ["tyres", "mattress"], "size": "large"}})
    assert params == {"service_code": "FT", "attribute[waste]": ["tyres", "mattress"], "attribute[size]": "large"}
