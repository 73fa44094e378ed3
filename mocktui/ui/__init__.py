"""The terminal control room (Textual): `mocktui SPEC` and `mocktui attach URL`.

Only this package imports Textual; the engine and the server never do. Entry points live in
`mocktui.ui.app` (`run_tui`, `run_attach`, `MocktuiApp`).
"""
