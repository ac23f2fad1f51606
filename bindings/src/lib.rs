//! uniffi bindings of the FieldVisit phone engine (`fieldvisit-core`) for the Android and iOS apps.
//!
//! Thin wrappers only: every exported method converts its arguments, calls one [`Engine`] method and
//! converts the result. Conventions at the boundary:
//! - instants (start, finish, photo capture, GPS fix, sealing) are **i64 milliseconds since the Unix
//!   epoch, UTC**; calendar days (today, due dates) are **`YYYY-MM-DD` strings** in the worker's local
//!   calendar;
//! - templates cross typed for rendering (`template.rs`), and whole as JSON;
//! - answers cross typed (`answer_value.rs`), one value per item path, and the core still reads and
//!   checks each one; assignments, whole templates and computed values cross as **JSON strings** in
//!   the formats of `core/TEMPLATES.md` and `core/src/protocol/`;
//! - counts are `i32` and sizes `i64` (Kotlin `Int`/`Long`), never unsigned (`counts.rs`);
//! - every failure is one flat [`FieldVisitError`] whose message is its Display text, mapped from
//!   the core's errors in `error.rs`;
//! - the surface is synchronous and thread-safe: the Android library's `suspend` functions and the
//!   Swift package's `async` ones run it off the main thread and cancel a sync with `SyncCancel`.
//!
//! [`Engine`]: fieldvisit_core::Engine

mod answer_value;
mod answers;
mod counts;
mod error;
mod keys;
mod records;
mod sample;
mod store;
mod sync;
mod template;
mod time;

pub use answer_value::AnswerValue;
pub use answers::DraftAnswer;
pub use error::FieldVisitError;
pub use keys::{KeyProvider, KeyProviderError};
pub use records::{
    CaseloadItem, DraftRecord, EvaluationRecord, GpsFixRecord, HouseholdInfo, SealedRecord,
};
pub use sample::sample_answers;
pub use store::{FieldVisitStore, category_code, category_label};
pub use sync::{ReturnedTask, RevocationState, SyncCancel, SyncListener, SyncSummary};
pub use template::{ItemKindRecord, ItemRecord, SectionRecord, TemplateRecord};

uniffi::setup_scaffolding!();
