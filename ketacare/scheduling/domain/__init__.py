"""The pure scheduling engine: intervals, opening and working hours, free slots, courses.

Plain Python (no Django), so that every rule is tested exhaustively and the app only feeds it
what the database holds. docs/scheduling.md describes the rules and interfaces.
"""
