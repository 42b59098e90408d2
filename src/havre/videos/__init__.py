"""Videos: uploads, their renditions, captions and hashtags, visibility."""

# The jobs this package handles (videos.tasks), named by it: "videos." and what they do.
PROCESS_JOB = "videos.process"  # probe, remux and poster: playable at once
LADDER_JOB = "videos.ladder"  # the adaptive renditions, after
DROP_FILES_JOB = "videos.drop_files"
PURGE_FILES_JOB = "videos.purge_files"
PUBLISH_JOB = "videos.publish"  # a scheduled draft posts itself
POSTER_JOB = "videos.poster"  # the poster again, from the cover frame the owner chose
