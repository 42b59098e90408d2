"""Social: likes, comments, follows, shares."""

# The jobs this package handles (social.tasks), named by it.
COUNT_VIDEO_JOB = "social.count_video"  # a video's counts, moved in its own region
COUNT_FOLLOWERS_JOB = "social.count_followers"
FORGET_VIDEO_JOB = "social.forget_video"  # enqueued by videos.service by name (videos sits below social)
