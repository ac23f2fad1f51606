use thiserror::Error;

use crate::crypto::CryptoError;
use crate::media::MediaError;
use crate::protocol::ProtocolError;
use crate::store::StoreError;
use crate::template::{AnswerError, TemplateError};

/// Why a visit operation failed. Names items and ids, never answers.
#[derive(Debug, Error)]
pub enum VisitError {
    /// No visit with this id.
    #[error("visit {0} does not exist")]
    NotFound(String),
    /// No household with this id on the phone.
    #[error("household {0} is not on this phone's caseload")]
    UnknownHousehold(String),
    /// The household is not in the category, or no template serves it.
    #[error("household {household} is not registered as {category}")]
    WrongCategory {
        /// Household id.
        household: String,
        /// Category code.
        category: String,
    },
    /// No template on the phone for this visit type.
    #[error("no template `{0}` on this phone")]
    NoTemplate(String),
    /// The visit is sealed; a correction is a new visit that amends it.
    #[error("visit {0} is sealed and cannot change; record a correction that amends it")]
    Sealed(String),
    /// An answer was refused.
    #[error("{0}")]
    Answer(#[from] AnswerError),
    /// The visit is not complete; every problem is listed.
    #[error("the visit cannot be sealed yet: {}", .0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("; "))]
    Incomplete(Vec<AnswerError>),
    /// The template names an audience whose key the phone does not have.
    #[error("no public key for audience {0}; sync assignments first")]
    MissingAudienceKey(String),
    /// A photo was refused by the media pipeline.
    #[error("photo refused: {0}")]
    Media(#[from] MediaError),
    /// A photo is missing from the store or could not be sealed.
    #[error("photo problem: {0}")]
    Photo(String),
    /// The GPS fix is not a valid position.
    #[error("the GPS fix is not a valid position")]
    BadFix,
    /// The device's hash chain of sealed visits is broken at this link.
    #[error("the chain of sealed visits is broken at sequence {seq}: {reason}")]
    Chain {
        /// Sequence number of the first bad link.
        seq: u64,
        /// What is wrong.
        reason: &'static str,
    },
    /// A template failed.
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Cryptography failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// Building the envelope failed.
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
}
