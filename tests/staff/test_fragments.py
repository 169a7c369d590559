"""A fragment a node rendered once is reused only for the very values it was rendered from."""

from __future__ import annotations

from jinja2 import DictLoader, Environment

from civicshare.staff.fragments import RenderedFragments


def test_a_fragment_is_rendered_again_for_other_values_and_reused_for_the_same() -> None:
    template = "{{ typed.q }}{% for o in options %}[{{ o }}]{% endfor %}"
    environment = Environment(loader=DictLoader({"f.html": template}), autoescape=True)
    fragments = RenderedFragments(environment, most=2)
    first = fragments.render("f.html", typed={"q": "<b>"}, options=["a", "b"])
    assert first == "&lt;b&gt;[a][b]"
    assert fragments.render("f.html", typed={"q": "<b>"}, options=["a", "b"]) is first
    assert fragments.render("f.html", typed={"q": "<b>"}, options=["a", "c"]) == "&lt;b&gt;[a][c]"
    assert fragments.render("f.html", typed={"q": "x"}, options=["a", "b"]) == "x[a][b]"
    assert fragments.render("f.html", typed={"q": "<b>"}, options=["a", "b"]) is not first  # two kept at most
