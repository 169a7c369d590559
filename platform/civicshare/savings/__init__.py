"""Savings: what channel shift saves each council.

The engine modules below are plain functions over plain typed inputs: nothing in them touches the
database or the web. Callers read rollups, unit costs and baselines from storage, pass them in, and get
typed results back that serialise to JSON. The storage and interface modules are listed after them.

- ``channels``: the channels a contact arrives through, and which of them count as digital
- ``services``: the per-service flags that decide what is in the channel-shift figure
- ``money``: penny rounding and largest-remainder apportionment
- ``costs``: unit costs per channel, effective-dated overrides per council and per service
- ``baseline``: the channel mix a council had before the platform
- ``rollups``: daily counts per service and channel (the table is ``transactions.tables.daily_rollups``),
  rebuilt from raw records
- ``offline_import``: offline contact counts from a CSV file, checked row by row
- ``period``, ``figures``, ``report``, ``avoided_contacts``: a council's savings report
- ``pricing``: unit costs and baseline shares as whole numbers, for the report's exact arithmetic
- ``groups``: a shared-service group, with the shared platform cost apportioned
- ``operators``: every council side by side
- ``csv_export``: a report as CSV
- ``demo_data``: deterministic demo counts for the demo councils
- ``measures``: the four GOV.UK service measures (cost per transaction, digital take-up, completion rate,
  user satisfaction) by month and service

In the database and on the web (each council's data in its own schema):

- ``tables``: offline contact counts and imports, unit-cost overrides, baseline mixes, and
  the monthly cache of closed months' contacts that reports read instead of those months' daily rows
- ``service``: ``record_contact`` (a direct count; submissions count theirs inside their own INSERT),
  rollup checks and rebuilds, offline imports, unit costs, baselines; ``contact_rollups`` (what reports
  read) and the monthly cache behind it, which imports, rebuilds and past-day counts empty for the
  months they change (``forget_monthly_contacts``); a report on the read replica stores nothing, and the
  housekeeping fills the cache on the primary (``fill_monthly_contacts``)
- ``periods``: closed months (signed off): the checks every change of a past day's figures passes
  (``ClosedMonthError``), closing and reopening; ``closing``: the same for every member of a group
- ``service_flags``: where reports get each service's flags (``PlatformServices.service_flags``)
- ``reporting``: load a council's, a group's or every council's inputs and build their reports
- ``schemas``: what the staff API (``civicshare.staff.savings_routes``, on a council's address, and the
  operators' pages under /ops) sends and takes
- ``charts``, ``dashboard``, ``templates/``: the HTML dashboard with server-rendered SVG charts
- ``demo_loader``: ``load_demo_data`` for ``civicshare demo-data load`` and ``make demo``
- ``journeys``: journeys started and requests sent on the website, as counts only (the completion rate)
- ``feedback``: the confirmation page's feedback question: ratings for the measures, comments for staff
- ``measures_service``, ``measures_dashboard``: the measures loaded for a council, and on the dashboard
- ``open_data``: the measures as a CSV to publish, and whether the council publishes it
"""
