"""The scheduling app: services, chairs and rooms, staff hours, appointments and courses.

For now this package holds only its pure domain modules (``domain/``); the Django models,
services and views that build on them come later.
"""
