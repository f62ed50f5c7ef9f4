"""The quality suite: browser journeys with axe-core, keyboard and reflow checks,
fault tests, and the locust load run. A plain package, not a Django app."""
