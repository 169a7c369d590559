"""Savings: what channel shift saves each council, as plain functions over plain typed inputs.

Nothing here touches the database or the web. Callers read rollups, unit costs and baselines from
storage, pass them in, and get typed results back that serialise to JSON.

- ``channels``: the channels a contact arrives through, and which of them count as digital
- ``services``: the per-service flags that decide what is in the channel-shift figure
- ``money``: penny rounding and largest-remainder apportionment
- ``costs``: unit costs per channel, effective-dated overrides per council and per service
- ``baseline``: the channel mix a council had before the platform
- ``rollups``: daily counts per service and channel, rebuilt from raw records
- ``offline_import``: offline contact counts from a CSV file, checked row by row
- ``period``, ``figures``, ``report``, ``avoided_contacts``: a council's savings report
- ``groups``: a shared-service group, with the shared platform cost apportioned
- ``operators``: every council side by side
- ``csv_export``: a report as CSV
- ``demo_data``: deterministic demo counts for the demo councils
"""
