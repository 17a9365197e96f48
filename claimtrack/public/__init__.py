"""The public side: claim pages, search, speakers, topics, feeds (blueprint ``public`` at /)."""
