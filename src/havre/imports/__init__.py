"""Imports: bring a creator's videos in from TikTok (data export, links, yt-dlp folders)."""
