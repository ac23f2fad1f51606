//! FieldVisit core.
