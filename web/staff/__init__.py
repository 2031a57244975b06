"""The secretary's and the administrator's pages (under /sekreterare)."""
