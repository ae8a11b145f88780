"""Bulk mutations: the single mutations partner systems send in volume (factory certificates,
customs clearances, registrations, fulfilments), many items a call. Each item is checked and
applied on its own, exactly as its single mutation would do it, and answered at its index: one
bad item does not stop the others. `items` runs them; `inputs`, `types` and `mutations` are
the schema's side."""
