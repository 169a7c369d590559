"""Council tax service module for civicshare: discounts, moving home and payments."""

from civicshare_council_tax.module import module

__all__ = ["module"]
