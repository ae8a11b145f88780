"""The working-day calendar: the mutation `loadCalendarYear` (the platform loads a year's
announced holiday schedule, and queues the moving or confirming of the open deadlines it
changes) and the query `calendarRescheduling` (how far that got: the platform and regulators);
and, for every signed-in caller, the read-only helpers `workingDay`, `restDays` and `deadline`,
so that clients need not re-implement China's working-day calendar.

The load is stored with the progress of its rescheduling, then the rescheduling is queued as one
message per partition of the national open index (compliance/store/rescheduling.py): the
request reads and writes the same few items however many deadlines the load changes, and its
payload is a summary, not the obligations. `loadCalendarYear` still calls the calendar store
directly: it has no use case of its own yet."""
