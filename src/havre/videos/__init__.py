"""Videos: uploads, their renditions, captions and hashtags, visibility."""
