"""Pages of the daily loop: intake, work lists, the issue page and its actions, dispatches, site visits."""
