"""Where every request enters, before the council is resolved: which proxies are believed about the
client and scheme (`proxies`), and the security headers every answer carries (`headers`)."""
