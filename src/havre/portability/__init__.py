"""A person's data as a whole, across every domain: moving it between regions, auditing where it
lives (and, next, exporting and deleting it). Built on each table's ownership declaration
(``db.ownership``) and on the blob key formats (``blobs.keys``), never on lists of its own."""
