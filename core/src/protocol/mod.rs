//! Wire types shared by phone and server, defined once and versioned: sealed envelopes, receipts,
//! assignments, enrollment, upload status and API errors.

mod assignments;
mod content;
mod envelope;
mod error;
mod ids;
mod messages;

pub use assignments::{
    Assignments, AudienceKeyRecord, CountyParameters, LastVisitRecord, LowIncomeStandard,
    MAX_HELD_TEMPLATES, ReturnedAssessment, StaffMember,
};
pub use content::{
    PhotoContent, ScoreOutcome, VisitContent, content_aad, open_content, open_photo, photo_aad,
    wrap_aad,
};
pub use envelope::{
    ChainLink, ENVELOPE_VERSION, EncryptedContent, EnvelopeBody, EvidenceFlag, PhotoManifest,
    RecipientKey, SealedEnvelope, VerifiedEnvelope, VisitLevel,
};
pub use error::{ProtocolError, redacted_json_error};
pub use ids::{MAX_ID_LEN, is_safe_id};
pub use messages::{
    ApiError, ApiErrorBody, EnrollRequest, EnrollResponse, Receipt, TOKEN_RENEWAL_PURPOSE,
    TokenRenewRequest, TokenRenewResponse, UploadStatus, WIRE_VERSION,
};
