"""CSV in and out of a backlog: the export of the filtered backlog (``csv_export``), the import
of Tandem's own CSV and of a Jira CSV export (``csv_import``, each row read by ``csv_rows``,
with the Jira mapping in ``jira``), and the bulk generator of synthetic tickets used by the demo
and the benchmark (``bulk``)."""
