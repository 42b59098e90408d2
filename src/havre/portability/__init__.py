"""A person's data as a whole, across every domain: moving it between regions, auditing where it
lives (and, next, exporting and deleting it). Built on each table's ownership declaration
(``db.ownership``) and on the blob key formats (``blobs.keys``), never on lists of its own."""

# The jobs this package handles, named by it.
BUILD_EXPORT_JOB = "portability.build_export"  # portability.export_requests
SWEEP_EXPORTS_JOB = "portability.sweep_exports"
MOVE_JOB = "portability.move"  # portability.move_requests
DELETE_DUE_JOB = "portability.delete_due"  # portability.tasks
DELETE_ACCOUNT_JOB = "portability.delete_account"
RETRAIN_AFTER_DELETION_JOB = "portability.retrain_after_deletion"
