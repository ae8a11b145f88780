"""Lifecycle events as the schema shows them: the history of a battery or a vehicle, and what a
battery or vehicle mutation recorded. Who recorded an event, and for a direct sale its buyer,
are shown only to the reporting enterprise and regulators."""
