"""Batteries: the `Battery` type and a GB/T 34014 code's decoding, the queries `battery`,
`decodeBatteryCode` and `batteries`, and the mutations that record what happens to batteries
(registration, supply, installation and removal, direct sale, repair returns, intake at and
hand-over from service points, disposal, second-life re-coding).

A battery is visible to its manufacturer, the enterprise answering for it, the automaker of the
vehicle it is in and the enterprise holding it (compliance.custody); a battery the caller may not
report on gets exactly the answer an unknown code gets."""
