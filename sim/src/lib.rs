//! The simulated world FieldVisit is shown and tested with, in one place: phones that run the real
//! `fieldvisit-core` engine and sync client ([`phone`]), camera-like photos ([`photo`]) and a seeded
//! county with staff, households and planned visits ([`county`]); and phones that only make traffic, for
//! load benchmarks ([`load`]). The demo, the end-to-end tests,
//! the server's router tests and the benchmarks all use it; none of it talks to the server except
//! over HTTP.

pub mod county;
mod error;
pub mod load;
pub mod phone;
pub mod photo;

pub use error::SimError;
