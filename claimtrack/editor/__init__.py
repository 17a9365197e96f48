"""The editor area: the newsroom's side of claimtrack (login required)."""
