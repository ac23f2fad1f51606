//! FieldVisit phone engine: caseload, checklist templates, visits, the encrypted store, sealing and
//! signing.
//!
//! The core knows nothing of FFI or HTTP servers; `bindings/` wraps it and `server/` reuses its wire
//! types from [`protocol`].

pub mod caseload;
pub mod crypto;
pub mod engine;
pub mod geo;
pub mod media;
pub mod protocol;
pub mod store;
pub mod sync;
pub mod template;
pub mod visit;

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();

pub use engine::{Engine, SealedSummary};
