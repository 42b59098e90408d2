"""Imports: bring a creator's videos in from TikTok (data export, links, yt-dlp folders)."""

# The job this package handles (imports.tasks), named by it.
RUN_JOB = "imports.run"
