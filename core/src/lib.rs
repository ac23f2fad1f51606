//! FieldVisit core.
pub mod media;
