//! Visits: drafts answered item by item, photos, the police-report flag, and sealing into a signed,
//! encrypted envelope linked into the device's hash chain.

mod draft;
mod error;
mod photo_intake;
mod seal;

pub use draft::{Draft, DraftPhoto, LevelOverride};
pub use error::VisitError;
pub use photo_intake::{PreparedPhoto, prepare_photo};
pub use seal::{SealInput, SealOutput, seal_visit};
